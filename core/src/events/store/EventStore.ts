/**
 * The event store port (docs/api.md, seed 004). Adapters: `MemoryEventStore` (tests, `driver:
 * memory`) and `SqliteEventStore` (the embedded default). Every adapter must pass the shared
 * contract suite `eventStoreContract` (`@hangar/core/testing`), so a new one (PostgreSQL) is
 * proven the same way.
 *
 * Streams are named `mcp_server:<id>`, `group:<id>`, `auth`, `discovery`, `config`, `hangar`.
 * Stream versions are 0-based; an empty stream is at version -1. Global positions start at 1 and
 * only grow; a position is never reused.
 */
export interface EventStore {
  /** `sqlite`, `memory`, … (for logs and `GET /api/system`). */
  readonly driver: string;

  /**
   * Appends `events` to `streamId` atomically: all of them or none. `expectedVersion` is the
   * version the caller believes the stream is at (-1: the stream must be empty) or `'any'`.
   * A mismatch rejects with `ConcurrencyError` and writes nothing. Resolves once the events are
   * durable (committed). Appends are applied in call order.
   */
  append(streamId: string, events: readonly EventToAppend[], expectedVersion: ExpectedVersion): Promise<AppendResult>;

  /** Events of one stream with `stream_version >= fromVersion`, oldest first. */
  readStream(streamId: string, fromVersion?: number, options?: ReadOptions): Promise<StoredEvent[]>;

  /** Events of every stream with `global_position >= fromPosition`, in position order. */
  readAll(fromPosition?: number, limit?: number, filter?: ReadFilter): Promise<StoredEvent[]>;

  /** How many events one stream holds (of `eventTypes`, when given). */
  countStream(streamId: string, eventTypes?: readonly string[]): Promise<number>;

  /** The stream's current version; -1 when it has no event. */
  streamVersion(streamId: string): Promise<number>;

  /** The highest global position stored; 0 when the store is empty. */
  lastPosition(): Promise<number>;

  /**
   * Retention: deletes the events of each rule's types created before its `before`, oldest first,
   * in batches (appends keep going between them). Each stream's newest event and the store's
   * newest event are always kept, so stream versions and global positions stay monotonic: the next
   * append's expected version is the same as before the prune, and no position is reused.
   */
  prune(rules: readonly PruneRule[], options?: PruneOptions): Promise<PruneResult>;

  /**
   * The highest global position a prune ever deleted (0: nothing was ever pruned). A reader asking
   * for `fromPosition <= prunedThrough()` may have lost events to retention.
   */
  prunedThrough(): Promise<number>;

  /** Waits for pending appends, then releases the store. Further calls reject. */
  close(): Promise<void>;
}

/** `'any'` skips the version check. */
export type ExpectedVersion = number | 'any';

/** One event as written: the serializer has already put `_version` into `data`. */
export interface EventToAppend {
  readonly event_type: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** `event_id`, `timestamp`, `mcp_server_id`, … (whatever is not the payload). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** One event as read back. */
export interface StoredEvent {
  readonly global_position: number;
  readonly stream_id: string;
  readonly stream_version: number;
  readonly event_type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  /** ISO 8601, when the store wrote it. */
  readonly created_at: string;
}

/** Where an append landed. */
export interface AppendResult {
  /** The stream's version after the append (the last event's `stream_version`). */
  readonly next_expected_version: number;
  /** `global_position` of each appended event, in order. */
  readonly positions: readonly number[];
}

export interface ReadOptions {
  /** At most this many events (default: all). */
  readonly limit?: number;
  /** Only these event types. */
  readonly eventTypes?: readonly string[];
  /** Newest first (the latest matching events, with `limit`); `fromVersion` still bounds from below. */
  readonly newestFirst?: boolean;
}

export interface ReadFilter {
  readonly eventTypes?: readonly string[];
  readonly streamIds?: readonly string[];
}

/** What one retention rule deletes: events of `eventTypes` whose `created_at` is before `before`. */
export interface PruneRule {
  readonly eventTypes: readonly string[];
  readonly before: Date;
}

export interface PruneOptions {
  /** Rows deleted per statement (default `DEFAULT_PRUNE_BATCH`). */
  readonly batchSize?: number;
  /** Stops the prune between batches (what was deleted stays deleted; the result counts it). */
  readonly signal?: AbortSignal;
}

/** What a prune did. */
export interface PruneResult {
  /** Events deleted. */
  readonly deleted: number;
  /** `prunedThrough()` after the prune. */
  readonly pruned_through: number;
}

/** Default rows per delete statement of `prune`. */
export const DEFAULT_PRUNE_BATCH = 5000;

/** Default page size of `readAll`. */
export const DEFAULT_READ_LIMIT = 1000;

/** The stream an event about MCP server `id` belongs to. */
export function mcpServerStream(id: string): string {
  return `mcp_server:${id}`;
}
