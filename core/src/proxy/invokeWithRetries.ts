import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  CallCancelledError,
  McpServerStartError,
  McpServerUnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../errors.js';
import type { InvocationDoor } from '../extensions/invocation.js';
import type { RegistryToolCaller } from '../extensions/registryTools.js';
import type { ToolInvoker } from '../invocation/ToolInvoker.js';

/** The arguments the `registry_invoke*` tools share (after validation). */
export interface InvokeArgs {
  /** A server id or a contributed target's name (a group). */
  readonly mcp_server: string;
  readonly tool: string;
  readonly arguments?: Record<string, unknown>;
  readonly timeout_s?: number;
  readonly max_retries?: number;
  readonly correlation_id?: string;
  readonly metadata?: Record<string, unknown>;
}

/** Where the invocation facts go in the result. */
export const INVOCATION_META_KEY = 'hangar/invocation';

const MAX_RETRY_DELAY_MS = 10_000;

/**
 * Invokes through the `ToolInvoker` (target, access, interceptors, validation, timeout, events), retrying up to
 * `max_retries` times after a transient failure: the server could not start or was unavailable,
 * the call timed out, or the connection broke (an `UpstreamError` without a JSON-RPC code). A tool
 * that answered, even with `isError`, is never retried. Waits 1 s, 2 s, 4 s… (at most 10 s)
 * between attempts, and stops waiting when the caller cancels. All attempts share one correlation
 * id. The upstream result passes through with `_meta["hangar/invocation"]` added.
 */
export async function invokeWithRetries(
  invoker: ToolInvoker,
  args: InvokeArgs,
  caller: RegistryToolCaller,
  options: {
    readonly forwardProgress: boolean;
    /** `meta` for registry_invoke / registry_invoke_ex, `operation` for registry_invoke_stream. */
    readonly door: InvocationDoor;
    /** The operation this call is (registry_invoke_stream), named in `_meta["hangar/invocation"]`. */
    readonly operation_id?: string;
  },
): Promise<CallToolResult> {
  const correlation_id = args.correlation_id ?? randomUUID();
  const maxRetries = args.max_retries ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await invoker.invoke({
        mcp_server: args.mcp_server,
        tool: args.tool,
        arguments: args.arguments,
        timeout_s: args.timeout_s,
        correlation_id,
        principal: caller.principal,
        signal: caller.signal,
        onProgress: options.forwardProgress ? caller.progress : undefined,
        peer: caller.peer,
        door: options.door,
      });
      const facts = {
        mcp_server: args.mcp_server,
        tool: args.tool,
        correlation_id: outcome.correlation_id,
        duration_ms: outcome.duration_ms,
        attempts: attempt,
        ...(options.operation_id === undefined ? {} : { operation_id: options.operation_id }),
        ...(args.metadata === undefined ? {} : { metadata: args.metadata }),
      };
      return { ...outcome.result, _meta: { ...outcome.result._meta, [INVOCATION_META_KEY]: facts } };
    } catch (error) {
      if (attempt > maxRetries || !transient(error) || caller.signal.aborted) throw error;
      await sleep(Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (attempt - 1)), undefined, { signal: caller.signal }).catch(() => {
        // Only an abort rejects the wait: the caller cancelled between two attempts.
        throw new CallCancelledError('The call was cancelled while waiting to retry');
      });
    }
  }
}

function transient(error: unknown): boolean {
  return (
    error instanceof McpServerStartError ||
    error instanceof McpServerUnavailableError ||
    error instanceof UpstreamTimeoutError ||
    (error instanceof UpstreamError && error.rpcCode === undefined)
  );
}
