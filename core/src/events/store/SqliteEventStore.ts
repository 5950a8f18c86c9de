import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import sqlite3 from 'sqlite3';
import { ConcurrencyError, InternalServerError, ServiceUnavailableError } from '../../errors.js';
import {
  DEFAULT_READ_LIMIT,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedVersion,
  type PruneOptions,
  type PruneResult,
  type PruneRule,
  type ReadFilter,
  type ReadOptions,
  type StoredEvent,
} from './EventStore.js';
import {
  prepareWriterStatements,
  SqliteBatchWriter,
  type AppendOutcome,
  type QueuedAppend,
  type WriterStatements,
} from './SqliteBatchWriter.js';
import { PRUNED_THROUGH, pruneSqliteFile } from './SqlitePruner.js';
import { sqlite } from './sqlite3Promises.js';

/** Bumped with a migration whenever the table or its indexes change (`PRAGMA user_version`). */
const SCHEMA_VERSION = 2;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    global_position INTEGER PRIMARY KEY,
    stream_id TEXT NOT NULL,
    stream_version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (stream_id, stream_version)
  );
  -- readAll filtered by type (WebSocket replay, GET /api/events): a rare type among 100k events
  -- is found in ~2 ms instead of a ~17 ms scan, at no measurable cost to appends.
  CREATE INDEX IF NOT EXISTS events_by_type ON events (event_type, global_position);
  -- One server's events of some types (tool history, its count, the last McpServerStarted): an
  -- index range instead of a walk over every event of the stream.
  CREATE INDEX IF NOT EXISTS events_by_stream_type ON events (stream_id, event_type, stream_version);
  -- Version 2: retention's watermark (pruned_through), see SqlitePruner.
  CREATE TABLE IF NOT EXISTS event_store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  PRAGMA user_version = ${SCHEMA_VERSION};
