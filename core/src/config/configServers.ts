import path from 'node:path';
import type { HangarConfig, McpServerConfig } from './configSchema.js';
import type { ServerConfigSchema } from './ServerConfigSchema.js';

/**
 * The folder relative paths in a config file are resolved against: the file's own folder,
 * wherever Hangar was started from (Claude Desktop starts it in `/`); none without a file.
 */
export function configDirOf(config: HangarConfig): string | undefined {
  return config.source === undefined ? undefined : path.dirname(path.resolve(config.source));
}

/**
 * The servers a config file declares, as Hangar registers them: for a mode whose transport declares
 * a `cwd` field, a relative `cwd` (or none) means "next to the config file". Used at boot, on
 * reload and by the config diff, so all three see the same configs.
 */
export function configServers(
  config: HangarConfig,
  servers: Pick<ServerConfigSchema, 'declares'>,
): Record<string, McpServerConfig> {
  const configDir = configDirOf(config);
  return Object.fromEntries(
    Object.entries(config.mcp_servers).map(([id, server]) => {
      if (configDir === undefined || !servers.declares(server.mode, 'cwd')) return [id, server];
      const cwd = typeof server.cwd === 'string' ? server.cwd : '.';
      return [id, { ...server, cwd: path.resolve(configDir, cwd) }];
    }),
  );
}
