import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toErrorBody } from '../http/errorMiddleware.js';
import type { UpstreamProgress } from '../lifecycle/DownstreamPeer.js';

/** Where an operation is: `running` until it ends in one of the three others. */
export type OperationStatus = 'running' | 'completed' | 'error' | 'cancelled';

/** The statuses `GET /api/operations?status=` accepts. */
export const OPERATION_STATUSES: readonly OperationStatus[] = ['running', 'completed', 'error', 'cancelled'];

/** Seed 002's event types of an operation (`connected` is the socket's own, not an operation's). */
export type OperationEventType = 'progress' | 'status' | 'log' | 'result' | 'completed' | 'error';

/** One event of an operation, in seed 002's shape; `timestamp` is in seconds since the epoch. */
export interface OperationEvent {
  readonly event_type: OperationEventType;
  readonly operation_id: string;
  readonly timestamp: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * What an operation is about, fixed when it starts. The kernel's are tool calls (`mcp_server` and
 * `tool` set); a plugin's may be anything long-running it wants watched live (a discovery scan, a
 * reload), named by its own `operation_type`.
 */
export interface OperationDescriptor {
  /** `tool_call` (the default) or a plugin's own type, such as `discovery_scan`. */
  readonly operation_type?: string;
  /** The server the operation concerns, if any; its upstream log lines reach the operation. */
  readonly mcp_server?: string;
  /** The upstream tool name (`slow_count`, not `math__slow_count`), for tool calls. */
  readonly tool?: string;
  readonly correlation_id?: string;
  /** What started it: `mcp` (`registry_invoke_stream`), `rest` (the async invoke), or a plugin id. */
  readonly source: string;
  /** Who started it (the caller's principal id), for the audit trail. */
  readonly principal_id?: string;
  /** The first status line (default `calling <tool> on <mcp_server>`). */
  readonly title?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** `get_operation` and `GET /api/operations/{id}`: seed 002's fields plus the call's own. */
export interface OperationView extends OperationDescriptor {
  readonly operation_id: string;
  readonly operation_type: string;
  /** Seconds since the epoch, like the events' `timestamp`. */
  readonly started_at: number;
  readonly finished_at: number | null;
  readonly status: OperationStatus;
  /** 0..1, never decreasing. */
  readonly progress: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Events recorded so far, dropped ones included. */
  readonly event_count: number;
  /** Events no longer kept (the oldest after the first, past the per-operation bound). */
  readonly events_dropped: number;
  /** Seconds from start to end; null while running. */
  readonly duration: number | null;
  /** How it failed, for `error` and `cancelled`. */
  readonly error: { readonly error: string; readonly error_type: string } | null;
}

/** What an operation needs from its registry. */
export interface OperationHooks {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Events kept per operation for replay (at least 2). */
  readonly maxEvents: number;
  /** Called for every event, in order, after it is recorded. */
  emit(event: OperationEvent, operation: Operation): void;
}

/**
 * One tool call watched live (seed 002, docs/api.md). It records its events for replay and
 * computes progress as `progress / total`, clamped to 0..1 and never decreasing; an upstream that
 * sends no total leaves the fraction where it was, unless its value is already one (0..1), and
 * the raw value is kept in `details.raw_progress`. Every operation ends with `completed` (after a
 * `result`) or `error`; a cancelled one sends `status: cancelled` first.
 */
export class Operation {
  readonly id: string;
  readonly descriptor: OperationDescriptor;
  readonly startedAt: number;
  private readonly hooks: OperationHooks;
  private readonly controller = new AbortController();
  private readonly recorded: OperationEvent[] = [];
  private fraction = 0;
  private current: OperationStatus = 'running';
  private finishedAt: number | undefined;
  private failure: OperationView['error'] = null;
  private eventCount = 0;
  private dropped = 0;
  private cancelReason: string | undefined;
  private settle!: () => void;
  private readonly ended = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(id: string, descriptor: OperationDescriptor, hooks: OperationHooks) {
    this.id = id;
    this.descriptor = descriptor;
    this.hooks = hooks;
    this.startedAt = hooks.now();
  }

  /** Aborted by `cancel`; the call's upstream request listens to it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get status(): OperationStatus {
    return this.current;
  }

  get finished(): boolean {
    return this.current !== 'running';
  }

  /** Resolves once the operation has ended (its terminal event is recorded). */
  whenFinished(): Promise<void> {
    return this.ended;
  }

  /** The events kept for replay, oldest first. */
  events(): readonly OperationEvent[] {
    return this.recorded;
  }

  /** Announces the start (`status: running`). */
  begin(): void {
    const { mcp_server, tool, title } = this.descriptor;
    this.record('status', {
      status: 'running',
      message: title ?? `calling ${tool ?? 'a tool'} on ${mcp_server ?? 'an MCP server'}`,
    });
  }

