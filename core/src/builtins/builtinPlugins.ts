import { definePlugin, type PluginDefinition } from '../kernel/definePlugin.js';
import { factory } from '../kernel/factory.js';
import { serviceRef } from '../kernel/refs.js';
import { authenticatorsExtensionPoint, authorizerRef } from '../extensions/auth.js';
import { discoverySourcesExtensionPoint } from '../extensions/discoverySources.js';
import { mcpServerStartedV1ToV2 } from '../events/upcasters/mcpServerStartedV1ToV2.js';
import { eventSinksExtensionPoint } from '../extensions/eventSinks.js';
import { httpRoutesExtensionPoint } from '../extensions/httpRoutes.js';
import { registryToolsExtensionPoint } from '../extensions/registryTools.js';
import { transportsExtensionPoint } from '../extensions/transports.js';
import { upcastersExtensionPoint } from '../extensions/upcasters.js';
import { wsRoutesExtensionPoint } from '../extensions/wsRoutes.js';
import { toolInvokerRef } from '../invocation/ToolInvoker.js';
import { mcpServersRef } from '../lifecycle/McpServerRegistry.js';
import { McpFace } from '../proxy/McpFace.js';
import { createConfigRoutes } from '../rest/configRoutes.js';
import { createEventsRoutes } from '../rest/eventsRoutes.js';
import { createOperationsRoutes } from '../rest/operationsRoutes.js';
import { operationsRef } from '../operations/OperationRegistry.js';
import { createMcpServersRoutes } from '../rest/mcpServersRoutes.js';
import { createSystemRoutes } from '../rest/systemRoutes.js';
import { clockRef, configRef, eventBusRef, loggerRef, runtimeRef } from '../services/coreServices.js';
import { mcpFaceRef } from '../services/mcpFaceRef.js';
import { remoteTransport } from '../transports/remoteTransport.js';
import { subprocessTransport } from '../transports/subprocessTransport.js';
import { EventStreamHub } from './EventStreamHub.js';
import { OperationStreamHub } from './OperationStreamHub.js';

/** The `/api/ws/events` hub: one object that is both an event sink and a WebSocket route. */
const hubRef = serviceRef<EventStreamHub>('coreEventStream.hub');
/** The `/api/ws/operations` hub. */
const operationHubRef = serviceRef<OperationStreamHub>('coreOperations.hub');

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
      id: 'core-event-stream',
      coreRange: '*',
      register(env) {
        env.provide(
          hubRef,
          factory({
            deps: { bus: eventBusRef, config: configRef, logger: loggerRef },
            create: ({ bus, config, logger }) =>
              // Replays read the history as sinks see it: secrets redacted.
              new EventStreamHub({
                bus: { readAll: bus.readAllRedacted.bind(bus) },
                queueSize: config.event_stream.queue_size,
                logger,
              }),
            dispose: (hub) => hub.closeAll(),
          }),
        );
        env.provide(eventSinksExtensionPoint, factory({ deps: { hub: hubRef }, create: ({ hub }) => hub }));
        env.provide(wsRoutesExtensionPoint, factory({ deps: { hub: hubRef }, create: ({ hub }) => hub.route }));
        env.provide(httpRoutesExtensionPoint, createEventsRoutes());
        env.provide(upcastersExtensionPoint, mcpServerStartedV1ToV2);
        env.init({ run: () => undefined });
      },
    }),
    definePlugin({
      id: 'core-operations',
      coreRange: '*',
      register(env) {
        env.provide(
          operationHubRef,
          factory({
            deps: { operations: operationsRef, config: configRef, logger: loggerRef, clock: clockRef },
            create: ({ operations, config, logger, clock }) =>
              new OperationStreamHub({ operations, queueSize: config.event_stream.queue_size, logger, now: () => clock.now() }),
            dispose: (hub) => hub.closeAll(),
          }),
        );
        env.provide(httpRoutesExtensionPoint, createOperationsRoutes());
        env.provide(wsRoutesExtensionPoint, factory({ deps: { hub: operationHubRef }, create: ({ hub }) => hub.route }));
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
    }),
    definePlugin({
      id: 'core-mcp',
      coreRange: '*',
      register(env) {
        env.provide(
          mcpFaceRef,
          factory({
            deps: {
              registry: mcpServersRef,
              invoker: toolInvokerRef,
              operations: operationsRef,
              config: configRef,
              logger: loggerRef,
              runtime: runtimeRef,
              clock: clockRef,
              authorizer: authorizerRef,
              registryTools: registryToolsExtensionPoint,
              authenticators: authenticatorsExtensionPoint,
              discoverySources: discoverySourcesExtensionPoint,
            },
            create: (deps) => new McpFace({ ...deps, listenHost: deps.runtime.httpHost }),
          }),
        );
        env.provide(httpRoutesExtensionPoint, createMcpServersRoutes());
        env.provide(httpRoutesExtensionPoint, createSystemRoutes());
        env.provide(httpRoutesExtensionPoint, createConfigRoutes());
        env.provide(httpRoutesExtensionPoint, factory({ deps: { face: mcpFaceRef }, create: ({ face }) => face.routes }));
        env.init({
          deps: { face: mcpFaceRef, registry: mcpServersRef },
          run: ({ face, registry }) => ({
            // Sessions close first so no new call reaches a server that is being stopped.
            stop: async () => {
              await face.close();
              await registry.stopAll();
            },
          }),
        });
      },
    }),
  ] as PluginDefinition<unknown>[];
}
