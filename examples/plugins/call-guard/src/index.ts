/**
 * `hangar-plugin-call-guard` — the worked example of an invocation interceptor. It refuses tool
 * calls whose tool matches `deny_tools` and logs every tool call (correlation id, door, target,
 * server, duration, outcome). See README.md.
 */
import { definePlugin, invocationInterceptorsExtensionPoint, loggerRef } from '@hangar/core';
import { z } from 'zod';
import { CallGuard } from './CallGuard.js';

/** Options under this plugin's `options` key in hangar.plugins.json. */
const optionsSchema = z.object({
  /** Globs of tools to refuse: the upstream name (`delete_*`) or `<target>__<tool>` (`fs__write_*`). */
  deny_tools: z.array(z.string().min(1)).default([]),
  /** Log one line per tool call. */
  log_calls: z.boolean().default(true),
});

export { CallGuard } from './CallGuard.js';
export type { CallGuardOptions, CallLog, CallOutcome } from './CallGuard.js';

/** The plugin: its default export is what Hangar loads. */
export default definePlugin({
  id: 'call-guard',
  coreRange: '^0.1.0',
  options: optionsSchema,
  register(env) {
    const guard = new CallGuard(env.options);
    env.provide(invocationInterceptorsExtensionPoint, guard);
    env.init({
      deps: { logger: loggerRef },
      run: ({ logger }) => {
        guard.log = logger;
        return { stop: () => logger.info(guard.totals, 'call-guard stopped') };
      },
    });
  },
});
