import { isHangarError, PluginInitFailedError } from '../errors.js';
import type { PluginDefinition, PluginEnv, PluginInit } from './definePlugin.js';
import type { ExtensionRegistry } from './ExtensionRegistry.js';
import { isFactory, type Factory } from './factory.js';
import type { AnyRef, ExtensionPoint, ServiceRef } from './refs.js';
import type { DepsResolver, ServiceContainer } from './ServiceContainer.js';

/** What a plugin declared during `register`. */
export interface Registration {
  readonly pluginId: string;
  readonly after: readonly string[];
  readonly init: PluginInit<Record<string, AnyRef>>;
  /** Singleton services declared as factories, created right before this plugin's init. */
  readonly serviceFactories: readonly { readonly ref: ServiceRef<unknown>; readonly factory: Factory<unknown> }[];
}

/**
 * Runs a plugin's `register` phase against a one-shot env. Contributions go to the extension
 * registry, services to the container; after `register` returns, the env is sealed and any later
 * `provide`/`init` call throws. A plugin declares exactly one `init`; none, two, or an async
 * `register` is an error.
 */
export function registerPlugin<O>(
  plugin: PluginDefinition<O>,
  options: O,
  extensions: ExtensionRegistry,
  container: ServiceContainer,
  resolveDeps: DepsResolver = (deps, scope) =>
    Object.fromEntries(
      Object.entries(deps).map(([name, ref]) => [name, ref.kind === 'extensionPoint' ? extensions.get(ref) : scope.resolve(ref)]),
    ),
): Registration {
  let sealed = false;
  let init: PluginInit<Record<string, AnyRef>> | undefined;
  const serviceFactories: { ref: ServiceRef<unknown>; factory: Factory<unknown> }[] = [];
  const guard = (what: string): void => {
    if (sealed) {
      throw new PluginInitFailedError(`plugin '${plugin.id}' called env.${what}() after its register phase ended`);
    }
  };

  const env: PluginEnv<O> = {
    options,
    pluginId: plugin.id,
    provide(ref: ExtensionPoint<unknown> | ServiceRef<unknown>, value: unknown): void {
      guard('provide');
      if (ref.kind === 'extensionPoint') {
        if (isFactory(value)) extensions.addFactory(ref, value, plugin.id);
        else extensions.add(ref, value, plugin.id);
      } else if (isFactory(value)) {
        container.registerFactory(ref, value, plugin.id, resolveDeps);
        if (value.lifetime === 'singleton') serviceFactories.push({ ref, factory: value });
      } else {
        container.register(ref, value, plugin.id);
      }
    },
    init(declared) {
      guard('init');
      if (init !== undefined) throw new PluginInitFailedError(`plugin '${plugin.id}' declared more than one init`);
      init = declared;
    },
  };

  try {
    const result: unknown = plugin.register(env);
    if (result instanceof Promise) {
      throw new PluginInitFailedError(`plugin '${plugin.id}': register must be synchronous (do async work in init)`);
    }
  } catch (error) {
    if (isHangarError(error)) throw error;
    throw new PluginInitFailedError(`plugin '${plugin.id}': register failed: ${errorMessage(error)}`, { cause: error });
  } finally {
    sealed = true;
  }
  if (init === undefined) {
    throw new PluginInitFailedError(`plugin '${plugin.id}' declared no init: call env.init({ run }) once in register`);
  }
  return { pluginId: plugin.id, after: plugin.after ?? [], init, serviceFactories };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
