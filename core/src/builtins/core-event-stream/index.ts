import {
  configRef,
  definePlugin,
  eventBusRef,
  eventSinksExtensionPoint,
  factory,
  httpRoutesExtensionPoint,
  loggerRef,
  serviceRef,
  upcastersExtensionPoint,
  wsRoutesExtensionPoint,
  type PluginDefinition,
} from '../../index.js';
import { mcpServerStartedV1ToV2 } from '../../events/upcasters/mcpServerStartedV1ToV2.js';
import { createEventsRoutes } from './eventsRoutes.js';
import { EventStreamHub } from './EventStreamHub.js';

/**
 * `core-event-stream`: `/api/ws/events` (one hub that is both an event sink and a WebSocket route,
 * made by a factory once the bus exists), `GET /api/events`, and the kernel's event upcasters.
 */
export function coreEventStreamPlugin(): PluginDefinition<unknown> {
  const hubRef = serviceRef<EventStreamHub>('coreEventStream.hub');
  return definePlugin<unknown>({
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
              bus: { readAll: bus.readAllRedacted.bind(bus), truncation: bus.truncation.bind(bus) },
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
  });
}
