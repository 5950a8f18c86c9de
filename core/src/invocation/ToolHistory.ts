import type { HistoricEvent } from '../events/EventSerializer.js';

/** One finished tool invocation, as `GET /api/mcp_servers/{id}/tools/history` lists it. */
export interface ToolHistoryRecord {
  /** The event's version in the server's stream (`from_position` pages by it). */
  readonly position: number;
  readonly correlation_id: string;
  /** The upstream tool name (`add`). */
  readonly tool: string;
  readonly status: 'completed' | 'failed';
  /** ISO 8601. */
  readonly started_at: string;
  readonly duration_ms: number;
  /** Set when the upstream answered with `isError: true` (still `completed`). */
  readonly is_error?: true;
  readonly error_type?: string;
  readonly error_message?: string;
  readonly result_size_bytes?: number;
}

/** A page of one server's history. */
export interface ToolHistoryPage {
  readonly history: ToolHistoryRecord[];
  /** Invocations stored for the server. */
  readonly total: number;
}

/** The stored events the history is made of. */
export const TOOL_OUTCOME_EVENTS = ['ToolInvocationCompleted', 'ToolInvocationFailed'] as const;

/** The history record of a stored `ToolInvocationCompleted` / `ToolInvocationFailed`. */
export function toolHistoryRecord(event: HistoricEvent): ToolHistoryRecord {
  const data = event.data;
  const duration_ms = typeof data.duration_ms === 'number' ? data.duration_ms : 0;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const record: Record<string, unknown> = {
    position: event.stream_version,
    correlation_id: text(data.correlation_id) ?? '',
    tool: text(data.tool) ?? '',
    status: event.event_type === 'ToolInvocationCompleted' ? 'completed' : 'failed',
    started_at: new Date(Date.parse(event.timestamp) - duration_ms).toISOString(),
    duration_ms,
  };
  if (data.is_error === true) record.is_error = true;
  for (const key of ['error_type', 'error_message'] as const) if (text(data[key]) !== undefined) record[key] = data[key];
  if (typeof data.result_size_bytes === 'number') record.result_size_bytes = data.result_size_bytes;
  return record as unknown as ToolHistoryRecord;
}