`;

/**
 * A read's events as ONE JSON text, `[[global_position, stream_id, stream_version, event_type,
 * created_at], data, metadata, …]` (data and metadata are stored as JSON, so they go in as they
 * are): one `JSON.parse` instead of node-sqlite3 building a row object per event and two parses
 * each, about twice as fast. `where` and `order` complete the query; the last parameter is the limit.
 */
function eventsQuery(where: string, order: string): string {
  return `SELECT '[' || group_concat(
      json_array(global_position, stream_id, stream_version, event_type, created_at) || ',' || data || ',' || metadata,
      ',' ORDER BY ${order}) || ']' AS events
    FROM (SELECT * FROM events WHERE ${where} ORDER BY ${order} LIMIT ?)`;
}

const STREAM_VERSION = 'SELECT COALESCE(MAX(stream_version), -1) AS value FROM events WHERE stream_id = ?';

/** Options of `SqliteEventStore.open`. */
export interface SqliteEventStoreOptions {
  readonly logger?: Logger;
  /** Group commit: appends queued during a write share the next one (default true). */
  readonly batch?: boolean;
  /** How long to wait for another process's write lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** How many appends were written, in how many commits and statements (round trips). */
export interface SqliteEventStoreStats {
  readonly appends: number;
  /** Transactions that wrote events: one fsync each. */
  readonly commits: number;
  /** Statements run on the writer connection: one trip to node-sqlite3's thread pool each. */
  readonly statements: number;
}

/**
 * The embedded event store (docs/api.md): one SQLite file in WAL mode, `synchronous=FULL` so an
 * append is durable once it resolves. One writer connection takes every append; reads use a
 * second, read-only connection, so they never see a write that has not committed.
 *
 * Group commit: appends made in the same turn of the event loop, or while a write runs, share
 * the next write, so a burst pays one fsync (and one statement, see `SqliteBatchWriter`) instead
 * of one per append. A lone append waits for nothing but the end of the current turn. Each append
 * is still checked on its own: a version mismatch rejects only that append. Several processes may
 * share the file: the writer notices another one's commits (`data_version`) and then checks
 * under the write lock, and the `UNIQUE(stream_id, stream_version)` constraint backs it up, so
 * of two appends expecting the same version exactly one wins.
 */
export class SqliteEventStore implements EventStore {
  readonly driver = 'sqlite';
  private readonly queue: QueuedAppend[] = [];
  private readonly readStatements = new Map<string, Promise<sqlite3.Statement>>();
  private readonly writer: SqliteBatchWriter;
  private appends = 0;
  private writing: Promise<void> | undefined;
  private pruning: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly writeDb: sqlite3.Database,
    writeStatements: WriterStatements,
    private readonly readDb: sqlite3.Database,
    private readonly batch: boolean,
    private readonly logger: Logger | undefined,
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.writer = new SqliteBatchWriter(writeStatements);
  }

  /** Opens (creating when needed) the store in `file`, and its parent directory. */
  static async open(file: string, options: SqliteEventStoreOptions = {}): Promise<SqliteEventStore> {
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const writer = await sqlite.open(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, busyTimeout);
    let reader: sqlite3.Database | undefined;
    try {
      await sqlite.exec(writer, 'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL');
      await migrate(writer, file);
      reader = await sqlite.open(file, sqlite3.OPEN_READONLY, busyTimeout);
      const statements = await prepareWriterStatements(writer);
      return new SqliteEventStore(writer, statements, reader, options.batch ?? true, options.logger, file, busyTimeout);
    } catch (error) {
      if (reader) await sqlite.close(reader).catch(() => undefined);
      await sqlite.close(writer).catch(() => undefined);
      throw error;
    }
  }

  /** A snapshot of the write counters (tests and the bench use it to see batching happen). */
  get stats(): SqliteEventStoreStats {
    return { appends: this.appends, ...this.writer.counts };
  }

  append(streamId: string, events: readonly EventToAppend[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    if (this.closing) return rejectClosed();
    return new Promise((resolve, reject) => {
      this.queue.push({
        streamId,
        streamJson: JSON.stringify(streamId),
        expectedVersion,
        // One row's tail per event, serialized now so later mutation cannot leak in.
        events: events.map((event) =>
          JSON.stringify([event.event_type, JSON.stringify(event.data), JSON.stringify(event.metadata)]).slice(1),
        ),
        resolve,
        reject,
      });
      // The write starts at the end of this turn, so whatever else is appended in it joins.
      this.writing ??= new Promise<void>((started) => setImmediate(started)).then(() => this.writeQueued());
    });
  }

  async readStream(streamId: string, fromVersion = 0, options: ReadOptions = {}): Promise<StoredEvent[]> {
    const types = options.eventTypes === undefined ? '' : ` AND event_type IN ${IN_JSON}`;
    return this.readEvents(
      eventsQuery(`stream_id = ? AND stream_version >= ?${types}`, `stream_version${options.newestFirst ? ' DESC' : ''}`),
      [streamId, fromVersion, ...jsonList(options.eventTypes), options.limit ?? -1],
    );
  }

  async readAll(fromPosition = 1, limit = DEFAULT_READ_LIMIT, filter: ReadFilter = {}): Promise<StoredEvent[]> {
    const types = filter.eventTypes === undefined ? '' : ` AND event_type IN ${IN_JSON}`;
    const streams = filter.streamIds === undefined ? '' : ` AND stream_id IN ${IN_JSON}`;
    return this.readEvents(eventsQuery(`global_position >= ?${types}${streams}`, 'global_position'), [
      fromPosition,
      ...jsonList(filter.eventTypes),
      ...jsonList(filter.streamIds),
      limit,
    ]);
  }

  async countStream(streamId: string, eventTypes?: readonly string[]): Promise<number> {
    const types = eventTypes === undefined ? '' : ` AND event_type IN ${IN_JSON}`;
    const [row] = await this.read<{ value: number }>(`SELECT COUNT(*) AS value FROM events WHERE stream_id = ?${types}`, [
      streamId,
      ...jsonList(eventTypes),
    ]);
    return row!.value;
  }

  async streamVersion(streamId: string): Promise<number> {
    const [row] = await this.read<{ value: number }>(STREAM_VERSION, [streamId]);
    return row!.value;
  }

  async lastPosition(): Promise<number> {
    const [row] = await this.read<{ value: number }>('SELECT COALESCE(MAX(global_position), 0) AS value FROM events', []);
    return row!.value;
  }

  /** Deletes in batches on a connection of its own (`SqlitePruner`); appends go on meanwhile. */
  async prune(rules: readonly PruneRule[], options?: PruneOptions): Promise<PruneResult> {
    if (this.closing) return rejectClosed();
    const pruning = pruneSqliteFile(this.file, this.busyTimeoutMs, rules, options);
    this.pruning = pruning.then(
      () => undefined,
      () => undefined,
    );
    return pruning;
  }

  async prunedThrough(): Promise<number> {
    const [row] = await this.read<{ value: number }>(PRUNED_THROUGH, []);
    return row!.value;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writing;
      await this.pruning;
      const reads = await Promise.allSettled(this.readStatements.values());
      for (const settled of reads) if (settled.status === 'fulfilled') await sqlite.finalize(settled.value);
      await this.writer.finalize();
      // The writer closes last: the last connection checkpoints the WAL into the file and removes it.
      await sqlite.close(this.readDb);
      await sqlite.close(this.writeDb);
    })();
    return this.closing;
  }

  /** Writes queued appends, one batch at a time, until the queue is empty. */
  private async writeQueued(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.writeBatch();
    } finally {
      // Cleared in the same turn the queue was seen empty, so the next append starts a new loop.
      this.writing = undefined;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue.splice(0, this.batch ? this.queue.length : 1);
    this.appends += batch.length;
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.writer.write(batch);
    } catch (error) {
      this.logger?.error({ err: error, appends: batch.length }, 'event store write failed; batch rolled back');
      for (const append of batch) append.reject(error);
      return;
    }
    for (const [index, append] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome instanceof ConcurrencyError) append.reject(outcome);
      else append.resolve(outcome);
    }
  }

  private async readEvents(sql: string, params: unknown[]): Promise<StoredEvent[]> {
    const [row] = await this.read<{ events: string | null }>(sql, params);
    return row!.events === null ? [] : toStoredEvents(JSON.parse(row!.events) as unknown[]);
  }

  private async read<T>(sql: string, params: unknown[]): Promise<T[]> {
    if (this.closing) return rejectClosed();
    let statement = this.readStatements.get(sql);
    if (statement === undefined) {
      // Prepared once; the handful of read shapes (filters or not) are reused.
      statement = sqlite.prepare(this.readDb, sql);
      this.readStatements.set(sql, statement);
    }
    return sqlite.all<T>(await statement, params);
  }
}

/** `IN` over a JSON array bound as one parameter, so a list of any length fits one statement. */
const IN_JSON = '(SELECT value FROM json_each(?))';

function jsonList(values: readonly string[] | undefined): string[] {
  return values === undefined ? [] : [JSON.stringify(values)];
}

/** The events of `eventsQuery`'s flat array. */
function toStoredEvents(flat: readonly unknown[]): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let index = 0; index < flat.length; index += 3) {
    const [global_position, stream_id, stream_version, event_type, created_at] = flat[index] as [
      number,
      string,
      number,
      string,
      string,
    ];
    const data = flat[index + 1] as Record<string, unknown>;
    const metadata = flat[index + 2] as Record<string, unknown>;
    events.push({ global_position, stream_id, stream_version, event_type, data, metadata, created_at });
  }
  return events;
}

function rejectClosed(): Promise<never> {
  return Promise.reject(new ServiceUnavailableError('event store is closed'));
}

/** Creates the schema in a new file, under the write lock so two processes opening it agree. */
async function migrate(db: sqlite3.Database, file: string): Promise<void> {
  await sqlite.exec(db, 'BEGIN IMMEDIATE');
  try {
    const version = await new Promise<number>((resolve, reject) =>
      db.get<{ user_version: number }>('PRAGMA user_version', (error, row) =>
        error ? reject(error) : resolve(row.user_version),
      ),
    );
    if (version > SCHEMA_VERSION) {
      throw new InternalServerError(
        `event store ${file} has schema version ${version}; this Hangar reads up to ${SCHEMA_VERSION}`,
      );
    }
    if (version < SCHEMA_VERSION) await sqlite.exec(db, SCHEMA);
    await sqlite.exec(db, 'COMMIT');
  } catch (error) {
    await sqlite.exec(db, 'ROLLBACK').catch(() => undefined);
    throw error;
  }
}
