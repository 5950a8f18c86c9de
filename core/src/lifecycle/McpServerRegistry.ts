import type { Logger } from 'pino';
import { COMMON_SERVER_FIELDS, ID_PATTERN, type McpServerConfig } from '../config/configSchema.js';
import { formatIssues } from '../config/formatIssue.js';
import { ServerConfigSchema, type ServerParseOptions } from '../config/ServerConfigSchema.js';
import { ConflictError, McpServerNotFoundError, ValidationError } from '../errors.js';
import { createEvent } from '../events/DomainEvent.js';
import type { EventBus } from '../events/EventBus.js';
import type { Principal } from '../extensions/auth.js';
import type { TransportFactory } from '../extensions/transports.js';
import { serviceRef } from '../kernel/refs.js';
import type { Clock } from '../services/Clock.js';
import type { ProcessSpawner } from '../services/ProcessSpawner.js';
import { McpServer } from './McpServer.js';
import { ListReadiness } from './ListReadiness.js';
import type { McpServerContext, McpServerOrigin, UpstreamNotification } from './McpServerContext.js';
import type { McpServerState } from './McpServerState.js';
import type { ProcessLedger } from './ProcessLedger.js';
import type { McpServerListKind } from './ServerCatalog.js';

/** A change to the set of servers or to one server's lists. */
export interface RegistryChange {
  readonly kind: 'servers' | McpServerListKind;
  readonly mcp_server_id: string;
}

/** What the registry is built from. */
export interface McpServerRegistryOptions {
  readonly transports: readonly TransportFactory[];
  /** The server schema of these transports (Hangar builds one at boot and shares it); default: built here. */
  readonly serverSchema?: ServerConfigSchema;
  readonly spawn: ProcessSpawner;
  readonly clock: Clock;
  readonly eventBus: EventBus;
  readonly logger: Logger;
  readonly clientInfo: { readonly name: string; readonly version: string };
  readonly random?: () => number;
  readonly startTimeoutMs?: number;
  readonly healthTimeoutMs?: number;
  /** How long a listing waits for servers with unknown lists to start (config `list_start_timeout_s`); default 10 s. */
  readonly listStartTimeoutMs?: number;
  readonly ledger?: ProcessLedger;
}

/**
 * Every MCP server Hangar manages, by id: registration (from config, REST or discovery),
 * updates, removal, and the fan-out of list changes and upstream notifications to the MCP face.
 */
export class McpServerRegistry {
  private readonly servers = new Map<string, McpServer>();
  private readonly changeListeners = new Set<(change: RegistryChange) => void>();
  private readonly notificationListeners = new Set<(serverId: string, notification: UpstreamNotification) => void>();
  /** How server configs are validated: the common fields plus the fields of each registered mode. */
  readonly serverSchema: ServerConfigSchema;
  private readonly context: McpServerContext;
  private loggingLevel: string | undefined;
  private readonly readiness: ListReadiness;

  constructor(private readonly options: McpServerRegistryOptions) {
    this.readiness = new ListReadiness(
      () => this.servers.values(),
      options.listStartTimeoutMs ?? 10_000,
      options.clock,
      options.logger,
    );
    this.serverSchema = options.serverSchema ?? ServerConfigSchema.from(options.transports);
    this.context = {
      transportFor: (mode) => this.serverSchema.transportFor(mode),
      spawn: options.spawn,
      clock: options.clock,
      random: options.random ?? Math.random,
      eventBus: options.eventBus,
      logger: options.logger,
      clientInfo: options.clientInfo,
      loggingLevel: () => this.loggingLevel,
      onListChanged: (serverId, kind) => this.emitChange({ kind, mcp_server_id: serverId }),
      onNotification: (serverId, notification) => {
        for (const listener of this.notificationListeners) listener(serverId, notification);
      },
      startTimeoutMs: options.startTimeoutMs,
      healthTimeoutMs: options.healthTimeoutMs,
      ledger: options.ledger,
    };
  }