  /** A status line while running (seed 002's `status` event), e.g. a scan's current step. */
  report(message: string, details?: Readonly<Record<string, unknown>>): void {
    if (this.finished) return;
    this.record('status', { status: 'running', message, ...(details === undefined ? {} : { details }) });
  }

  /** An upstream progress notification. */
  progress(update: UpstreamProgress): void {
    if (this.finished) return;
    const details: Record<string, unknown> = { progress: update.progress };
    if (update.total !== undefined && update.total > 0) {
      details.total = update.total;
      this.fraction = Math.max(this.fraction, clamp(update.progress / update.total));
    } else {
      details.raw_progress = update.progress;
      if (update.progress >= 0 && update.progress <= 1) this.fraction = Math.max(this.fraction, update.progress);
    }
    this.record('progress', { progress: this.fraction, message: update.message ?? null, details });
  }

  /** An upstream log notification (`notifications/message` params) of the operation's server. */
  log(params: Readonly<Record<string, unknown>>): void {
    if (this.finished) return;
    const { level, logger, data } = params;
    const message = typeof data === 'string' ? data : JSON.stringify(data ?? null);
    this.record('log', {
      level: typeof level === 'string' ? level : 'info',
      message,
      ...(typeof logger === 'string' ? { logger } : {}),
    });
  }

  /**
   * The work answered: `result`, then `completed` (or `error` for a tool result with `isError`). A
   * plugin's operation may answer any JSON object.
   */
  succeed(result: CallToolResult | Readonly<Record<string, unknown>>): void {
    if (this.finished) return;
    this.record('result', { result });
    if (result.isError === true) {
      this.end('error', { error: firstText(result) ?? 'the tool reported an error', error_type: 'ToolError' });
      return;
    }
    this.fraction = 1;
    this.finish('completed');
    this.record('completed', { status: 'completed', duration: this.durationS() });
    this.settle();
  }

  /** The call threw; a cancellation (see `cancel`) ends as `cancelled`. */
  fail(error: unknown): void {
    if (this.finished) return;
    if (this.controller.signal.aborted) {
      this.record('status', { status: 'cancelled', message: this.cancelReason ?? 'cancelled' });
      this.end('cancelled', { error: this.cancelReason ?? 'cancelled', error_type: 'CallCancelledError' });
      return;
    }
    const body = toErrorBody(error);
    this.end('error', { error: body.message, error_type: body.error });
  }

  /** Asks the call to stop; the upstream gets `notifications/cancelled`. False when already over. */
  cancel(reason: string): boolean {
    if (this.finished) return false;
    this.cancelReason = reason;
    this.controller.abort(new Error(reason));
    return true;
  }

  view(): OperationView {
    return {
      operation_id: this.id,
      ...this.descriptor,
      operation_type: this.descriptor.operation_type ?? 'tool_call',
      metadata: this.descriptor.metadata ?? {},
      started_at: seconds(this.startedAt),
      finished_at: this.finishedAt === undefined ? null : seconds(this.finishedAt),
      status: this.current,
      progress: this.fraction,
      event_count: this.eventCount,
      events_dropped: this.dropped,
      duration: this.finishedAt === undefined ? null : this.durationS(),
      error: this.failure,
    };
  }

  private end(status: 'error' | 'cancelled', failure: { error: string; error_type: string }): void {
    this.failure = failure;
    this.finish(status);
    this.record('error', { ...failure, duration: this.durationS() });
    this.settle();
  }

  private finish(status: OperationStatus): void {
    this.current = status;
    this.finishedAt = this.hooks.now();
  }

  private durationS(): number {
    return ((this.finishedAt ?? this.hooks.now()) - this.startedAt) / 1000;
  }

  private record(event_type: OperationEventType, data: Record<string, unknown>): void {
    const event: OperationEvent = { event_type, operation_id: this.id, timestamp: seconds(this.hooks.now()), data };
    this.eventCount++;
    this.recorded.push(event);
    // The first event (the start) stays, so a replay always shows what the operation was.
    if (this.recorded.length > Math.max(2, this.hooks.maxEvents)) {
      this.recorded.splice(1, 1);
      this.dropped++;
    }
    this.hooks.emit(event, this);
  }
}

function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function seconds(ms: number): number {
  return ms / 1000;
}

function firstText(result: Readonly<Record<string, unknown>>): string | undefined {
  if (!Array.isArray(result.content)) return undefined;
  const text = (result as CallToolResult).content.find((item) => item.type === 'text');
  return text && 'text' in text ? text.text : undefined;
}
