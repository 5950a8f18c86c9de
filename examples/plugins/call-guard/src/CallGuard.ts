import {
  AccessDeniedError,
  INTERCEPTOR_ORDER,
  type InvocationContext,
  type InvocationInterceptor,
  type InvocationNext,
} from '@hangar/core';
import { denyGlobs } from './denyGlobs.js';

/** Where the guard writes its call lines: the plugin's logger (pino), once init has run. */
export interface CallLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/** How a call ended, as the call line says it. */
export type CallOutcome = 'completed' | 'is_error' | 'failed' | 'denied';

/** What the guard is built from (the plugin's options). */
export interface CallGuardOptions {
  /** Globs of tools to refuse (see `denyGlobs`). */
  readonly deny_tools: readonly string[];
  /** Write one line per call. */
  readonly log_calls: boolean;
}

/**
 * The plugin's `core.invocationInterceptors` contribution, at `INTERCEPTOR_ORDER.policy` (outermost
 * of the conventional orders): every tool call from every door (REST, MCP, `registry_invoke*`,
 * operations) passes here after Hangar has resolved the target and checked access. A tool that
 * matches `deny_tools` is refused with `AccessDeniedError` (403 over REST, an `isError` result over
 * MCP) before any server is selected or started. With `log_calls`, each call is logged once it ends,
 * denied ones included.
 */
export class CallGuard implements InvocationInterceptor {
  /** Interceptors are keyed by name across all plugins, so the name starts with the plugin id. */
  readonly name = 'call-guard.guard';
  readonly order = INTERCEPTOR_ORDER.policy;
  /** Set by the plugin's init; calls cannot arrive before it (Hangar answers 503 until started). */
  log: CallLog | undefined;
  private readonly denied: (target: string, tool: string) => boolean;
  private readonly counts: Record<CallOutcome, number> = { completed: 0, is_error: 0, failed: 0, denied: 0 };

  constructor(private readonly options: CallGuardOptions) {
    this.denied = denyGlobs(options.deny_tools);
  }

  async intercept(ctx: InvocationContext, next: InvocationNext): ReturnType<InvocationNext> {
    const began = performance.now();
    if (this.denied(ctx.target.id, ctx.tool)) {
      this.ended(ctx, began, 'denied');
      throw new AccessDeniedError(`call-guard: tool '${ctx.tool}' of '${ctx.target.id}' is denied (deny_tools)`);
    }
    try {
      const result = await next();
      this.ended(ctx, began, result.isError === true ? 'is_error' : 'completed');
      return result;
    } catch (error) {
      this.ended(ctx, began, 'failed', error);
      throw error;
    }
  }

  /** Calls seen since Hangar started, by outcome. */
  get totals(): Readonly<Record<CallOutcome, number>> {
    return { ...this.counts };
  }

  private ended(ctx: InvocationContext, began: number, outcome: CallOutcome, error?: unknown): void {
    this.counts[outcome]++;
    if (!this.options.log_calls) return;
    this.log?.info(
      {
        correlation_id: ctx.correlation_id,
        door: ctx.door,
        principal: ctx.principal.id,
        target: ctx.target.id,
        target_kind: ctx.target.kind,
        tool: ctx.tool,
        // The server that answered (or failed) last; none when the call was refused before selection.
        mcp_server: ctx.server?.id ?? null,
        duration_ms: Math.round((performance.now() - began) * 1000) / 1000,
        outcome,
        ...(error === undefined ? {} : { error_type: error instanceof Error ? error.name : 'Error' }),
      },
      'call-guard: tool call',
    );
  }
}