  /** Servers in registration order, optionally only those in `state`. */
  list(state?: McpServerState): McpServer[] {
    const all = [...this.servers.values()];
    return state === undefined ? all : all.filter((server) => server.state === state);
  }

  /** The server with this id, or `McpServerNotFoundError`. */
  get(id: string): McpServer {
    const server = this.servers.get(id);
    if (!server) throw new McpServerNotFoundError(id);
    return server;
  }

  find(id: string): McpServer | undefined {
    return this.servers.get(id);
  }

  /**
   * Before a listing answers: undefined when the lists of every server (or of `only`) are known,
   * which is the usual case and costs one check; else a promise (never rejecting) that settles once
   * the servers with unknown lists have started, failed, or `list_start_timeout_s` has passed.
   * See `ListReadiness`.
   */
  listReady(only?: McpServer): Promise<void> | undefined {
    return this.readiness.wait(only);
  }

  /**
   * Validates and adds a server (cold); `ConflictError` for a taken id, `ValidationError` naming the
   * field. `actor` (who asked) is recorded in the event's metadata.
   */
  register(id: string, config: unknown, origin: McpServerOrigin, actor?: Principal): McpServer {
    const server = this.add(id, config, origin);
    // The full config is recorded so a server created over REST can be rebuilt at the next boot.
    this.publish('McpServerRegistered', id, { mode: server.config.mode, origin, config: server.config }, actor);
    return server;
  }

  /**
   * Adds a server recorded in the event history (boot): like `register`, but records nothing new,
   * since the history already has its registration. Fields its mode does not declare are dropped
   * rather than refused: older Hangars stored every mode's defaults on every server.
   */
  restore(id: string, config: unknown, origin: McpServerOrigin): McpServer {
    return this.add(id, config, origin, { lenient: true });
  }

  /**
   * Applies a partial config update. A running server whose process-defining fields changed is
   * stopped (reason `config_updated`); the next call starts it with the new config.
   */
  async update(id: string, patch: Record<string, unknown>, actor?: Principal): Promise<McpServer> {
    const server = this.get(id);
    const next = this.validate(this.patched(server.config, patch));
    const changed = changedFields(server.config, next, Object.keys(patch));
    server.reconfigure(next);
    this.readiness.invalidate();
    // `patch` is what was asked for: on a config-file server it is kept as an override across restarts.
    this.publish('McpServerUpdated', id, { changed_fields: changed, patch, config: next }, actor);
    const restartFields = this.serverSchema.restartFields(next.mode);
    if (server.alive && changed.some((field) => restartFields.includes(field))) await server.stop('config_updated', actor);
    if (changed.includes('tools')) this.emitChange({ kind: 'tools', mcp_server_id: id });
    return server;
  }

  /**
   * Sets the whole config (a config reload). Returns the fields that changed and whether the
   * server was restarted: a running server restarts with the new config (reason `config_reloaded`)
   * when a field its transport lists in `restartFields` (or `mode`) changed; other changes apply live.
   */
  async replace(id: string, config: unknown): Promise<{ changed: string[]; restarted: boolean }> {
    const server = this.get(id);
    const next = this.validate(config);
    const keys = new Set([...Object.keys(withoutUndefined(server.config)), ...Object.keys(withoutUndefined(next))]);
    const changed = changedFields(server.config, next, keys);
    if (changed.length === 0) return { changed, restarted: false };
    const restartFields = this.serverSchema.restartFields(next.mode);
    const restart = server.alive && changed.some((field) => restartFields.includes(field));
    server.reconfigure(next);
    this.readiness.invalidate();
    this.publish('McpServerUpdated', id, { changed_fields: changed, config: next, cause: 'config_reloaded' });
    if (changed.includes('tools')) this.emitChange({ kind: 'tools', mcp_server_id: id });
    if (restart) {
      await server.stop('config_reloaded');
      await server.start();
    }
    return { changed, restarted: restart };
  }

