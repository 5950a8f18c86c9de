/**
 * `hangar-plugin-hello` — the worked example of a third-party Hangar plugin. It contributes one REST
 * route (`GET /api/hello`) and one event sink (a counter of domain events by type), and logs one line
 * when Hangar has started. See README.md for the plugin author's guide.
 */
import { definePlugin, eventSinksExtensionPoint, httpRoutesExtensionPoint, loggerRef, runtimeRef } from '@hangar/core';
import { z } from 'zod';
import { EventCounter } from './EventCounter.js';
import { helloRoutes } from './helloRoutes.js';

/** Options under this plugin's `options` key in hangar.plugins.json. */
const optionsSchema = z.object({
  /** The word the route greets with. */
  greeting: z.string().default('Hello'),
});

/** The plugin: its default export is what Hangar loads. */
export default definePlugin({
  id: 'hello-plugin',
  coreRange: '^0.1.0',
  options: optionsSchema,
  register(env) {
    // register only declares, synchronously: contributions now, services later in init.
    const counter = new EventCounter();
    env.provide(eventSinksExtensionPoint, counter);
    env.provide(httpRoutesExtensionPoint, helloRoutes({ greeting: env.options.greeting, counter }));
    env.init({
      deps: { logger: loggerRef, runtime: runtimeRef },
      run: ({ logger, runtime }) => ({
        start: () => logger.info({ greeting: env.options.greeting, core: runtime.version }, 'hello-plugin started'),
        stop: () => logger.info({ events_seen: counter.total }, 'hello-plugin stopped'),
      }),
    });
  },
});
