/**
 * `@hangar/plugin-dashboard` — the live web page at `/` (README): MCP servers with state and
 * health, start/stop, a tool picker with a form generated from the tool's input schema, running
 * operations with progress bars, and the recent event feed. The page is plain HTML, CSS and ES
 * modules from `public/`, served as they are (no build step); everything live comes from
 * `/api/ws/events` and `/api/ws/operations`.
 */
import { definePlugin, factory, httpRoutesExtensionPoint, loggerRef, runtimeRef } from '@hangar/core';
import { pageRoutes } from './pageRoutes.js';
import { positionRoutes } from './positionRoutes.js';
import { StaticAssets } from './StaticAssets.js';

/** The plugin: its default export is what Hangar loads. */
export default definePlugin({
  id: 'dashboard',
  coreRange: '^0.1.0',
  register(env) {
    // The files are read once, before Hangar is ready; the routes are made with them in hand.
    env.provide(httpRoutesExtensionPoint, factory({ create: async () => pageRoutes(await StaticAssets.load()) }));
    env.provide(httpRoutesExtensionPoint, positionRoutes());
    env.init({
      deps: { logger: loggerRef, runtime: runtimeRef },
      run: ({ logger, runtime }) => {
        return {
          start: () => {
            if (runtime.mode !== 'http') return;
            logger.info({ path: '/', host: runtime.httpHost }, 'dashboard served at / (open the URL Hangar is ready on)');
          },
        };
      },
    });
  },
});