  /** Stops the server, then removes it. */
  async deregister(id: string, reason = 'deregistered', actor?: Principal): Promise<void> {
    const server = this.get(id);
    this.servers.delete(id);
    await server.dispose(reason, actor);
    this.publish('McpServerDeregistered', id, { reason, origin: server.origin }, actor);
    this.emitChange({ kind: 'servers', mcp_server_id: id });
  }

  /** Subscribes to server-set and list changes; returns the unsubscribe. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Subscribes to upstream notifications meant for downstream sessions (logs, resource updates). */
  onNotification(listener: (serverId: string, notification: UpstreamNotification) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  /** Remembers the level for servers that start later and forwards it to the running ones. */
  async setLoggingLevel(level: string): Promise<void> {
    this.loggingLevel = level;
    await Promise.allSettled(
      this.list()
        .filter((server) => server.alive && server.serverCapabilities?.logging)
        .map((server) => server.request('logging/setLevel', { level }, { timeoutMs: 5_000 })),
    );
  }

  /** Sends a notification (e.g. `notifications/roots/list_changed`) to every running server. */
  async notifyRunning(method: string, params?: Record<string, unknown>): Promise<void> {
    const results = await Promise.allSettled(this.list().map((server) => server.notify(method, params)));
    for (const result of results) {
      if (result.status === 'rejected')
        this.options.logger.warn({ err: result.reason as unknown }, `could not send ${method} upstream`);
    }
  }

  /** Stops every server (Hangar is shutting down); none is left running. */
  async stopAll(reason = 'shutdown'): Promise<void> {
    await Promise.allSettled(this.list().map((server) => server.dispose(reason)));
  }

  private add(id: string, config: unknown, origin: McpServerOrigin, options?: ServerParseOptions): McpServer {
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      throw new ValidationError(`mcp_server_id: must match ^[a-zA-Z0-9_-]{1,64}$`);
    }
    if (this.servers.has(id)) throw new ConflictError(`MCP server '${id}' already exists`);
    const server = new McpServer(id, this.validate(config, options), origin, this.context);
    this.servers.set(id, server);
    this.readiness.invalidate();
    this.emitChange({ kind: 'servers', mcp_server_id: id });
    return server;
  }

  private validate(config: unknown, options?: ServerParseOptions): McpServerConfig {
    const parsed = this.serverSchema.safeParse(config, options);
    if (!parsed.success) throw new ValidationError(formatIssues(parsed.issues));
    return parsed.data;
  }

  /**
   * `patch` applied to `config`, as `update` does and as a restart re-applies a REST override to a
   * config-file server: a patch that moves the server to another mode keeps only the common fields
   * of `config` (the old mode's fields mean nothing to the new one). Not validated.
   */
  patched(config: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const current = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
    const target = this.serverSchema.transportFor(patch.mode);
    const moves = target !== undefined && target.mode !== this.serverSchema.transportFor(config.mode)?.mode;
    const base = moves
      ? Object.fromEntries(Object.entries(current).filter(([field]) => COMMON_SERVER_FIELDS.includes(field)))
      : current;
    return { ...base, ...patch };
  }

  private emitChange(change: RegistryChange): void {
    for (const listener of this.changeListeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.logger.error({ err: error }, 'registry change listener failed');
      }
    }
  }

  private publish(type: string, serverId: string, data: Record<string, unknown>, actor?: Principal): void {
    const now = new Date(this.options.clock.now());
    this.options.eventBus.publish(createEvent(type, data, { mcpServerId: serverId, now, actor }));
  }
}

/** The registry service (`core.mcpServers`). */
export const mcpServersRef = serviceRef<McpServerRegistry>('core.mcpServers');

/** Which of `keys` have a different value in `after` than in `before`. */
function changedFields(before: McpServerConfig, after: McpServerConfig, keys: Iterable<string>): string[] {
  const value = (config: McpServerConfig, key: string): string | undefined => JSON.stringify(config[key]);
  return [...keys].filter((key) => value(before, key) !== value(after, key));
}

function withoutUndefined(config: McpServerConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}
