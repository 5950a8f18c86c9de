import { definePlugin, type PluginDefinition } from '../kernel/definePlugin.js';
import { eventSinksExtensionPoint } from '../extensions/eventSinks.js';
import { strategiesExtensionPoint } from '../extensions/strategies.js';
import { transportsExtensionPoint } from '../extensions/transports.js';
import { wsRoutesExtensionPoint } from '../extensions/wsRoutes.js';
import { remoteTransport } from '../transports/remoteTransport.js';
import { subprocessTransport } from '../transports/subprocessTransport.js';
import { EventStreamHub } from './EventStreamHub.js';
import { roundRobinStrategy } from './roundRobinStrategy.js';

/**
 * The kernel's own features, declared as plugins through the same extension points third-party
 * plugins use (the way Vite ships `vite:css`). They always load first, in this order.
 */
export function builtinPlugins(): PluginDefinition<unknown>[] {
  return [
    definePlugin({
      id: 'core-transports',
      coreRange: '*',
      register(env) {
        env.provide(transportsExtensionPoint, subprocessTransport);
        env.provide(transportsExtensionPoint, remoteTransport);
        env.init({ run: () => undefined });
      },
    }),
    definePlugin({
      id: 'core-strategies',
      coreRange: '*',
      register(env) {
        env.provide(strategiesExtensionPoint, roundRobinStrategy);
        env.init({ run: () => undefined });
      },
    }),
    definePlugin({
      id: 'core-event-stream',
      coreRange: '*',
      register(env) {
        const hub = new EventStreamHub();
        env.provide(eventSinksExtensionPoint, hub);
        env.provide(wsRoutesExtensionPoint, hub.route);
        env.init({ run: () => ({ stop: () => hub.closeAll() }) });
      },
    }),
  ] as PluginDefinition<unknown>[];
}
