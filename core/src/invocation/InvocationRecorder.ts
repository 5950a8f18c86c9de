import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createEvent } from '../events/DomainEvent.js';
import type { EventBus } from '../events/EventBus.js';
import type { Principal } from '../extensions/auth.js';
import type { Clock } from '../services/Clock.js';

/**
 * Records each attempt of a tool call on the answering server's stream: `ToolInvocationRequested`
 * when the upstream stage begins, then `ToolInvocationCompleted` or `ToolInvocationFailed` (the
 * per-server history is read back from these). Beyond the documented fields, `ToolInvocationFailed` carries
 * `duration_ms` too, so failed calls have a duration in the history. Each event names the caller
 * (`actor`) in its metadata: the audit trail of who invoked what.
 */
export class InvocationRecorder {
  constructor(
    private readonly eventBus: EventBus,
    private readonly clock: Clock,
  ) {}

  /** Records the start of an attempt; returns its start time (for `completed` / `failed`). */
  requested(mcpServerId: string, tool: string, correlation_id: string, args: Record<string, unknown>, actor: Principal): number {
    const startedAt = this.clock.now();
    const data = { tool, correlation_id, arguments_size_bytes: sizeOf(args) };
    this.publish(mcpServerId, 'ToolInvocationRequested', data, actor);
    return startedAt;
  }

  /** Records an answer (an `isError` result is completed too, marked `is_error`); returns the duration. */
  completed(
    mcpServerId: string,
    startedAt: number,
    tool: string,
    correlation_id: string,
    result: CallToolResult,
    actor: Principal,
  ): number {
    const duration_ms = this.clock.now() - startedAt;
    const isError = result.isError === true ? ({ is_error: true } as const) : {};
    this.publish(
      mcpServerId,
      'ToolInvocationCompleted',
      {
        tool,
        correlation_id,
        result_size_bytes: sizeOf(result),
        ...isError,
        duration_ms,
      },
      actor,
    );
    return duration_ms;
  }

  /** Records a failure under the error's class name; returns the duration. */
  failed(mcpServerId: string, startedAt: number, tool: string, correlation_id: string, error: unknown, actor: Principal): number {
    const duration_ms = this.clock.now() - startedAt;
    this.publish(
      mcpServerId,
      'ToolInvocationFailed',
      {
        tool,
        correlation_id,
        error_type: error instanceof Error ? error.name : 'Error',
        error_message: error instanceof Error ? error.message : String(error),
        duration_ms,
      },
      actor,
    );
    return duration_ms;
  }

  private publish(mcpServerId: string, type: string, data: Record<string, unknown>, actor: Principal): void {
    this.eventBus.publish(createEvent(type, data, { mcpServerId, now: new Date(this.clock.now()), actor }));
  }
}

function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
