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
  type ReadFilter,
  type ReadOptions,
  type StoredEvent,
} from './EventStore.js';

/** Bumped with a migration whenever the table or its indexes change (`PRAGMA user_version`). */
const SCHEMA_VERSION = 1;

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
  PRAGMA user_version = ${SCHEMA_VERSION};
`;

const COLUMNS = 'global_position, stream_id, stream_version, event_type, data, metadata, created_at';
/**
 * One append is one statement whatever its size (the events arrive as one JSON array), so SQLite's
 * statement atomicity makes it all-or-nothing without a savepoint. Rowids only grow, so sorting
 * the returned positions gives them in event order.
 */
const INSERT = `
  INSERT INTO events (stream_id, stream_version, event_type, data, metadata, created_at)
  SELECT ?1, ?2 + key, value ->> 0, value ->> 1, value ->> 2, ?3 FROM json_each(?4) ORDER BY key
  RETURNING global_position`;
const STREAM_VERSION = 'SELECT COALESCE(MAX(stream_version), -1) AS value FROM events WHERE stream_id = ?';

/** Options of `SqliteEventStore.open`. */
export interface SqliteEventStoreOptions {
  readonly logger?: Logger;
  /** Group commit: appends queued during a transaction share the next one (default true). */
  readonly batch?: boolean;
  /** How long to wait for another process's write lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** How many appends went through a transaction, and how many transactions committed. */
export interface SqliteEventStoreStats {
  readonly appends: number;
  readonly commits: number;
}

interface QueuedAppend {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  /** How many events. */
  readonly count: number;
  /** `[[event_type, data JSON, metadata JSON], …]`, serialized at call time so later mutation cannot leak in. */
  readonly events: string;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

interface StoredRow {
  global_position: number;
  stream_id: string;
  stream_version: number;
  event_type: string;
  data: string;
  metadata: string;
  created_at: string;
}

/**
 * The embedded event store (DESIGN §6): one SQLite file in WAL mode, `synchronous=FULL` so an
 * append is durable once it resolves. One writer connection takes every append; reads use a
 * second, read-only connection, so they never see a transaction that has not committed.
 *
 * Group commit: appends that arrive while a transaction runs wait and the next transaction
 * (`BEGIN IMMEDIATE`) takes them all, so a burst pays one fsync instead of one per append. Each
 * append is still checked on its own: a version mismatch rejects only that append. Several
 * processes may share the file: the version check runs under the write lock, and the
 * `UNIQUE(stream_id, stream_version)` constraint backs it up, so of two appends expecting the
 * same version exactly one wins.
 */
export class SqliteEventStore implements EventStore {
  readonly driver = 'sqlite';
  private readonly queue: QueuedAppend[] = [];
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();
  private readonly counts = { appends: 0, commits: 0 };
  private writing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly writer: sqlite3.Database,
    private readonly reader: sqlite3.Database,
    private readonly batch: boolean,
    private readonly logger: Logger | undefined,
  ) {}

  /** Opens (creating when needed) the store in `file`, and its parent directory. */
  static async open(file: string, options: SqliteEventStoreOptions = {}): Promise<SqliteEventStore> {
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const writer = await openDatabase(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, busyTimeout);
    try {
      await exec(writer, 'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL');
      await migrate(writer, file);
      const reader = await openDatabase(file, sqlite3.OPEN_READONLY, busyTimeout);
      return new SqliteEventStore(writer, reader, options.batch ?? true, options.logger);
    } catch (error) {
      await closeDatabase(writer).catch(() => undefined);
      throw error;
    }
  }

  /** A snapshot of the write counters (tests use it to see batching happen). */
  get stats(): SqliteEventStoreStats {
    return { ...this.counts };
  }

  append(streamId: string, events: readonly EventToAppend[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    if (this.closing) return rejectClosed();
    return new Promise((resolve, reject) => {
      const rows = events.map((event) => [event.event_type, JSON.stringify(event.data), JSON.stringify(event.metadata)]);
      this.queue.push({ streamId, expectedVersion, count: rows.length, events: JSON.stringify(rows), resolve, reject });
      this.writing ??= this.writeQueued();
    });
  }

  async readStream(streamId: string, fromVersion = 0, options: ReadOptions = {}): Promise<StoredEvent[]> {
    const types = options.eventTypes === undefined ? '' : ` AND event_type IN ${IN_JSON}`;
    const rows = await this.read<StoredRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND stream_version >= ?${types} ORDER BY stream_version${options.newestFirst ? ' DESC' : ''} LIMIT ?`,
      [streamId, fromVersion, ...jsonList(options.eventTypes), options.limit ?? -1],
    );
    return rows.map(toStoredEvent);
  }

  async readAll(fromPosition = 1, limit = DEFAULT_READ_LIMIT, filter: ReadFilter = {}): Promise<StoredEvent[]> {
    const types = filter.eventTypes === undefined ? '' : ` AND event_type IN ${IN_JSON}`;
    const streams = filter.streamIds === undefined ? '' : ` AND stream_id IN ${IN_JSON}`;
    const rows = await this.read<StoredRow>(
      `SELECT ${COLUMNS} FROM events WHERE global_position >= ?${types}${streams} ORDER BY global_position LIMIT ?`,
      [fromPosition, ...jsonList(filter.eventTypes), ...jsonList(filter.streamIds), limit],
    );
    return rows.map(toStoredEvent);
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

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writing;
      const statements = await Promise.allSettled(this.statements.values());
      for (const settled of statements) if (settled.status === 'fulfilled') await finalize(settled.value);
      // The writer closes last: the last connection checkpoints the WAL into the file and removes it.
      await closeDatabase(this.reader);
      await closeDatabase(this.writer);
    })();
    return this.closing;
  }

  /** Writes queued appends, one transaction at a time, until the queue is empty. */
  private async writeQueued(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.writeBatch();
    } finally {
      // Cleared in the same turn the queue was seen empty, so the next append starts a new loop.
      this.writing = undefined;
    }
  }

  private async writeBatch(): Promise<void> {
    let batch: QueuedAppend[] = [];
    const outcomes: (AppendResult | ConcurrencyError)[] = [];
    try {
      await exec(this.writer, 'BEGIN IMMEDIATE');
      // Taken once the write lock is held: everything that queued while waiting for it joins.
      batch = this.queue.splice(0, this.batch ? this.queue.length : 1);
      const versions = new Map<string, number>();
      for (const append of batch) outcomes.push(await this.applyOne(append, versions));
      await exec(this.writer, 'COMMIT');
    } catch (error) {
      await exec(this.writer, 'ROLLBACK').catch(() => undefined);
      if (batch.length === 0) batch = this.queue.splice(0, this.batch ? this.queue.length : 1);
      this.logger?.error({ err: error, appends: batch.length }, 'event store write failed; batch rolled back');
      this.counts.appends += batch.length;
      for (const append of batch) append.reject(error);
      return;
    }
    this.counts.appends += batch.length;
    this.counts.commits++;
    for (const [index, append] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome instanceof ConcurrencyError) append.reject(outcome);
      else append.resolve(outcome);
    }
  }

  /**
   * Checks and writes one append inside the batch's transaction. `versions` carries the stream
   * versions earlier appends of the batch reached. The append is one INSERT, so it is atomic on
   * its own: a conflict leaves nothing of it and the rest of the batch goes on; any other SQLite
   * error fails the whole batch.
   */
  private async applyOne(append: QueuedAppend, versions: Map<string, number>): Promise<AppendResult | ConcurrencyError> {
    const { streamId, expectedVersion, count } = append;
    const version = versions.get(streamId) ?? (await this.writerStreamVersion(streamId));
    if (expectedVersion !== 'any' && expectedVersion !== version) {
      return new ConcurrencyError(streamId, expectedVersion, version);
    }
    let positions: number[] = [];
    if (count > 0) {
      try {
        const rows = await all<{ global_position: number }>(await this.writeStatement(INSERT), [
          streamId,
          version + 1,
          new Date().toISOString(),
          append.events,
        ]);
        positions = rows.map((row) => row.global_position).sort((a, b) => a - b);
      } catch (error) {
        // Only reachable when a writer outside this protocol got in; the constraint still holds.
        if (!isUniqueViolation(error)) throw error;
        const actual = await this.writerStreamVersion(streamId);
        return new ConcurrencyError(streamId, expectedVersion === 'any' ? version : expectedVersion, actual);
      }
    }
    versions.set(streamId, version + count);
    return { next_expected_version: version + count, positions };
  }

  private async writerStreamVersion(streamId: string): Promise<number> {
    const [row] = await all<{ value: number }>(await this.writeStatement(STREAM_VERSION), [streamId]);
    return row!.value;
  }

  private writeStatement(sql: string): Promise<sqlite3.Statement> {
    return this.statement(this.writer, `writer:${sql}`, sql);
  }

  private async read<T>(sql: string, params: unknown[]): Promise<T[]> {
    if (this.closing) return rejectClosed();
    return all<T>(await this.statement(this.reader, `reader:${sql}`, sql), params);
  }

  /** Prepares `sql` once per connection; the handful of read shapes (filters or not) are reused. */
  private statement(db: sqlite3.Database, key: string, sql: string): Promise<sqlite3.Statement> {
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = prepare(db, sql);
      this.statements.set(key, statement);
    }
    return statement;
  }
}

