import {
  clockRef,
  configRef,
  definePlugin,
  factory,
  httpRoutesExtensionPoint,
  loggerRef,
  mcpServersRef,
  operationsRef,
  serviceRef,
  wsRoutesExtensionPoint,
  type PluginDefinition,
} from '../../index.js';
import { OperationStreamHub } from './OperationStreamHub.js';
import { createOperationsRoutes } from './operationsRoutes.js';

/**
 * `core-operations`: `/api/operations` and `/api/ws/operations` over the kernel's operation
 * registry, and the upstream log lines that reach a server's running operations.
 */
export function coreOperationsPlugin(): PluginDefinition<unknown> {
  const hubRef = serviceRef<OperationStreamHub>('coreOperations.hub');
  return definePlugin<unknown>({
    id: 'core-operations',
    coreRange: '*',
    register(env) {
      env.provide(
        hubRef,
        factory({
          deps: { operations: operationsRef, config: configRef, logger: loggerRef, clock: clockRef },
          create: ({ operations, config, logger, clock }) =>
            new OperationStreamHub({ operations, queueSize: config.event_stream.queue_size, logger, now: () => clock.now() }),
          dispose: (hub) => hub.closeAll(),
        }),
      );
      env.provide(httpRoutesExtensionPoint, createOperationsRoutes());
      env.provide(wsRoutesExtensionPoint, factory({ deps: { hub: hubRef }, create: ({ hub }) => hub.route }));
      env.init({
        deps: { operations: operationsRef, registry: mcpServersRef },
        run({ operations, registry }) {
          // Upstream log messages carry no request id: each goes to its server's running operations.
          const unsubscribe = registry.onNotification((serverId, notification) => {
            if (notification.method === 'notifications/message') operations.serverLog(serverId, notification.params ?? {});
          });
          return {
            stop: () => {
              unsubscribe();
              operations.cancelAll('Hangar is shutting down');
            },
          };
        },
      });
    },
  });
}
