import { ExtensionConflictError, PluginInitFailedError } from '../errors.js';
import type { Factory } from './factory.js';
import type { ExtensionPoint } from './refs.js';

/** One contribution with the plugin that made it. */
export interface Contribution<T> {
  readonly pluginId: string;
  readonly value: T;
}

/** A contribution declared as a factory, waiting for its plugin's init. */
interface PendingContribution {
  readonly point: ExtensionPoint<unknown>;
  readonly pluginId: string;
  readonly factory: Factory<unknown>;
}

/**
 * Holds every contribution to every extension point, in plugin load order. Keyed points refuse a
 * second contribution with the same key, so conflicts fail the boot naming both plugins instead of
 * silently shadowing one another. Contributions declared as factories wait in `pending` until the
 * kernel creates them (right after their plugin's init); `get` only ever returns created values,
 * from an array kept per point, so reading a point on a hot path allocates nothing.
 */
export class ExtensionRegistry {
  private readonly byPoint = new Map<string, Contribution<unknown>[]>();
  private readonly values = new Map<string, unknown[]>();
  private readonly pending: PendingContribution[] = [];
  private readonly contributorsByPoint = new Map<string, Set<string>>();

  /** Adds `value` to `point` on behalf of `pluginId`. */
  add<T>(point: ExtensionPoint<T>, value: T, pluginId: string): void {
    const list = (this.byPoint.get(point.id) ?? []) as Contribution<T>[];
    if (point.key) {
      const key = point.key(value);
      const clash = list.find((c) => point.key?.(c.value) === key);
      if (clash) {
        throw new ExtensionConflictError(
          `extension point '${point.id}': '${key}' is contributed by both '${clash.pluginId}' and '${pluginId}'`,
        );
      }
    }
    list.push({ pluginId, value });
    this.byPoint.set(point.id, list);
    const values = this.values.get(point.id) ?? [];
    values.push(value);
    this.values.set(point.id, values);
    this.noteContributor(point, pluginId);
  }

  /** Records a contribution `factory` makes once `pluginId` has initialised. */
  addFactory<T>(point: ExtensionPoint<T>, factory: Factory<T>, pluginId: string): void {
    if (point.valuesOnly) {
      throw new PluginInitFailedError(
        `plugin '${pluginId}': contributions to '${point.id}' must be values, not factories (they are read before any init)`,
      );
    }
    this.pending.push({ point, pluginId, factory });
    this.noteContributor(point, pluginId);
  }

  /** The factories `pluginId` declared, in declaration order, removed from the pending list. */
  takePending(pluginId: string): { point: ExtensionPoint<unknown>; factory: Factory<unknown> }[] {
    const mine = this.pending.filter((entry) => entry.pluginId === pluginId);
    for (const entry of mine) this.pending.splice(this.pending.indexOf(entry), 1);
    return mine;
  }

  /** The factories declared by `pluginId` that are still waiting (for init ordering). */
  pendingOf(pluginId: string): readonly Factory<unknown>[] {
    return this.pending.filter((entry) => entry.pluginId === pluginId).map((entry) => entry.factory);
  }

  /** Plugins that contribute (values or factories) to `point`. */
  contributors(point: ExtensionPoint<unknown>): ReadonlySet<string> {
    return this.contributorsByPoint.get(point.id) ?? new Set();
  }

  /** The created contributions to `point`, in load order (the same array until one is added). */
  get<T>(point: ExtensionPoint<T>): readonly T[] {
    return (this.values.get(point.id) ?? EMPTY) as readonly T[];
  }

  /** The created contributions to `point` with the plugin that made each. */
  entries<T>(point: ExtensionPoint<T>): readonly Contribution<T>[] {
    return (this.byPoint.get(point.id) ?? []) as Contribution<T>[];
  }

  /** The contribution of a keyed point under `key`, if any. */
  find<T>(point: ExtensionPoint<T>, key: string): T | undefined {
    return this.get(point).find((value) => point.key?.(value) === key);
  }

  private noteContributor(point: ExtensionPoint<unknown>, pluginId: string): void {
    const set = this.contributorsByPoint.get(point.id) ?? new Set<string>();
    set.add(pluginId);
    this.contributorsByPoint.set(point.id, set);
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
