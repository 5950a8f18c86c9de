import { randomUUID } from 'node:crypto';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { ToolNotFoundError, ValidationError } from '../errors.js';
import { createEvent } from '../events/DomainEvent.js';
import type { EventBus } from '../events/EventBus.js';
import { ANONYMOUS, type Authorizer, type Principal } from '../extensions/auth.js';
import { serviceRef } from '../kernel/refs.js';
import type { DownstreamPeer, UpstreamCallOptions } from '../lifecycle/DownstreamPeer.js';
import type { McpServer } from '../lifecycle/McpServer.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import type { Clock } from '../services/Clock.js';
import { ArgumentValidator } from './ArgumentValidator.js';
import { mcpServerStream } from '../events/store/EventStore.js';
import { TOOL_OUTCOME_EVENTS, toolHistoryRecord, type ToolHistoryPage } from './ToolHistory.js';

/** Upper bound of `timeout_s`: longer work belongs in an async operation. */
const MAX_TIMEOUT_S = 3600;

/** One tool call, from REST or the MCP face. */
export interface ToolInvocationRequest {
  readonly mcp_server: string;
  /** The upstream tool name (`add`, not `math__add`). */
  readonly tool: string;
  readonly arguments?: Record<string, unknown>;
  /** Overrides the 30 s default; a positive number of seconds, at most 3600. */
  readonly timeout_s?: number;
  /** Ties the call's events together; a fresh UUID when absent. */
  readonly correlation_id?: string;
  /** Whose call this is; anonymous when absent. */
  readonly principal?: Principal;
  readonly signal?: AbortSignal;
  readonly onProgress?: UpstreamCallOptions['onProgress'];
  readonly peer?: DownstreamPeer;
}

/** What a successful (possibly `isError`) call answers. */
export interface ToolInvocationOutcome {
  readonly result: CallToolResult;
  readonly correlation_id: string;
  readonly duration_ms: number;
}

/** What the invoker is built from. */
export interface ToolInvokerOptions {
  readonly registry: McpServerRegistry;
  readonly eventBus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly authorizer: Authorizer;
}

/**
 * The one path by which a tool is called (REST and the MCP face both come here): access checks,
 * argument validation against the tool's `inputSchema` before the upstream sees anything, the
 * timeout, the `ToolInvocation*` events, and the per-server history.
 */
export class ToolInvoker {
  private readonly registry: McpServerRegistry;
  private readonly eventBus: EventBus;
  private readonly clock: Clock;
  private readonly authorizer: Authorizer;
  private readonly validator: ArgumentValidator;
  private calls = 0;

  constructor(options: ToolInvokerOptions) {
    this.registry = options.registry;
    this.eventBus = options.eventBus;
    this.clock = options.clock;
    this.authorizer = options.authorizer;
    this.validator = new ArgumentValidator(options.logger);
  }

  /** Invocations that reached the upstream stage (Requested was recorded), failed ones included. */
  get totalCalls(): number {
    return this.calls;
  }

