import type { ZodType } from 'zod';
import type { Factory } from './factory.js';
import type { AnyRef, ExtensionPoint, ResolvedDeps, ServiceRef } from './refs.js';

/** What a plugin's `init.run` may return: hooks the kernel calls after every init, and at shutdown. */
export interface PluginLifecycle {
  /** Called once all plugins have initialised, in init order, before Hangar reports ready. */
  start?(): Promise<void> | void;
  /** Called at shutdown in reverse init order, each bounded by the kernel's stop timeout. */
  stop?(): Promise<void> | void;
}

/** The one init a plugin declares: the refs it needs, and the function that uses them. */
export interface PluginInit<D extends Record<string, AnyRef>> {
  /** The services and extension points `run` receives; omit when it needs none. */
  deps?: D;
  run(deps: ResolvedDeps<D>): Promise<PluginLifecycle | void> | PluginLifecycle | void;
}

/**
 * What `register` receives. It is only valid during `register`: calling `provide` or `init`
 * afterwards throws, and a plugin declares exactly one `init`.
 */
export interface PluginEnv<O> {
  /** This plugin's options, already validated against its `options` schema. */
  readonly options: O;
  /** This plugin's id. */
  readonly pluginId: string;
  /**
   * Adds a contribution to an extension point: a value, or a `factory({ deps, create })` the kernel
   * calls right after this plugin's init (with the declared services and points resolved).
   */
  provide<T>(point: ExtensionPoint<T>, contribution: T | Factory<T>): void;
  /**
   * Supplies the implementation of a service ref (one provider per ref): a value, or a
   * `factory({ deps, create, dispose, lifetime })` — a singleton made right before this plugin's
   * init and disposed when it stops, or one instance per request / MCP session scope.
   */
  provide<T>(service: ServiceRef<T>, implementation: T | Factory<T>): void;
  /**
   * Declares the plugin's init: its dependencies and the code that runs once they resolve. Every
   * plugin calls this exactly once (Backstage's rule: one place where a plugin comes alive).
   */
  init<D extends Record<string, AnyRef> = Record<string, never>>(init: PluginInit<D>): void;
}

/** A plugin as declared by its module's default export. */
export interface PluginDefinition<O = unknown> {
  /** kebab-case id; equals the plugin's folder and its key in hangar.plugins.json. */
  readonly id: string;
  /** semver range of `@hangar/core` versions this plugin works with. */
  readonly coreRange: string;
  /** Ids of plugins that must initialise before this one. */
  readonly after?: readonly string[];
  /** zod schema of the plugin's options; invalid options stop the boot naming the field. */
  readonly options?: ZodType<O>;
  /** Synchronous declaration phase: any `env.provide(...)` calls and exactly one `env.init(...)`. */
  register(env: PluginEnv<O>): void;
}

const PLUGIN_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Marks an object as a Hangar plugin definition, checking its shape early. */
export function definePlugin<O = Record<string, never>>(definition: PluginDefinition<O>): PluginDefinition<O> {
  if (!PLUGIN_ID.test(definition.id)) {
    throw new TypeError(`plugin id '${definition.id}' must be kebab-case`);
  }
  if (typeof definition.register !== 'function') {
    throw new TypeError(`plugin '${definition.id}' must declare register(env)`);
  }
  return Object.freeze({ ...definition, [PLUGIN_MARK]: true });
}

/** Set by `definePlugin`; the loader refuses modules whose default export lacks it. */
export const PLUGIN_MARK = Symbol.for('hangar.plugin');

/** True when `value` came from `definePlugin` (of any copy of `@hangar/core`). */
export function isPluginDefinition(value: unknown): value is PluginDefinition<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_MARK] === true;
}
