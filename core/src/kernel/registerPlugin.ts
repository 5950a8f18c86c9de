import { isHangarError, PluginInitFailedError } from '../errors.js';
import type { PluginDefinition, PluginEnv, PluginInit } from './definePlugin.js';
import type { ExtensionRegistry } from './ExtensionRegistry.js';
import type { AnyRef, ExtensionPoint, ServiceRef } from './refs.js';
import type { ServiceContainer } from './ServiceContainer.js';

/** What a plugin declared during `register`. */
export interface Registration {
  readonly pluginId: string;
  readonly after: readonly string[];
  readonly init: PluginInit<Record<string, AnyRef>>;
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
): Registration {
  let sealed = false;
  let init: PluginInit<Record<string, AnyRef>> | undefined;
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
      if (ref.kind === 'extensionPoint') extensions.add(ref, value, plugin.id);
      else container.register(ref, value, plugin.id);
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
  return { pluginId: plugin.id, after: plugin.after ?? [], init };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
