import { definePlugin, type PluginDefinition } from '../kernel/definePlugin.js';
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
        const hub = new EventStreamHub();
        env.provide(eventSinksExtensionPoint, hub);
        env.provide(wsRoutesExtensionPoint, hub.route);
        env.provide(httpRoutesExtensionPoint, createEventsRoutes());
        env.provide(upcastersExtensionPoint, mcpServerStartedV1ToV2);
        env.init({
          deps: { bus: eventBusRef, config: configRef, logger: loggerRef },
          run({ bus, config, logger }) {
            hub.attach({ bus, queueSize: config.event_stream.queue_size, logger });
            return { stop: () => hub.closeAll() };
          },
        });
      },
    }),
    definePlugin({
      id: 'core-operations',
      coreRange: '*',
      register(env) {
        const hub = new OperationStreamHub();
        env.provide(httpRoutesExtensionPoint, createOperationsRoutes());
        env.provide(wsRoutesExtensionPoint, hub.route);
        env.init({
          deps: { operations: operationsRef, registry: mcpServersRef, config: configRef, logger: loggerRef, clock: clockRef },
          run({ operations, registry, config, logger, clock }) {
            hub.attach({ operations, queueSize: config.event_stream.queue_size, logger, now: () => clock.now() });
            // Upstream log messages carry no request id: each goes to its server's running operations.
            const unsubscribe = registry.onNotification((serverId, notification) => {
              if (notification.method === 'notifications/message') operations.serverLog(serverId, notification.params ?? {});
            });
            return {
              stop: () => {
                unsubscribe();
                operations.cancelAll('Hangar is shutting down');
                hub.closeAll();
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
        const face = new McpFace();
        env.provide(mcpFaceRef, face);
        env.provide(httpRoutesExtensionPoint, createMcpServersRoutes());
        env.provide(httpRoutesExtensionPoint, createSystemRoutes());
        env.provide(httpRoutesExtensionPoint, createConfigRoutes());
        env.provide(httpRoutesExtensionPoint, face.routes);
        env.init({
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
          run(deps) {
            face.attach({ ...deps, listenHost: deps.runtime.httpHost });
            return {
              // Sessions close first so no new call reaches a server that is being stopped.
              stop: async () => {
                await face.close();
                await deps.registry.stopAll();
              },
            };
          },
        });
      },
    }),
  ] as PluginDefinition<unknown>[];
}