  /**
   * Calls `request.tool` on `request.mcp_server` and resolves with the upstream's result (a result
   * with `isError: true` resolves too). Throws `McpServerNotFoundError`, `AccessDeniedError` (a
   * policy denies `mcp_server:invoke` on the server), `ToolNotFoundError` (no such tool, or one the
   * caller may not see), `McpServerStartError`, `ValidationError` (arguments or `timeout_s`), and
   * whatever the upstream call throws (`UpstreamError`, `UpstreamTimeoutError`, `CallCancelledError`, …).
   * Unknown servers and tools record no events: nothing was invoked.
   */
  async invoke(request: ToolInvocationRequest): Promise<ToolInvocationOutcome> {
    const correlation_id = request.correlation_id ?? randomUUID();
    const { server, tool } = await this.target(request);
    const args = request.arguments ?? {};

    const startedAt = this.clock.now();
    this.calls++;
    this.publish(server.id, 'ToolInvocationRequested', {
      tool: tool.name,
      correlation_id,
      arguments_size_bytes: sizeOf(args),
    });
    try {
      const timeoutMs = timeoutMsOf(request.timeout_s);
      this.validator.validate(server.id, tool, args);
      const result = await server.callTool(tool.name, args, {
        timeoutMs,
        signal: request.signal,
        onProgress: request.onProgress,
        peer: request.peer,
      });
      const isError = result.isError === true ? ({ is_error: true } as const) : {};
      const duration_ms = this.finish(server.id, startedAt, {
        status: 'completed',
        tool: tool.name,
        correlation_id,
        result_size_bytes: sizeOf(result),
        ...isError,
      });
      return { result, correlation_id, duration_ms };
    } catch (error) {
      this.finish(server.id, startedAt, {
        status: 'failed',
        tool: tool.name,
        correlation_id,
        error_type: error instanceof Error ? error.name : 'Error',
        error_message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  /**
   * Everything `invoke` would refuse before calling the upstream (unknown server or tool, access,
   * arguments, `timeout_s`), without calling it and without recording events. Async operations
   * use it so a bad request answers 4xx at once instead of starting an operation that fails.
   */
  async check(request: ToolInvocationRequest): Promise<void> {
    const { server, tool } = await this.target(request);
    timeoutMsOf(request.timeout_s);
    this.validator.validate(server.id, tool, request.arguments ?? {});
  }

  /** The tools of `server` that `principal` may see and call (config `tool_access` and policies). */
  visibleTools(server: McpServer, principal: Principal): Tool[] {
    return server.tools.filter((tool) => this.authorizer.toolAllowed(principal, server, tool.name));
  }

  /**
   * One server's finished invocations with `position >= from_position`, oldest first, read from
   * the event store (so they outlive restarts). Waits for events still being stored, so a call
   * that has returned is always in its history.
   */
  async history(mcpServerId: string, query: { limit: number; from_position: number }): Promise<ToolHistoryPage> {
    await this.eventBus.settled();
    const stream = mcpServerStream(mcpServerId);
    const [events, total] = await Promise.all([
      this.eventBus.readStream(stream, query.from_position, { limit: query.limit, eventTypes: TOOL_OUTCOME_EVENTS }),
      this.eventBus.countStream(stream, TOOL_OUTCOME_EVENTS),
    ]);
    return { history: events.map(toolHistoryRecord), total };
  }

  /** The server and tool a request names, after the access checks. */
  private async target(request: ToolInvocationRequest): Promise<{ server: McpServer; tool: Tool }> {
    const principal = request.principal ?? ANONYMOUS;
    const server = this.registry.get(request.mcp_server);
    await this.checkAccess(server, principal);
    return { server, tool: await this.findTool(server, request.tool, principal) };
  }

  // Policies may refuse the server as a whole (403); tool-level refusals are `findTool`'s (404).
  private checkAccess(server: McpServer, principal: Principal): Promise<void> {
    return this.authorizer.authorize(
      principal,
      { action: 'mcp_server:invoke', resource: `mcp_server:${server.id}` },
      `'${principal.id}' may not invoke tools of MCP server '${server.id}'`,
    );
  }

  /**
   * The tool to call. A tool the caller may not see answers exactly like a missing one
   * (`ToolNotFoundError`), so tool names hidden by `tool_access` or a policy cannot be probed for.
   * That is also decided before any lookup, so a hidden name never starts a server. A server that
   * has never run only knows its predefined tools (or none), so it is started once to learn the
   * real list before a name is declared unknown; after a stop, the last-known list is trusted.
   */
  private async findTool(server: McpServer, name: string, principal: Principal): Promise<Tool> {
    if (!this.authorizer.toolAllowed(principal, server, name)) throw new ToolNotFoundError(server.id, name);
    let tool = server.tools.find((candidate) => candidate.name === name);
    if (tool === undefined && !server.alive && (server.toolsPredefined || server.tools.length === 0)) {
      await server.ensureStarted();
      tool = server.tools.find((candidate) => candidate.name === name);
    }
    if (tool === undefined) throw new ToolNotFoundError(server.id, name);
    return tool;
  }

  /**
   * Records how an invocation ended; the history is read back from this event. Beyond DESIGN §4,
   * `ToolInvocationFailed` carries `duration_ms` too, so failed calls have a duration in the history.
   * Returns the duration.
   */
  private finish(mcpServerId: string, startedAt: number, outcome: InvocationOutcomeFields): number {
    const duration_ms = this.clock.now() - startedAt;
    const { status, ...fields } = outcome;
    const type = status === 'completed' ? 'ToolInvocationCompleted' : 'ToolInvocationFailed';
    this.publish(mcpServerId, type, { ...fields, duration_ms });
    return duration_ms;
  }

  private publish(mcpServerId: string, type: string, data: Record<string, unknown>): void {
    this.eventBus.publish(createEvent(type, data, { mcpServerId, now: new Date(this.clock.now()) }));
  }
}

/** What an invocation's end records, besides its timing. */
type InvocationOutcomeFields = { readonly tool: string; readonly correlation_id: string } & (
  | { readonly status: 'completed'; readonly result_size_bytes: number; readonly is_error?: true }
  | { readonly status: 'failed'; readonly error_type: string; readonly error_message: string }
);

/** The invoker service (`core.toolInvoker`). */
export const toolInvokerRef = serviceRef<ToolInvoker>('core.toolInvoker');

/** `timeout_s` in ms; absent means the upstream client's default (30 s, DESIGN §4). */
function timeoutMsOf(timeout_s: number | undefined): number | undefined {
  if (timeout_s === undefined) return undefined;
  if (typeof timeout_s !== 'number' || !Number.isFinite(timeout_s) || timeout_s <= 0 || timeout_s > MAX_TIMEOUT_S) {
    throw new ValidationError(`timeout_s: must be a positive number of seconds, at most ${MAX_TIMEOUT_S}`);
  }
  return Math.max(1, Math.round(timeout_s * 1000));
}

function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
