import { z } from 'zod';
import {
  definePlugin,
  eventSinksExtensionPoint,
  transportFields,
  transportsExtensionPoint,
  type PluginDefinition,
  type PublishedEvent,
  type TransportFactory,
} from '@hangar/core';
import { subprocessTransport } from '../../core/src/transports/subprocessTransport.js';

/** The fields a `sandbox` server adds: the MCP server script, its secret environment, and a free label. */
const sandboxConfigSchema = z.strictObject({
  script: z.string().min(1),
  secrets: z.record(z.string(), z.string()).default({}),
  label: z.string().default(''),
});

/**
 * A transport of a mode the kernel does not know, as a plugin contributes it: runs `script` with
 * node (through the kernel's subprocess transport) with `secrets` as its environment. `label`
 * changes apply live; `script` and `secrets` need a new process. Answers `jail` too.
 */
export const sandboxTransport: TransportFactory = {
  mode: 'sandbox',
  aliases: ['jail'],
  configSchema: sandboxConfigSchema,
  restartFields: ['script', 'secrets'],
  secretFields: ['secrets'],
  open(context) {
    const { script, secrets } = transportFields(sandboxConfigSchema, context.config);
    const config = { ...context.config, mode: 'subprocess', command: [process.execPath, script], env: secrets };
    return subprocessTransport.open({ ...context, config });
  },
};

/** The inline plugin contributing `sandboxTransport`. */
export const sandboxPlugin = definePlugin<unknown>({
  id: 'test-sandbox',
  coreRange: '*',
  register(env) {
    env.provide(transportsExtensionPoint, sandboxTransport);
    env.init({ run: () => undefined });
  },
});

/** An inline plugin whose event sink keeps every event it is handed, as an outside sink would. */
export function recordingSinkPlugin(): { plugin: PluginDefinition<unknown>; events: PublishedEvent[] } {
  const events: PublishedEvent[] = [];
  const plugin = definePlugin<unknown>({
    id: 'test-recording-sink',
    coreRange: '*',
    register(env) {
      env.provide(eventSinksExtensionPoint, { name: 'recording', handle: (event) => void events.push(event) });
      env.init({ run: () => undefined });
    },
  });
  return { plugin, events };
}
