import { ExtensionConflictError } from '../errors.js';
import type { ExtensionPoint } from './refs.js';

/** One contribution with the plugin that made it. */
export interface Contribution<T> {
  readonly pluginId: string;
  readonly value: T;
}

/**
 * Holds every contribution to every extension point, in plugin load order. Keyed points refuse a
 * second contribution with the same key at registration, so conflicts fail the boot naming both
 * plugins instead of silently shadowing one another.
 */
export class ExtensionRegistry {
  private readonly byPoint = new Map<string, Contribution<unknown>[]>();

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
  }

  /** The contributions to `point`, in load order. */
  get<T>(point: ExtensionPoint<T>): readonly T[] {
    return this.entries(point).map((c) => c.value);
  }

  /** The contributions to `point` with the plugin that made each. */
  entries<T>(point: ExtensionPoint<T>): readonly Contribution<T>[] {
    return (this.byPoint.get(point.id) ?? []) as Contribution<T>[];
  }

  /** The contribution of a keyed point under `key`, if any. */
  find<T>(point: ExtensionPoint<T>, key: string): T | undefined {
    return this.get(point).find((value) => point.key?.(value) === key);
  }
}
