import { randomUUID } from 'node:crypto';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { McpServerUnavailableError, ToolNotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/EventBus.js';
import { ANONYMOUS, type Authorizer, type Principal, type ToolAccessSubject } from '../extensions/auth.js';
import type { InvocationDoor, InvocationInterceptor, InvocationTarget, TargetResolver } from '../extensions/invocation.js';
import { serviceRef } from '../kernel/refs.js';
import type { DownstreamPeer, UpstreamCallOptions } from '../lifecycle/DownstreamPeer.js';
import type { McpServer } from '../lifecycle/McpServer.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import type { Clock } from '../services/Clock.js';
import { ArgumentValidator } from './ArgumentValidator.js';
import { composeInterceptors, type InvocationStep } from './composeInterceptors.js';
import { InvocationCall } from './InvocationCall.js';
import { InvocationRecorder } from './InvocationRecorder.js';
import { InvocationTargets } from './InvocationTargets.js';
import { mcpServerStream } from '../events/store/EventStore.js';
import { TOOL_OUTCOME_EVENTS, toolHistoryRecord, type ToolHistoryPage } from './ToolHistory.js';

/** Upper bound of `timeout_s`: longer work belongs in an async operation. */
const MAX_TIMEOUT_S = 3600;

/** One tool call, from REST, the MCP face, a meta tool or an operation. */
export interface ToolInvocationRequest {
  /** The target's name: a server id, or a name a `core.targetResolvers` contribution answers (a group). */
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
  /** Which door the call came through, for interceptors; `rest` when absent. */
  readonly door?: InvocationDoor;
  /**
   * The target `mcp_server` names, when the caller has resolved it already (the MCP face resolves
   * `<target>__<tool>` itself); spares a second lookup, and keeps flat names on the server listed.
   */
  readonly target?: InvocationTarget;
}

/** What a successful (possibly `isError`) call answers. */
export interface ToolInvocationOutcome {
  readonly result: CallToolResult;
  readonly correlation_id: string;
  /** How long the answering attempt took, from `ToolInvocationRequested` to its outcome. */
  readonly duration_ms: number;
  /** The server that answered: the target itself, or the member of a group that was selected. */
  readonly mcp_server_id: string;
}

/** What the invoker is built from. */
export interface ToolInvokerOptions {
  readonly registry: McpServerRegistry;
  readonly eventBus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly authorizer: Authorizer;
  /** The `core.targetResolvers` contributions (read once, on the first call); none when omitted. */
  readonly targetResolvers?: () => readonly TargetResolver[];
  /** The `core.invocationInterceptors` contributions (read once, on the first call); none when omitted. */
  readonly interceptors?: () => readonly InvocationInterceptor[];
}

/**
 * The one path by which a tool is called (REST, the MCP face, the meta tools and operations all
 * come here): resolve the target (contributed resolvers first, then the registered servers), ask
 * the authorizer for the target's `invokePermission`, check the tool is visible to the caller,
 * then run the `core.invocationInterceptors` chain around the final step, which selects a server,
 * validates the arguments against the tool's `inputSchema`, records the `ToolInvocation*` events
 * on that server's stream and calls it with the timeout.
 */
export class ToolInvoker {
  /** The names calls are addressed to (servers and contributed targets). */
  readonly targets: InvocationTargets;
  private readonly eventBus: EventBus;
  private readonly recorder: InvocationRecorder;
  private readonly authorizer: Authorizer;
  private readonly validator: ArgumentValidator;
  private readonly interceptors: () => readonly InvocationInterceptor[];
  /** Composed on the first call; the final step itself when no interceptor is contributed. */
  private chain: InvocationStep<InvocationCall> | undefined;
  private intercepted = false;
  private readonly accessSubjects = new WeakMap<InvocationTarget, ToolAccessSubject>();
  private calls = 0;

  constructor(options: ToolInvokerOptions) {
    this.targets = new InvocationTargets(options.registry, options.targetResolvers);
    this.eventBus = options.eventBus;
    this.recorder = new InvocationRecorder(options.eventBus, options.clock);
    this.authorizer = options.authorizer;
    this.validator = new ArgumentValidator(options.logger);
    this.interceptors = options.interceptors ?? (() => []);
  }

  /** Invocations that reached the upstream stage (Requested was recorded), failed ones included. */
  get totalCalls(): number {
    return this.calls;
  }

  /**
   * Calls `request.tool` through the target `request.mcp_server` and resolves with the upstream's
   * result (a result with `isError: true` resolves too). Throws `McpServerNotFoundError` (no such
   * target), `AccessDeniedError` (a policy denies the target's `invokePermission`, or an interceptor
   * refuses), `ToolNotFoundError` (no such tool, or one the caller may not see),
   * `McpServerUnavailableError` (the target has no server left to select), `McpServerStartError`,
   * `ValidationError` (arguments or `timeout_s`), whatever an interceptor throws, and whatever the
   * upstream call throws (`UpstreamError`, `UpstreamTimeoutError`, `CallCancelledError`, …).
   * Unknown targets and tools record no events: nothing was invoked.
   */
  async invoke(request: ToolInvocationRequest): Promise<ToolInvocationOutcome> {
    const correlation_id = request.correlation_id ?? randomUUID();
    const principal = request.principal ?? ANONYMOUS;
    const target = request.target ?? this.targets.resolve(request.mcp_server);
    await this.authorizeInvoke(principal, target);
    this.checkVisible(principal, target, request.tool);
    const call = new InvocationCall(
      principal,
      target,
      request.tool,
      request.arguments ?? {},
      correlation_id,
      request.door ?? 'rest',
      request,
    );
    const result = await (this.chain ??= this.compose())(call);
    return { result, correlation_id, duration_ms: call.duration_ms, mcp_server_id: call.server!.id };
  }

  /**
   * Everything `invoke` would refuse before calling the upstream (unknown target or tool, access,
   * arguments, `timeout_s`), without calling it, without running the interceptors and without
   * recording events. Async operations use it so a bad request answers 4xx at once instead of
   * starting an operation that fails. The arguments are checked against the target's last-known
   * schema of the tool (a never-started server is started to learn it, as `invoke` would).
   */
  async check(request: ToolInvocationRequest): Promise<void> {
    const principal = request.principal ?? ANONYMOUS;
    const target = this.targets.resolve(request.mcp_server);
    await this.authorizeInvoke(principal, target);
    this.checkVisible(principal, target, request.tool);
    timeoutMsOf(request.timeout_s);
    let tool = target.tools().find((candidate) => candidate.name === request.tool);
    if (tool === undefined) {
      const server = target.select(request.tool, NOTHING_TRIED);
      if (server === undefined) throw noServerLeft(target, request.tool);
      tool = await this.findTool(server, target, request.tool);
    }
    this.validator.validate(target.id, tool, request.arguments ?? {});
  }

  /** The tools of `server` that `principal` may see and call (config `tool_access` and policies). */
  visibleTools(server: McpServer, principal: Principal): Tool[] {
    return server.tools.filter((tool) => this.authorizer.toolAllowed(principal, server, tool.name));
  }

  /** The tools of `target` that `principal` may see and call through it. */
  targetTools(target: InvocationTarget, principal: Principal): Tool[] {
    const subject = this.accessSubjectOf(target);
    return target.tools().filter((tool) => this.authorizer.toolAllowed(principal, subject, tool.name));
  }

  /** Whether `principal` may see and call `tool` through `target` (its `toolAccess`, then policies). */
  toolVisible(principal: Principal, target: InvocationTarget, tool: string): boolean {
    return this.authorizer.toolAllowed(principal, this.accessSubjectOf(target), tool);
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

  /** The chain over the contributions, read now (the first call, after every plugin's init). */
  private compose(): InvocationStep<InvocationCall> {
    const interceptors = this.interceptors();
    this.intercepted = interceptors.length > 0;
    return composeInterceptors(interceptors, (call) => this.attempt(call));
  }

  // Policies may refuse the target as a whole (403); tool-level refusals are `checkVisible`'s (404).
  private authorizeInvoke(principal: Principal, target: InvocationTarget): Promise<void> {
    const what = target.kind === 'mcp_server' ? 'MCP server' : target.kind;
    return this.authorizer.authorize(
      principal,
      target.invokePermission,
      `'${principal.id}' may not invoke tools of ${what} '${target.id}'`,
    );
  }

  /**
   * A tool the caller may not see answers exactly like a missing one (`ToolNotFoundError`), so tool
   * names hidden by `tool_access` or a policy cannot be probed for. That is decided before any
   * lookup, so a hidden name never starts a server.
   */
  private checkVisible(principal: Principal, target: InvocationTarget, tool: string): void {
    if (!this.toolVisible(principal, target, tool)) throw new ToolNotFoundError(target.id, tool);
  }

  private accessSubjectOf(target: InvocationTarget): ToolAccessSubject {
    if (target.toolAccess !== undefined) return target.toolAccess;
    let subject = this.accessSubjects.get(target);
    if (subject === undefined) {
      subject = { id: target.id, config: {} };
      this.accessSubjects.set(target, subject);
    }
    return subject;
  }

  /**
   * The final step of the chain, once per attempt: select a server among those not tried yet, find
   * the tool on it, then validate and call, recording the events on that server's stream.
   */
  private async attempt(call: InvocationCall): Promise<CallToolResult> {
    const { target, principal } = call;
    const server = target.select(call.tool, call.tried);
    if (server === undefined) throw noServerLeft(target, call.tool);
    // Only an interceptor can call again, so only then is the exclusion worth a Set.
    if (this.intercepted) call.exclude.add(server.id);
    call.server = server;
    // A group's member may hide the tool in its own `tool_access`: then it has no such tool.
    if (server !== target.toolAccess && !this.authorizer.toolAllowed(principal, server, call.tool)) {
      throw new ToolNotFoundError(target.id, call.tool);
    }
    const tool = knownTool(server, call.tool) ?? (await this.findTool(server, target, call.tool));
    const args = call.arguments as Record<string, unknown>;

    this.calls++;
    const startedAt = this.recorder.requested(server.id, tool.name, call.correlation_id, args, call.principal);
    const { options } = call;
    try {
      const timeoutMs = timeoutMsOf(options.timeout_s);
      this.validator.validate(server.id, tool, args);
      const result = await server.callTool(tool.name, args, {
        timeoutMs,
        signal: options.signal,
        onProgress: options.onProgress,
        peer: options.peer,
      });
      call.duration_ms = this.recorder.completed(server.id, startedAt, tool.name, call.correlation_id, result, call.principal);
      return result;
    } catch (error) {
      call.duration_ms = this.recorder.failed(server.id, startedAt, tool.name, call.correlation_id, error, call.principal);
      throw error;
    }
  }

  /**
   * The tool to call when `server` does not list it yet. A server that has never run only knows its
   * predefined tools (or none), so it is started once to learn the real list before a name is
   * declared unknown; after a stop, the last-known list is trusted.
   */
  private async findTool(server: McpServer, target: InvocationTarget, name: string): Promise<Tool> {
    let tool = knownTool(server, name);
    if (tool === undefined && !server.alive && (server.toolsPredefined || server.tools.length === 0)) {
      await server.ensureStarted();
      tool = knownTool(server, name);
    }
    if (tool === undefined) throw new ToolNotFoundError(target.id, name);
    return tool;
  }
}

/** The invoker service (`core.toolInvoker`). */
export const toolInvokerRef = serviceRef<ToolInvoker>('core.toolInvoker');

/** `timeout_s` in ms; absent means the upstream client's default (30 s, README "MCP servers"). */
function timeoutMsOf(timeout_s: number | undefined): number | undefined {
  if (timeout_s === undefined) return undefined;
  if (typeof timeout_s !== 'number' || !Number.isFinite(timeout_s) || timeout_s <= 0 || timeout_s > MAX_TIMEOUT_S) {
    throw new ValidationError(`timeout_s: must be a positive number of seconds, at most ${MAX_TIMEOUT_S}`);
  }
  return Math.max(1, Math.round(timeout_s * 1000));
}

/** Nothing tried yet (for `check`, which selects without an attempt). */
const NOTHING_TRIED: ReadonlySet<string> = new Set();

function knownTool(server: McpServer, name: string): Tool | undefined {
  return server.tools.find((candidate) => candidate.name === name);
}

/** 503: every server the target could select has been tried (or it has none). */
function noServerLeft(target: InvocationTarget, tool: string): McpServerUnavailableError {
  if (target.kind === 'mcp_server') {
    return new McpServerUnavailableError(`MCP server '${target.id}' was already tried for this call of tool '${tool}'`);
  }
  return new McpServerUnavailableError(`${target.kind} '${target.id}' has no MCP server left to call tool '${tool}'`);
}
