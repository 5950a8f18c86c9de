import type { AnyRef, ResolvedDeps } from './refs.js';

/**
 * How long a service made by a factory lives: `singleton` (one for the process, made when its
 * plugin initialises) or `scoped` (one per HTTP request or MCP session scope, made on first use in
 * that scope and disposed with it; it may depend on `principalRef`).
 */
export type FactoryLifetime = 'singleton' | 'scoped';

/**
 * A contribution or service made from declared dependencies instead of a value fixed in
 * `register` (Backstage's service factories). The kernel creates it once the plugins providing
 * its dependencies have initialised:
 * - a service factory right before its own plugin's `init` (so the plugin and everything after it
 *   can use it), its `dispose` run when its plugin stops;
 * - a contribution factory right after its own plugin's `init` (so it can use what `init` set up);
 *   an event sink made this way receives events from then on, never before its plugin is ready.
 */
export interface Factory<T, D extends Record<string, AnyRef> = Record<string, AnyRef>> {
  readonly [FACTORY_MARK]: true;
  readonly deps: D;
  readonly lifetime: FactoryLifetime;
  create(deps: ResolvedDeps<D>): T | Promise<T>;
  dispose?(value: T): void | Promise<void>;
}

/** What `factory` takes. */
export interface FactoryDefinition<T, D extends Record<string, AnyRef>> {
  /** The services and extension points `create` receives; omit when it needs none. */
  readonly deps?: D;
  /** Default `singleton`. Contributions are always singletons. A `scoped` create must be synchronous. */
  readonly lifetime?: FactoryLifetime;
  create(deps: ResolvedDeps<D>): T | Promise<T>;
  /** Releases what `create` made (a singleton at its plugin's stop, a scoped one with its scope). */
  dispose?(value: T): void | Promise<void>;
}

/** Set on every factory; `Symbol.for` so factories from another copy of `@hangar/core` are recognised. */
export const FACTORY_MARK = Symbol.for('hangar.factory');

/**
 * Declares a factory for `env.provide(ref, factory({ deps, create }))`: the contribution or
 * service is created from its dependencies once they exist, instead of being built bare in
 * `register` and filled in later.
 */
export function factory<T, D extends Record<string, AnyRef> = Record<string, never>>(
  definition: FactoryDefinition<T, D>,
): Factory<T, D> {
  return Object.freeze({
    [FACTORY_MARK]: true as const,
    deps: definition.deps ?? ({} as D),
    lifetime: definition.lifetime ?? 'singleton',
    create: (deps: ResolvedDeps<D>) => definition.create(deps),
    ...(definition.dispose === undefined ? {} : { dispose: (value: T) => definition.dispose?.(value) }),
  });
}

/** True when `value` came from `factory` (of any copy of `@hangar/core`). */
export function isFactory(value: unknown): value is Factory<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FACTORY_MARK] === true;
}