/** `IN` over a JSON array bound as one parameter, so a list of any length fits one statement. */
const IN_JSON = '(SELECT value FROM json_each(?))';

function jsonList(values: readonly string[] | undefined): string[] {
  return values === undefined ? [] : [JSON.stringify(values)];
}

function toStoredEvent(row: StoredRow): StoredEvent {
  return {
    global_position: row.global_position,
    stream_id: row.stream_id,
    stream_version: row.stream_version,
    event_type: row.event_type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    created_at: row.created_at,
  };
}

function rejectClosed(): Promise<never> {
  return Promise.reject(new ServiceUnavailableError('event store is closed'));
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && error.message.includes('UNIQUE constraint failed');
}

/** Creates the schema in a new file, under the write lock so two processes opening it agree. */
async function migrate(db: sqlite3.Database, file: string): Promise<void> {
  await exec(db, 'BEGIN IMMEDIATE');
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
    if (version < SCHEMA_VERSION) await exec(db, SCHEMA);
    await exec(db, 'COMMIT');
  } catch (error) {
    await exec(db, 'ROLLBACK').catch(() => undefined);
    throw error;
  }
}

// ---- sqlite3's callback API as promises ------------------------------------------------------

function openDatabase(file: string, mode: number, busyTimeoutMs: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (error) => {
      if (error) return reject(error);
      db.configure('busyTimeout', busyTimeoutMs);
      resolve(db);
    });
  });
}

function closeDatabase(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

function prepare(db: sqlite3.Database, sql: string): Promise<sqlite3.Statement> {
  return new Promise((resolve, reject) => {
    const statement = db.prepare(sql, (error) => (error ? reject(error) : resolve(statement)));
  });
}

/** Always `all` (never `get`): it steps to the end, so no statement keeps a read snapshot open. */
function all<T>(statement: sqlite3.Statement, params: unknown[]): Promise<T[]> {
  return new Promise((resolve, reject) => {
    statement.all<T>(params, (error, rows) => (error ? reject(error) : resolve(rows)));
  });
}

function finalize(statement: sqlite3.Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}
