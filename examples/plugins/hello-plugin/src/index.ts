/**
 * `hangar-plugin-hello` — the worked example of a third-party Hangar plugin. It contributes one REST
 * route (`GET /api/hello`) and one event sink (a counter of domain events by type), and logs one line
 * when Hangar has started. See README.md for the plugin author's guide.
 */
import {
  definePlugin,
  eventSinksExtensionPoint,
  factory,
  httpRoutesExtensionPoint,
  loggerRef,
  runtimeRef,
  serviceRef,
} from '@hangar/core';
import { z } from 'zod';
import { EventCounter } from './EventCounter.js';
import { helloRoutes } from './helloRoutes.js';

/** Options under this plugin's `options` key in hangar.plugins.json. */
const optionsSchema = z.object({
  /** The word the route greets with. */
  greeting: z.string().default('Hello'),
});

/** This plugin's own service: the counter its sink fills and its route reads. */
export const eventCounterRef = serviceRef<EventCounter>('helloPlugin.eventCounter');

/** The plugin: its default export is what Hangar loads. */
export default definePlugin({
  id: 'hello-plugin',
  coreRange: '^0.1.0',
  options: optionsSchema,
  register(env) {
    // register only declares, synchronously. The counter is a service made by a factory; the sink
    // and the route are factories over it, so all three are the same counter once it exists, and
    // the sink receives events only from when this plugin is initialised.
    env.provide(eventCounterRef, factory({ create: () => new EventCounter() }));
    env.provide(eventSinksExtensionPoint, factory({ deps: { counter: eventCounterRef }, create: ({ counter }) => counter }));
    env.provide(
      httpRoutesExtensionPoint,
      factory({
        deps: { counter: eventCounterRef },
        create: ({ counter }) => helloRoutes({ greeting: env.options.greeting, counter }),
      }),
    );
    env.init({
      deps: { logger: loggerRef, runtime: runtimeRef, counter: eventCounterRef },
      run: ({ logger, runtime, counter }) => ({
        start: () => logger.info({ greeting: env.options.greeting, core: runtime.version }, 'hello-plugin started'),
        stop: () => logger.info({ events_seen: counter.total }, 'hello-plugin stopped'),
      }),
    });
  },
});
