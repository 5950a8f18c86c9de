import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '../lifecycle/McpServer.js';
import { extensionPoint } from '../kernel/refs.js';
import type { Permission, Principal, ToolAccessSubject } from './auth.js';

/**
 * Which door a call came through: `rest` (the sync REST invoke), `mcp` (an MCP `tools/call` of
 * `<target>__<tool>`, or a flat name), `meta` (`registry_invoke`, `registry_invoke_ex`), `operation`
 * (a call that runs as an operation: the async REST invoke, `registry_invoke_stream`).
 */
export type InvocationDoor = 'rest' | 'mcp' | 'meta' | 'operation';

/**
 * Something a name resolves to that can answer tool calls: an MCP server, or a group of them. The
 * kernel's own resolver answers server ids; a plugin's (groups) answers its names first.
 */
export interface InvocationTarget {
  /** The name callers use (`math`, `llm-pool`). */
  readonly id: string;
  /** `mcp_server`, `group`, … (for logs, metrics and errors). */
  readonly kind: string;
  /** What invoking through this target needs: `tool:invoke` on `mcp_server:<id>`, `group:invoke` on `group:<id>`, … */
  readonly invokePermission: Permission;
  /** The tools this target offers (a group: the union of its members'), as last known. */
  tools(): readonly Tool[];
  /**
   * Whose `tool_access` and id decide which tools callers may see and call through this target (an
   * MCP server: the server itself). Absent: the target's id with no `tool_access` of its own, so
   * only policies decide. Either way, the server `select` picks is checked too: its own
   * `tool_access` still applies to calls that reach it through a group.
   */
  readonly toolAccess?: ToolAccessSubject;
  /**
   * The server that answers the next call of `tool`, skipping the servers in `exclude` (those a
   * failover already tried); undefined when none is left (the invoker answers 503 then). May start
   * nothing: the invoker starts the chosen server as it calls it.
   */
  select(tool: string, exclude: ReadonlySet<string>): McpServer | undefined;
}

/**
 * `core.targetResolvers` — sequential, first-wins: resolvers are asked in load order (the kernel's
 * server resolver last); the first that returns a target decides. `list` contributes targets to the
 * tool catalog (`<target>__<tool>` over MCP in namespaced naming, REST and `registry_tools`).
 *
 * `resolve` runs on every call: keep it a map lookup. Contributions are read once, on the first
 * call (after every plugin's init), so a resolver's set of names may change but the resolvers may not.
 */
export interface TargetResolver {
  readonly name: string;
  /** The target `name` means, or undefined to let the next resolver answer. */
  resolve(name: string): InvocationTarget | undefined;
  /** Every target this resolver contributes to the catalog (servers come from the kernel). */
  list?(): readonly InvocationTarget[];
}

/** `core.targetResolvers`, keyed by `name`. */
export const targetResolversExtensionPoint = extensionPoint<TargetResolver>('core.targetResolvers', {
  key: (resolver) => resolver.name,
});

/** One tool call as interceptors see it. `target` and `exclude` may be changed to fail over. */
export interface InvocationContext {
  readonly principal: Principal;
  /** The target the caller named (resolved before the chain runs). */
  readonly target: InvocationTarget;
  /** The upstream tool name (`add`, not `math__add`). */
  readonly tool: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly correlation_id: string;
  /** Aborted when the caller gives up (disconnect, MCP cancel, operation cancel). */
  readonly signal: AbortSignal;
  readonly door: InvocationDoor;
  /** Servers already tried for this call; the final step selects among the others. */
  readonly exclude: Set<string>;
  /** The server that answered (or failed) the last attempt; set by the final step. */
  server?: McpServer;
  /** Per-call scratch space shared by interceptors (a span, a start time, …), keyed by interceptor name. */
  readonly attributes: Map<string, unknown>;
}

/**
 * Runs the rest of the chain (and the call itself) once; resolves with the upstream's result, or
 * rejects with the typed error. An interceptor may call it again after a failure to retry (with
 * `ctx.exclude` grown, the final step picks another server of a group; none left is a 503
 * `McpServerUnavailableError`). Each attempt that reaches an upstream records its own
 * `ToolInvocationRequested` and `Completed`/`Failed` on that server's stream.
 */
export type InvocationNext = () => Promise<CallToolResult>;

/** Conventional `order` values; lower runs first (outermost). */
export const INTERCEPTOR_ORDER = Object.freeze({
  policy: 100,
  rateLimit: 200,
  circuitBreaker: 300,
  telemetry: 400,
});

/**
 * Wraps every tool call from every door (REST invoke, MCP `<server>__<tool>`, `registry_invoke*`,
 * operations), like Koa middleware: `(ctx, next)`. It may refuse with a typed `HangarError` (REST
 * answers its `status_code`; MCP an `isError` result with the error's name and message, except
 * `ToolNotFoundError`, `McpServerNotFoundError` and `ValidationError`, which answer JSON-RPC
 * -32602 as they do without interceptors), wrap or measure the call, or call `next` again to retry.
 */
export interface InvocationInterceptor {
  /** Unique across plugins, prefixed by the plugin id (`rate-limit.buckets`). */
  readonly name: string;
  /** Position in the chain: lower is outer. See `INTERCEPTOR_ORDER`; ties keep load order. */
  readonly order: number;
  intercept(ctx: InvocationContext, next: InvocationNext): Promise<CallToolResult>;
}

/**
 * `core.invocationInterceptors` — sequential and ordered by `order` (then load order): policy (100)
 * → rate limit (200) → circuit breaker (300) → tracing / metrics (400) → the call. Keyed by `name`.
 * The chain runs after the target is resolved, `invokePermission` is authorized and the tool is
 * known to be visible to the caller; the async REST invoke's early check does not run it. The
 * contributions are read and composed once, on the first call.
 */
export const invocationInterceptorsExtensionPoint = extensionPoint<InvocationInterceptor>('core.invocationInterceptors', {
  key: (interceptor) => interceptor.name,
});
