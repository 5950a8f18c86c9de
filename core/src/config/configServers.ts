import path from 'node:path';
import type { HangarConfig, McpServerConfig } from './configSchema.js';

/**
 * The servers a config file declares, as Hangar registers them: a relative `cwd` (or none) means
 * "next to the config file", wherever Hangar was started from. Used at boot, on reload and by the
 * config diff, so all three see the same configs.
 */
export function configServers(config: HangarConfig): Record<string, McpServerConfig> {
  const configDir = config.source === undefined ? undefined : path.dirname(path.resolve(config.source));
  return Object.fromEntries(
    Object.entries(config.mcp_servers).map(([id, server]) => {
      const cwd = configDir === undefined ? server.cwd : path.resolve(configDir, server.cwd ?? '.');
      return [id, cwd === undefined ? server : { ...server, cwd }];
    }),
  );
}
