import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type {
  CallToolResult,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../config/configSchema.js';
import { McpServerStartError, McpServerUnavailableError, UpstreamError } from '../errors.js';
import { createEvent } from '../events/DomainEvent.js';
import type { Principal } from '../extensions/auth.js';
import type { UpstreamConnection } from '../extensions/transports.js';
import type { TimerHandle } from '../services/Clock.js';
import { backoffMs } from './backoff.js';
import type { DownstreamPeer, UpstreamCallOptions } from './DownstreamPeer.js';
import type { McpServerContext, McpServerOrigin, StartResult, StopResult, UpstreamNotification } from './McpServerContext.js';
import { relayToPeer } from './relayToPeer.js';
import { HealthRecord, type McpServerHealth } from './HealthRecord.js';
import { LogRing, type ServerLogEntry } from './LogRing.js';
import { assertTransition, type McpServerState } from './McpServerState.js';
import { ServerCatalog, type McpServerListKind } from './ServerCatalog.js';
import { UpstreamClient } from './UpstreamClient.js';

/**
 * One managed MCP server: its state machine (README "MCP servers"), its upstream connection, and the timers
 * that keep it healthy (health checks), frugal (idle GC) and alive (recovery with backoff). Every
 * state change goes through `transition`, which checks the table and records the event.
 */
export class McpServer {
  private currentState: McpServerState = 'cold';
  private client: UpstreamClient | undefined;
  private starting: Promise<StartResult> | undefined;
  /** Who asked for the start or stop in progress; recorded in the metadata of its events. */
  private actor: Principal | undefined;
  private readonly catalog = new ServerCatalog(() => this.currentConfig);
  private capabilities: ServerCapabilities | undefined;
  private failures = 0;
  private retryNotBefore = 0;
  private calls = 0;
  private lastUsedAt: number;
  private lastPeer: DownstreamPeer | undefined;
  private readonly ring: LogRing;
  private readonly healthRecord = new HealthRecord();
  private healthTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  private recoveryTimer: TimerHandle | undefined;
  private disposed = false;

  constructor(
    readonly id: string,
    private currentConfig: McpServerConfig,
    readonly origin: McpServerOrigin,
    private readonly context: McpServerContext,
  ) {
    this.ring = new LogRing(1000);
    this.lastUsedAt = context.clock.now();
  }

  get config(): McpServerConfig {
    return this.currentConfig;
  }

  get state(): McpServerState {
    return this.currentState;
  }

  /** The real list once the server has started (kept after it stops), else the predefined one. */
  get tools(): readonly Tool[] {
    return this.catalog.tools;
  }

  get toolsPredefined(): boolean {
    return this.catalog.toolsPredefined;
  }

  /** True while the server's lists are unknown: never started, no predefined tools, no last-known list. */
  get listsUnknown(): boolean {
    return this.catalog.unknown;
  }

  get resources(): readonly Resource[] {
    return this.catalog.resources;
  }

  get resourceTemplates(): readonly ResourceTemplate[] {
    return this.catalog.resourceTemplates;
  }

  get prompts(): readonly Prompt[] {
    return this.catalog.prompts;
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.capabilities;
  }

  get pid(): number | undefined {
    return this.client?.pid;
  }

  get alive(): boolean {
    return this.client !== undefined;
  }

  get inFlight(): number {
    return this.calls;
  }

  health(): McpServerHealth {
    return this.healthRecord.snapshot(this.currentState, this.failures);
  }

  logs(lines: number): ServerLogEntry[] {
    return this.ring.tail(lines);
  }

  /** Lists `tools` (stored by an earlier run) until the server starts; see `ServerCatalog.remember`. */
  rememberTools(tools: readonly Tool[]): void {
    this.catalog.remember(tools);
  }

  /** Replaces the config (the registry validated it). A running server keeps its process until restarted. */
  reconfigure(config: McpServerConfig): void {
    this.currentConfig = config;
    if (this.client) this.scheduleHealthCheck();
  }

  /**
   * Starts the server, or joins the start in progress (single flight: concurrent callers share one
   * spawn and all see its error). An explicit start ignores the restart backoff.
   */
  start(actor?: Principal): Promise<StartResult> {
    if (this.disposed) return Promise.reject(new McpServerUnavailableError(`MCP server '${this.id}' was removed`));
    if (this.client && this.currentState === 'ready') {
      return Promise.resolve(this.startResult(false, 0));
    }
    if (!this.starting) {
      // The events of this start name whoever asked for it (none for a start a call caused).
      this.actor = actor;
      this.starting = this.runStart().finally(() => {
        this.starting = undefined;
        this.actor = undefined;
      });
    }
    return this.starting;
  }

  /**
   * Stops the server (close stdin → SIGTERM → SIGKILL for subprocesses); waits for a start in
   * progress. `actor` (who asked) is recorded on the stop's events.
   */
  async stop(reason = 'user_request', actor?: Principal): Promise<StopResult> {
    this.cancelTimer('recoveryTimer');
    if (this.starting) await this.starting.catch(() => undefined);
    const client = this.client;
    if (!client && this.currentState !== 'degraded') {
      return { mcp_server_id: this.id, state: this.currentState, stopped: false, reason };
    }
    this.detach();
    await client?.close();
    this.forgetProcess(client?.pid);
    this.actor = actor;
    try {
      this.transition('cold');
      this.log('system', `stopped (${reason})`);
      this.context.logger.info({ mcp_server_id: this.id, reason }, `MCP server '${this.id}' stopped (${reason})`);
      this.publish('McpServerStopped', { reason });
    } finally {
      this.actor = undefined;
    }
    return { mcp_server_id: this.id, state: this.currentState, stopped: true, reason };
  }

  /** Stops the server for good (it is being removed, or Hangar is shutting down). */
  async dispose(reason: string, actor?: Principal): Promise<void> {
    this.disposed = true;
    await this.stop(reason, actor);
    this.cancelTimer('healthTimer');
    this.cancelTimer('idleTimer');
  }

  /** Calls a tool, starting the server first if it is not running. */
  async callTool(name: string, args: Record<string, unknown>, options: UpstreamCallOptions = {}): Promise<CallToolResult> {
    return this.withClient(options, (client) => client.callTool(name, args, options));
  }

  /** Sends any other request upstream (resources/read, prompts/get, completion/complete, …). */
  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: UpstreamCallOptions = {},
  ): Promise<Record<string, unknown>> {
    return this.withClient(options, (client) => client.request(method, params, options));
  }

  /**
   * Starts the server if it is not running, as a call would: a dead or degraded server is only
   * retried once its backoff has passed (`McpServerUnavailableError` before that).
   */
  async ensureStarted(): Promise<void> {
    await this.ensureClient();
  }

  /** Sends a notification upstream if the server is running (never starts it). */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    await this.client?.notify(method, params);
  }

  /** Runs one health check now (the timer calls this on each server's own interval). */
  async checkHealth(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const began = this.context.clock.now();
    try {
      await pingOrList(client, this.context.healthTimeoutMs ?? 5_000);
      const duration = this.context.clock.now() - began;
      this.failures = 0;
      this.healthRecord.record(this.isoNow(), true, duration);
      this.publish('HealthCheckPassed', { duration_ms: duration });
    } catch (error) {
      if (this.client !== client) return;
      const message = errorMessage(error);
      this.failures += 1;
      this.healthRecord.record(this.isoNow(), false, this.context.clock.now() - began, message);
      this.publish('HealthCheckFailed', { consecutive_failures: this.failures, error_message: message });
      if (this.currentState === 'ready' && this.failures >= this.currentConfig.max_consecutive_failures) {
        this.transition('degraded');
        this.publish('McpServerDegraded', { reason: 'health_check', consecutive_failures: this.failures });
        // Degraded → ready goes through a restart (the table has no shortcut), after the backoff.
        this.scheduleRecovery();
      }
    } finally {
      if (this.client === client) this.scheduleHealthCheck();
    }
  }

  private async withClient<T>(options: UpstreamCallOptions, run: (client: UpstreamClient) => Promise<T>): Promise<T> {
    this.calls += 1;
    try {
      const client = await this.ensureClient();
      return await run(client);
    } finally {
      this.calls -= 1;
      if (options.peer) this.lastPeer = options.peer;
      this.lastUsedAt = this.context.clock.now();
    }
  }

  private async ensureClient(): Promise<UpstreamClient> {
    if (this.client) return this.client;
    if (!this.starting && (this.currentState === 'degraded' || this.currentState === 'dead')) {
      const wait = this.retryNotBefore - this.context.clock.now();
      if (wait > 0) {
        throw new McpServerUnavailableError(
          `MCP server '${this.id}' is ${this.currentState} after ${this.failures} consecutive failures; next start attempt in ${Math.ceil(wait / 1000)} s`,
        );
      }
    }
    await this.start();
    if (!this.client) throw new McpServerUnavailableError(`MCP server '${this.id}' stopped before the call could run`);
    return this.client;
  }

  private async runStart(): Promise<StartResult> {
    this.cancelTimer('recoveryTimer');
    const previous = this.client;
    if (previous) {
      // Restarting a degraded server that still has a connection: that connection goes first.
      this.detach();
      await previous.close();
      this.forgetProcess(previous.pid);
    }
    const began = this.context.clock.now();
    const factory = this.context.transportFor(this.currentConfig.mode);
    this.transition('initializing');
    let connection: UpstreamConnection | undefined;
    let client: UpstreamClient | undefined;
    try {
      if (!factory) throw new Error(missingTransport(this.currentConfig.mode));
      const timeoutMs = this.context.startTimeoutMs ?? 30_000;
      connection = await factory.open({
        serverId: this.id,
        config: this.currentConfig,
        spawn: this.context.spawn,
        onLog: (line) => this.ring.push({ ...line, mcp_server_id: this.id }),
      });
      if (connection.pid !== undefined) this.context.ledger?.record(this.id, connection.pid);
      client = await UpstreamClient.connect(
        connection,
        this.handlersFor(() => client),
        {
          clientInfo: this.context.clientInfo,
          timeoutMs,
        },
      );
      const capabilities = client.serverCapabilities;
      const lists = await ServerCatalog.fetch(client, timeoutMs);
      const level = this.context.loggingLevel();
      if (level !== undefined && capabilities.logging) await client.request('logging/setLevel', { level }, { timeoutMs });
      if (this.disposed) throw new Error('removed while starting');
      this.client = client;
      this.capabilities = capabilities;
      for (const kind of this.catalog.replace(lists)) this.context.onListChanged(this.id, kind);
    } catch (error) {
      await (client ? client.close() : connection?.stop())?.catch(() => undefined);
      this.forgetProcess(connection?.pid);
      throw this.startFailed(error);
    }
    const duration = this.context.clock.now() - began;
    this.failures = 0;
    this.transition('ready');
    const started = `started in ${duration} ms with ${this.tools.length} tools${client.pid ? ` (pid ${client.pid})` : ''}`;
    this.log('system', started);
    this.context.logger.info({ mcp_server_id: this.id }, `MCP server '${this.id}' ${started}`);
    this.publish('McpServerStarted', {
      mode: this.currentConfig.mode,
      tools_count: this.tools.length,
      startup_duration_ms: duration,
      // v2: the list itself, so the next Hangar process can list this server's tools while cold.
      tools: this.tools,
    });
    this.lastUsedAt = this.context.clock.now();
    this.scheduleHealthCheck();
    this.scheduleIdleCheck();
    return this.startResult(true, duration);
  }

  private startFailed(error: unknown): McpServerStartError {
    this.failures += 1;
    this.retryNotBefore = this.context.clock.now() + backoffMs(this.failures, this.context.random);
    const message = `MCP server '${this.id}' failed to start: ${errorMessage(error)}`;
    this.log('system', message);
    this.context.logger.warn({ mcp_server_id: this.id, consecutive_failures: this.failures }, message);
    if (this.failures >= this.currentConfig.max_consecutive_failures) {
      this.transition('degraded');
      this.publish('McpServerDegraded', { reason: 'start_failed', consecutive_failures: this.failures });
    } else {
      this.transition('dead');
    }
    return new McpServerStartError(message, { cause: error });
  }

  private handlersFor(current: () => UpstreamClient | undefined) {
    return {
      onRequest: (request: UpstreamNotification, signal: AbortSignal, context?: { peer?: DownstreamPeer }) =>
        relayToPeer(request, signal, [context?.peer, this.lastPeer]),
      onNotification: (notification: UpstreamNotification) => this.onUpstreamNotification(notification),
      onUnexpectedClose: (error?: Error) => {
        const client = current();
        if (client && client === this.client) this.crashed(error);
      },
    };
  }

  private onUpstreamNotification(notification: UpstreamNotification): void {
    const refresh: Record<string, McpServerListKind> = {
      'notifications/tools/list_changed': 'tools',
      'notifications/resources/list_changed': 'resources',
      'notifications/prompts/list_changed': 'prompts',
    };
    const kind = refresh[notification.method];
    if (kind) {
      void this.refreshList(kind);
      return;
    }
    this.context.onNotification(this.id, notification);
  }

  private async refreshList(kind: McpServerListKind): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await this.catalog.refresh(client, kind, this.context.healthTimeoutMs ?? 5_000);
      this.context.onListChanged(this.id, kind);
    } catch (error) {
      this.context.logger.warn({ err: error, mcp_server_id: this.id }, `could not refresh ${kind} after list_changed`);
    }
  }

  /** The connection ended on its own: ready → dead (or stays degraded), then recovery with backoff. */
  private crashed(error: Error | undefined): void {
    // The transport stops what is left of the process group itself.
    this.forgetProcess(this.client?.pid);
    this.detach();
    this.failures += 1;
    const message = `connection lost${error ? `: ${error.message}` : ''}`;
    this.log('system', message);
    this.context.logger.warn({ mcp_server_id: this.id, consecutive_failures: this.failures }, `MCP server ${message}`);
    if (this.currentState === 'ready') this.transition('dead');
    this.publish('McpServerStopped', { reason: 'crashed', error_message: message });
    this.scheduleRecovery();
  }

  private scheduleRecovery(): void {
    if (this.disposed) return;
    this.cancelTimer('recoveryTimer');
    const delay = backoffMs(this.failures, this.context.random);
    this.retryNotBefore = this.context.clock.now() + delay;
    this.recoveryTimer = this.context.clock.setTimeout(() => {
      this.recoveryTimer = undefined;
      void this.recover();
    }, delay);
  }

  private async recover(): Promise<void> {
    if (this.disposed || this.starting) return;
    try {
      await this.start();
    } catch {
      // Already counted, logged and recorded by startFailed; retry while below the threshold.
      if (this.currentState === 'dead') this.scheduleRecovery();
    }
  }

  private scheduleHealthCheck(): void {
    this.cancelTimer('healthTimer');
    if (this.disposed) return;
    this.healthTimer = this.context.clock.setTimeout(() => {
      this.healthTimer = undefined;
      void this.checkHealth();
    }, this.currentConfig.health_check_interval_s * 1000);
  }

  /** Idle GC: never stops a server with a call in flight (a write could be half done). */
  private scheduleIdleCheck(delay = this.currentConfig.idle_ttl_s * 1000): void {
    this.cancelTimer('idleTimer');
    if (this.disposed) return;
    this.idleTimer = this.context.clock.setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.client || this.starting) return;
      const ttl = this.currentConfig.idle_ttl_s * 1000;
      const idleFor = this.context.clock.now() - this.lastUsedAt;
      if (this.calls > 0 || idleFor < ttl) {
        this.scheduleIdleCheck(this.calls > 0 ? ttl : ttl - idleFor);
        return;
      }
      this.publish('McpServerIdleDetected', { idle_s: Math.round(idleFor / 1000) });
      void this.stop('idle').catch((error: unknown) =>
        this.context.logger.error({ err: error, mcp_server_id: this.id }, 'idle stop failed'),
      );
    }, delay);
  }

  private forgetProcess(pid: number | undefined): void {
    if (pid !== undefined) this.context.ledger?.forget(this.id, pid);
  }

  private detach(): void {
    this.client = undefined;
    this.cancelTimer('healthTimer');
    this.cancelTimer('idleTimer');
  }

  /** The one place state changes: checked against the table, recorded as McpServerStateChanged. */
  private transition(next: McpServerState): void {
    const previous = this.currentState;
    assertTransition(this.id, previous, next);
    this.currentState = next;
    this.publish('McpServerStateChanged', { old_state: previous, new_state: next });
  }

  private publish(type: string, data: Record<string, unknown>): void {
    const now = new Date(this.context.clock.now());
    this.context.eventBus.publish(createEvent(type, data, { mcpServerId: this.id, now, actor: this.actor }));
  }

  private log(stream: ServerLogEntry['stream'], line: string): void {
    this.ring.push({ timestamp: this.isoNow(), line, mcp_server_id: this.id, stream });
  }

  private isoNow(): string {
    return new Date(this.context.clock.now()).toISOString();
  }

  private cancelTimer(name: 'healthTimer' | 'idleTimer' | 'recoveryTimer'): void {
    this[name]?.cancel();
    this[name] = undefined;
  }

  private startResult(started: boolean, duration: number): StartResult {
    return {
      mcp_server_id: this.id,
      state: this.currentState,
      started,
      tools_count: this.tools.length,
      startup_duration_ms: duration,
    };
  }
}

async function pingOrList(client: UpstreamClient, timeoutMs: number): Promise<void> {
  try {
    await client.ping(timeoutMs);
  } catch (error) {
    // Servers that predate `ping` answer MethodNotFound; tools/list proves liveness as well.
    if (error instanceof UpstreamError && error.rpcCode === ErrorCode.MethodNotFound) await client.listTools(timeoutMs);
    else throw error;
  }
}

// Reached only when a server was validated against other transports than this registry's.
function missingTransport(mode: string): string {
  return `no transport serves mode '${mode}' (load the plugin that provides it)`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
