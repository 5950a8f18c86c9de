/** One finished tool invocation, as `GET /api/mcp_servers/{id}/tools/history` lists it. */
export interface ToolHistoryRecord {
  /** Per-server, increasing from 1; never reused, even after old records are dropped. */
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
  /** Records currently kept for the server (at most the capacity). */
  readonly total: number;
}

interface ServerHistory {
  nextPosition: number;
  records: ToolHistoryRecord[];
}

/**
 * In-memory invocation history per MCP server, bounded to `capacity` records each (oldest dropped
 * first). A stand-in until the event store answers the same query from stored
 * `ToolInvocation*` events, which is why positions behave like stream versions.
 */
export class ToolHistory {
  private readonly servers = new Map<string, ServerHistory>();

  constructor(private readonly capacity = 10_000) {}

  /** Appends a record for `mcpServerId`, assigning its position. */
  record(mcpServerId: string, entry: Omit<ToolHistoryRecord, 'position'>): ToolHistoryRecord {
    let server = this.servers.get(mcpServerId);
    if (server === undefined) {
      server = { nextPosition: 1, records: [] };
      this.servers.set(mcpServerId, server);
    }
    const record = Object.freeze({ position: server.nextPosition++, ...entry });
    server.records.push(record);
    // Dropping in chunks keeps appends amortised O(1) instead of a shift per record at capacity.
    if (server.records.length > this.capacity + Math.ceil(this.capacity / 10)) {
      server.records.splice(0, server.records.length - this.capacity);
    }
    return record;
  }

  /** Records with `position >= from_position`, oldest first, at most `limit`. */
  query(mcpServerId: string, query: { limit: number; from_position: number }): ToolHistoryPage {
    const server = this.servers.get(mcpServerId);
    if (server === undefined) return { history: [], total: 0 };
    // Records beyond the capacity may linger until the next chunked drop; they are not served.
    const oldest = Math.max(0, server.records.length - this.capacity);
    const start = firstAtOrAfter(server.records, oldest, query.from_position);
    return { history: server.records.slice(start, start + query.limit), total: server.records.length - oldest };
  }

  /** Drops everything kept for `mcpServerId` (the server was removed). */
  forget(mcpServerId: string): void {
    this.servers.delete(mcpServerId);
  }
}

/** Index (≥ `low`) of the first record with `position >= position`; records are sorted by position. */
function firstAtOrAfter(records: readonly ToolHistoryRecord[], low: number, position: number): number {
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (records[middle]!.position < position) low = middle + 1;
    else high = middle;
  }
  return low;
}
