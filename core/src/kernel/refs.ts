/**
 * Typed references: the only way plugins name a service or an extension point. A ref carries
 * the id the kernel registers under and, at the type level only, the type of what it names, so
 * `deps: { logger: loggerRef }` gives `run` a typed `logger` without any bare-string lookup.
 */

/** A reference to a singleton service in the kernel's container. */
export interface ServiceRef<T> {
  readonly kind: 'service';
  readonly id: string;
  /** Type carrier only; never set at run time. */
  readonly __type?: T;
}

/**
 * A reference to an extension point: a kernel-owned list of contributions of type `T`.
 * `key` names the contribution's unique key for keyed points (transports by mode, sinks
 * by name, …); a second contribution with the same key is a boot error.
 */
export interface ExtensionPoint<T> {
  readonly kind: 'extensionPoint';
  readonly id: string;
  // Method syntax on purpose: it keeps `ExtensionPoint<Policy>` assignable to `AnyRef`, so keyed points can be deps.
  key?(contribution: T): string;
  /** Contributions must be plain values (no factories): the kernel reads them before any init. */
  readonly valuesOnly?: boolean;
  /** Type carrier only; never set at run time. */
  readonly __type?: T;
}

/** Any ref an init may depend on. */
export type AnyRef = ServiceRef<unknown> | ExtensionPoint<unknown>;

/** Resolves a record of refs to a record of the values they name. */
export type ResolvedDeps<D> = {
  [K in keyof D]: D[K] extends ServiceRef<infer T> ? T : D[K] extends ExtensionPoint<infer C> ? readonly C[] : never;
};

const ID = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/;

function checkId(id: string): string {
  if (!ID.test(id)) throw new TypeError(`invalid ref id '${id}': expected dotted camelCase like 'core.logger'`);
  return id;
}

/** Declares a service ref; ids are namespaced, e.g. `core.logger` or `groups.registry`. */
export function serviceRef<T>(id: string): ServiceRef<T> {
  return Object.freeze({ kind: 'service', id: checkId(id) });
}

/** Declares an extension point; ids are `core.<name>` for the kernel's own points. */
export function extensionPoint<T>(
  id: string,
  options: { key?: (contribution: T) => string; valuesOnly?: boolean } = {},
): ExtensionPoint<T> {
  return Object.freeze({ kind: 'extensionPoint', id: checkId(id), key: options.key, valuesOnly: options.valuesOnly });
}
