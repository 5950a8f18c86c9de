import type { Principal } from '../extensions/auth.js';
import type { InvocationContext, InvocationDoor, InvocationTarget } from '../extensions/invocation.js';
import type { DownstreamPeer, UpstreamCallOptions } from '../lifecycle/DownstreamPeer.js';
import type { McpServer } from '../lifecycle/McpServer.js';

/** Nothing tried yet: shared, never written (the exclusion set is only created when a call needs it). */
const NOTHING_TRIED: ReadonlySet<string> = new Set();

/** What the final step needs of the caller's request besides the context's fields. */
export interface CallOptions {
  readonly timeout_s?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: UpstreamCallOptions['onProgress'];
  readonly peer?: DownstreamPeer;
}

/**
 * One tool call as the chain sees it (`InvocationContext`), plus what only the final step reads
 * (timeout, progress sink, peer) and what it reports back (the answering attempt's duration).
 *
 * The call path allocates this one object per call and nothing more: `exclude`, `attributes` and
 * a caller-less `signal` are created on first use, which only interceptors cause.
 */
export class InvocationCall implements InvocationContext {
  readonly arguments: Readonly<Record<string, unknown>>;
  server: McpServer | undefined = undefined;
  /** The duration of the last attempt that reached an upstream (set by the final step). */
  duration_ms = 0;
  private excluded: Set<string> | undefined = undefined;
  private attrs: Map<string, unknown> | undefined = undefined;
  private ownSignal: AbortSignal | undefined = undefined;

  constructor(
    readonly principal: Principal,
    readonly target: InvocationTarget,
    readonly tool: string,
    args: Record<string, unknown>,
    readonly correlation_id: string,
    readonly door: InvocationDoor,
    /** The caller's options; `options.signal` is the one the upstream call gets (none when absent). */
    readonly options: CallOptions,
  ) {
    this.arguments = args;
  }

  get signal(): AbortSignal {
    // A caller without a signal (an in-process call) still gives interceptors one, never aborted.
    return this.options.signal ?? (this.ownSignal ??= new AbortController().signal);
  }

  get exclude(): Set<string> {
    return (this.excluded ??= new Set());
  }

  get attributes(): Map<string, unknown> {
    return (this.attrs ??= new Map());
  }

  /** The servers already tried, without creating the set. */
  get tried(): ReadonlySet<string> {
    return this.excluded ?? NOTHING_TRIED;
  }
}
