import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { McpServerConfig } from '../config/configSchema.js';
import { isPlainObject } from '../config/isPlainObject.js';
import type { EventBus } from '../events/EventBus.js';
import type { HistoricEvent } from '../events/EventSerializer.js';
import { mcpServerStream } from '../events/store/EventStore.js';
import type { McpServer } from './McpServer.js';
import type { McpServerRegistry } from './McpServerRegistry.js';

/** What the stored history says about the registry's servers, for the next boot to rebuild. */
export interface RegistryHistory {
  /** Servers created over REST and not deleted since, with their latest config. */
  readonly apiServers: ReadonlyMap<string, Record<string, unknown>>;
  /**
   * REST changes to config-file servers since the last config reload: a patch to apply on top of
   * the file's config, or `deleted`.
   */
  readonly overrides: ReadonlyMap<string, Record<string, unknown> | 'deleted'>;
}

const TYPES = ['McpServerRegistered', 'McpServerUpdated', 'McpServerDeregistered', 'ConfigurationReloaded'];
const PAGE = 1000;

/**
 * Folds the stored registry events into what a booting Hangar restores (docs/api.md): servers
 * created over REST survive a restart and deleted ones stay deleted; config-file servers come from
 * the file again, with the REST changes made to them since the last reload kept as overrides.
 */
export async function readRegistryHistory(bus: EventBus): Promise<RegistryHistory> {
  const apiServers = new Map<string, Record<string, unknown>>();
  const overrides = new Map<string, Record<string, unknown> | 'deleted'>();
  const origins = new Map<string, unknown>();

  const apply = (event: HistoricEvent): void => {
    const id = event.mcp_server_id;
    const data = event.data;
    if (event.event_type === 'ConfigurationReloaded') {
      overrides.clear();
      return;
    }
    if (id === undefined) return;
    switch (event.event_type) {
      case 'McpServerRegistered':
        origins.set(id, data.origin);
        // A config-file server is registered again at every boot; its overrides outlive that.
        if (data.origin === 'api' && isPlainObject(data.config)) apiServers.set(id, data.config);
        break;
      case 'McpServerUpdated':
        if (apiServers.has(id) && isPlainObject(data.config)) apiServers.set(id, data.config);
        else if (origins.get(id) === 'config' && isPlainObject(data.patch)) {
          const previous = overrides.get(id);
          overrides.set(id, { ...(isPlainObject(previous) ? previous : {}), ...data.patch });
        }
        break;
      case 'McpServerDeregistered':
        apiServers.delete(id);
        // Hangar's own removals (a reload dropping a server) are not overrides; a REST delete is.
        if (origins.get(id) === 'config' && data.reason === 'deregistered') overrides.set(id, 'deleted');
        break;
    }
  };

  for (let position = 1; ;) {
    const page = await bus.readAll(position, PAGE, { eventTypes: TYPES });
    for (const event of page) apply(event);
    if (page.length < PAGE) break;
    position = page[page.length - 1]!.global_position + 1;
  }
  return { apiServers, overrides };
}

/**
 * Registers the servers a booting Hangar runs: the config file's (with their overrides), then
 * those created over REST in earlier runs, then gives every server its last-known tools.
 */
export async function restoreRegistry(
  registry: McpServerRegistry,
  bus: EventBus,
  fileServers: Readonly<Record<string, McpServerConfig>>,
  logger: Logger,
): Promise<void> {
  const history = await readRegistryHistory(bus);
  for (const [id, server] of Object.entries(fileServers)) {
    const override = history.overrides.get(id);
    if (override === 'deleted') {
      logger.info({ mcp_server_id: id }, `MCP server '${id}' stays deleted (deleted over REST; a config reload restores it)`);
      continue;
    }
    registry.register(id, override === undefined ? server : registry.patched(server, override), 'config');
  }
  for (const [id, config] of history.apiServers) {
    if (registry.find(id) !== undefined) {
      logger.warn(
        { mcp_server_id: id },
        `MCP server '${id}' created over REST is shadowed by the config file's server of that id`,
      );
      continue;
    }
    try {
      registry.restore(id, config, 'api');
    } catch (error) {
      logger.error({ err: error, mcp_server_id: id }, `could not restore MCP server '${id}' from the event history`);
    }
  }
  await Promise.all(registry.list().map((server) => rememberLastTools(server, bus)));
  if (history.apiServers.size > 0 || history.overrides.size > 0) {
    logger.info(
      { restored: history.apiServers.size, overrides: history.overrides.size },
      'registry rebuilt from the event history',
    );
  }
}

/**
 * Gives `server` the tools it had at its last start, read from its newest `McpServerStarted`
 * (only the newest is read: a long-lived server starts thousands of times). A deregistration after
 * that start means the id was re-created since, and the old list does not apply.
 */
async function rememberLastTools(server: McpServer, bus: EventBus): Promise<void> {
  const [last] = await bus.readStream(mcpServerStream(server.id), 0, {
    eventTypes: ['McpServerStarted', 'McpServerDeregistered'],
    limit: 1,
    newestFirst: true,
  });
  if (last?.event_type === 'McpServerStarted' && Array.isArray(last.data.tools)) {
    server.rememberTools(last.data.tools as Tool[]);
  }
}
