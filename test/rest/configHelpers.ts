import type { ExecutionContext } from 'ava';
import { z } from 'zod';
import { configSectionsExtensionPoint, definePlugin, type HangarOptions } from '@hangar/core';
import { apiClient } from '../helpers/api.js';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';

/** A config section with credentials in it, owned by this plugin, to check masking outside `mcp_servers`. */
export const vaultSectionPlugin = definePlugin({
  id: 'test-vault',
  coreRange: '*',
  register(env) {
    env.provide(configSectionsExtensionPoint, {
      key: 'vault',
      schema: z.strictObject({
        url: z.string().default('http://127.0.0.1:1/'),
        api_token: z.string().optional(),
        accounts: z.array(z.strictObject({ user: z.string(), password: z.string() })).default([]),
      }),
    });
    env.init({ run: () => undefined });
  },
});

/** Boots Hangar over HTTP from `config` (written to `hangar.yaml` in a temp dir) with the config routes. */
export async function bootWithConfig(t: ExecutionContext, config: string, options: Partial<HangarOptions> = {}) {
  const dir = await tempDir(t);
  const configFile = await writeIn(dir, 'hangar.yaml', config);
  const started = await startHangar(t, { configFile, ...options });
  return { ...started, dir, configFile, api: apiClient(started.url) };
}
