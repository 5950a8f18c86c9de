/** One line of an MCP server's logs as `GET /mcp_servers/{id}/logs` returns it. */
export interface ServerLogEntry {
  readonly timestamp: string;
  readonly line: string;
  readonly mcp_server_id: string;
  readonly stream: 'stderr' | 'stdout' | 'system';
}

/**
 * The most recent log lines of one MCP server (README "MCP servers": 1000 lines). A fixed array with a moving
 * start, so a push on a full ring overwrites the oldest entry in O(1) instead of shifting the array —
 * a chatty server writes thousands of lines a second.
 */
export class LogRing {
  private readonly entries: (ServerLogEntry | undefined)[];
  /** Index of the oldest entry. */
  private start = 0;
  private count = 0;

  constructor(readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LogRing capacity must be ≥ 1, got ${capacity}`);
    this.entries = new Array<ServerLogEntry | undefined>(capacity);
  }

  /** How many entries the ring holds (at most `capacity`). */
  get size(): number {
    return this.count;
  }

  /** Appends an entry, dropping the oldest when full. */
  push(entry: ServerLogEntry): void {
    if (this.count < this.capacity) {
      this.entries[(this.start + this.count) % this.capacity] = entry;
      this.count += 1;
      return;
    }
    this.entries[this.start] = entry;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The most recent `n` entries (all when `n` ≥ size; none when `n` ≤ 0), oldest first. */
  tail(n: number): ServerLogEntry[] {
    const wanted = Math.max(0, Math.min(Math.floor(n), this.count));
    const result: ServerLogEntry[] = [];
    for (let offset = this.count - wanted; offset < this.count; offset++) {
      const entry = this.entries[(this.start + offset) % this.capacity];
      if (entry !== undefined) result.push(entry);
    }
    return result;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.fill(undefined);
    this.start = 0;
    this.count = 0;
  }
}
