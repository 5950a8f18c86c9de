import { definePlugin, transportsExtensionPoint, type PluginDefinition } from '../../index.js';
import { remoteTransport } from '../../transports/remoteTransport.js';
import { subprocessTransport } from '../../transports/subprocessTransport.js';

/** `core-transports`: the `subprocess` and `remote` modes, contributed like any plugin's transport. */
export function coreTransportsPlugin(): PluginDefinition<unknown> {
  return definePlugin<unknown>({
    id: 'core-transports',
    coreRange: '*',
    register(env) {
      env.provide(transportsExtensionPoint, subprocessTransport);
      env.provide(transportsExtensionPoint, remoteTransport);
      env.init({ run: () => undefined });
    },
  });
}
