import type sqlite3 from 'sqlite3';
import { ConcurrencyError, InternalServerError } from '../../errors.js';
import type { AppendResult, ExpectedVersion } from './EventStore.js';
import { sqlite } from './sqlite3Promises.js';

/** One append waiting for the writer, serialized at call time so later mutation cannot leak in. */
export interface QueuedAppend {
  readonly streamId: string;
  /** `JSON.stringify(streamId)`, ready to go into the batch's rows. */
  readonly streamJson: string;
  readonly expectedVersion: ExpectedVersion;
  /** Each event as the tail of its row: `"event_type","data JSON","metadata JSON"]`. */
  readonly events: readonly string[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** What became of one append of a batch. */
export type AppendOutcome = AppendResult | ConcurrencyError;

/** Write counters: how often the writer went to SQLite and how many transactions committed. */
export interface WriterCounts {
  /** Transactions that wrote events (each one fsync). */
  commits: number;
  /** Statements run on the writer connection, each a round trip to node-sqlite3's thread pool. */
  statements: number;
}

/**
 * One statement writes a whole batch: every row of every append that passed its version check,
 * `[stream_id, stream_version, event_type, data, metadata]` in one JSON array. It inserts nothing
 * unless the connection's `data_version` is still the one the cached versions were read at (it
 * changes exactly when another connection commits), so outside a transaction it is a
 * compare-and-swap on "nobody else wrote". The events table has no trigger and rowids are
 * `max + 1`, so the rows get consecutive positions ending at `lastID`, in array order.
 */
const INSERT = `
  INSERT INTO events (stream_id, stream_version, event_type, data, metadata, created_at)
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ?2 FROM json_each(?1)
  WHERE (SELECT data_version FROM pragma_data_version) = ?3
  ORDER BY key`;

/** The versions of a list of streams and the `data_version` they were read at, in one snapshot. */
const PROBE = `
  SELECT stream.value AS stream_id,
    (SELECT COALESCE(MAX(stream_version), -1) FROM events WHERE stream_id = stream.value) AS version,
    (SELECT data_version FROM pragma_data_version) AS data_version
  FROM json_each(?) AS stream`;

/** Beyond this many cached streams the cache starts over (it is only a shortcut). */
const MAX_CACHED_STREAMS = 100_000;

/** The writer connection's statements, prepared once. */
export interface WriterStatements {
  readonly begin: sqlite3.Statement;
  readonly commit: sqlite3.Statement;
  readonly rollback: sqlite3.Statement;
  readonly insert: sqlite3.Statement;
  readonly probe: sqlite3.Statement;
}

/** Prepares the writer's statements on `db` (after the schema exists). */
export async function prepareWriterStatements(db: sqlite3.Database): Promise<WriterStatements> {
  const prepared = await Promise.allSettled(
    ['BEGIN IMMEDIATE', 'COMMIT', 'ROLLBACK', INSERT, PROBE].map((sql) => sqlite.prepare(db, sql)),
  );
  const statements = prepared.flatMap((settled) => (settled.status === 'fulfilled' ? [settled.value] : []));
  const failed = prepared.find((settled) => settled.status === 'rejected');
  if (failed) {
    // Unfinalized statements would keep the connection from closing.
    await Promise.all(statements.map((statement) => sqlite.finalize(statement)));
    throw failed.reason;
  }
  const [begin, commit, rollback, insert, probe] = statements as [sqlite3.Statement, ...sqlite3.Statement[]];
  return { begin, commit: commit!, rollback: rollback!, insert: insert!, probe: probe! };
}

/** How a batch lays out against the stream versions it was checked with. */
interface Plan {
  /** Per append: its conflict, or where its rows are in `rows`. */
  readonly steps: readonly (ConcurrencyError | { readonly next: number; readonly offset: number; readonly count: number })[];
  readonly rows: readonly string[];
  /** The versions the batch leaves its streams at. */
  readonly versions: ReadonlyMap<string, number>;
}

/**
 * Writes batches of appends for `SqliteEventStore`, one at a time, in as few statements as it
 * can. It keeps every stream's version in memory (the store is normally the file's only writer)
 * together with the `data_version` they are valid at:
 *
 * - Usually a batch is ONE autocommit statement: the guarded multi-row INSERT. If another process
 *   committed since, it inserts nothing and the batch is redone under the write lock.
 * - A stream not cached yet costs one read first (the probe); so does a batch that writes no row
 *   (every append conflicted or was empty), to check its conflicts against the file.
 * - Under the lock (`BEGIN IMMEDIATE`) the batch is probed, planned and inserted, then committed.
 *   A UNIQUE violation there (a writer outside this protocol) falls back to one INSERT per append,
 *   so only the append that collided fails.
 *
 * Each append is checked on its own: a version mismatch rejects only that append; any other error
 * fails the whole batch, which leaves nothing, and the cache is dropped.
 */
export class SqliteBatchWriter {
  readonly counts: WriterCounts = { commits: 0, statements: 0 };
  /** Stream versions, valid while the file's `data_version` is `dataVersion`. */
  private readonly versions = new Map<string, number>();
  private dataVersion: number | undefined;

  constructor(private readonly statements: WriterStatements) {}

  /** Writes `batch`; one outcome per append, in order. Rejects when none of it was written. */
  async write(batch: readonly QueuedAppend[]): Promise<AppendOutcome[]> {
    try {
      return (await this.writeOptimistically(batch)) ?? (await this.writeLocked(batch));
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  /** Releases the statements (the store is closing; nothing is being written). */
  async finalize(): Promise<void> {
    const { begin, commit, rollback, insert, probe } = this.statements;
    for (const statement of [begin, commit, rollback, insert, probe]) await sqlite.finalize(statement);
  }

  /** The batch without taking the write lock first; undefined when another writer got in between. */
  private async writeOptimistically(batch: readonly QueuedAppend[]): Promise<AppendOutcome[] | undefined> {
    let probed = false;
    if (this.dataVersion === undefined || batch.some((append) => !this.versions.has(append.streamId))) {
      await this.probe(batch);
      probed = true;
    }
    for (;;) {
      const plan = planBatch(batch, this.versions);
      if (plan.rows.length === 0) {
        // Nothing to write: the outcomes are only as good as the versions, so read them unless fresh.
        if (probed) return outcomesOf(plan, 0);
        await this.probe(batch);
        probed = true;
        continue;
      }
      let written: { lastID: number; changes: number };
      try {
        written = await this.insert(plan, this.dataVersion!);
      } catch (error) {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      }
      if (written.changes === 0) return undefined;
      this.counts.commits++;
      this.remember(plan);
      return outcomesOf(plan, written.lastID - written.changes + 1);
    }
  }

  /** The batch under the write lock, with versions read under it. */
  private async writeLocked(batch: readonly QueuedAppend[]): Promise<AppendOutcome[]> {
    this.forget();
    await this.run(this.statements.begin);
    try {
      await this.probe(batch);
      const plan = planBatch(batch, this.versions);
      let outcomes: AppendOutcome[];
      let exact = true;
      if (plan.rows.length === 0) outcomes = outcomesOf(plan, 0);
      else {
        try {
          const written = await this.insert(plan, this.dataVersion!);
          if (written.changes !== plan.rows.length) {
            throw new InternalServerError(`event store wrote ${written.changes} of ${plan.rows.length} events`);
          }
          outcomes = outcomesOf(plan, written.lastID - written.changes + 1);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          outcomes = await this.writeOneByOne(batch);
          exact = false;
        }
      }
      await this.run(this.statements.commit);
      if (plan.rows.length > 0) this.counts.commits++;
      if (exact) this.remember(plan);
      else this.forget();
      return outcomes;
    } catch (error) {
      await this.run(this.statements.rollback).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Inside the locked transaction, after the batch's INSERT hit a row it did not expect: one
   * INSERT per append (each atomic on its own), so the collision fails only its append.
   */
  private async writeOneByOne(batch: readonly QueuedAppend[]): Promise<AppendOutcome[]> {
    const versions = new Map<string, number>();
    const outcomes: AppendOutcome[] = [];
    for (const append of batch) {
      const version = versions.get(append.streamId) ?? (await this.readVersion(append.streamId));
      const plan = planBatch([append], new Map([[append.streamId, version]]));
      if (plan.rows.length === 0) {
        outcomes.push(...outcomesOf(plan, 0));
        continue;
      }
      try {
        const written = await this.insert(plan, this.dataVersion!);
        outcomes.push(...outcomesOf(plan, written.lastID - written.changes + 1));
        versions.set(append.streamId, plan.versions.get(append.streamId)!);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const expected = append.expectedVersion === 'any' ? version : append.expectedVersion;
        outcomes.push(new ConcurrencyError(append.streamId, expected, await this.readVersion(append.streamId)));
      }
    }
    return outcomes;
  }

  private insert(plan: Plan, dataVersion: number): Promise<{ lastID: number; changes: number }> {
    return this.run(this.statements.insert, [`[${plan.rows.join(',')}]`, new Date().toISOString(), dataVersion]);
  }

  /** Reads the versions of the batch's streams; another writer's commit empties the cache first. */
  private async probe(batch: readonly QueuedAppend[]): Promise<void> {
    const streams = [...new Set(batch.map((append) => append.streamId))];
    const rows = await this.read(streams);
    const dataVersion = rows[0]!.data_version;
    if (dataVersion !== this.dataVersion || this.versions.size > MAX_CACHED_STREAMS) this.versions.clear();
    this.dataVersion = dataVersion;
    for (const row of rows) this.versions.set(row.stream_id, row.version);
  }

  private async readVersion(streamId: string): Promise<number> {
    const [row] = await this.read([streamId]);
    return row!.version;
  }

  private read(streams: readonly string[]) {
    this.counts.statements++;
    return sqlite.all<{ stream_id: string; version: number; data_version: number }>(this.statements.probe, [
      JSON.stringify(streams),
    ]);
  }

  private run(statement: sqlite3.Statement, params?: unknown[]) {
    this.counts.statements++;
    return sqlite.run(statement, params);
  }

  /** The batch committed: its streams' versions are known. */
  private remember(plan: Plan): void {
    for (const [stream, version] of plan.versions) this.versions.set(stream, version);
  }

  /** After a rollback or a failure: nothing cached is trusted; the next batch reads again. */
  private forget(): void {
    this.versions.clear();
    this.dataVersion = undefined;
  }
}

/** Checks each append against `known` and the appends before it, and lays out the rows to write. */
function planBatch(batch: readonly QueuedAppend[], known: ReadonlyMap<string, number>): Plan {
  const versions = new Map<string, number>();
  const rows: string[] = [];
  const steps: Plan['steps'][number][] = [];
  for (const { streamId, streamJson, expectedVersion, events } of batch) {
    const version = versions.get(streamId) ?? known.get(streamId);
    if (version === undefined) throw new InternalServerError(`event store: no version read for stream '${streamId}'`);
    if (expectedVersion !== 'any' && expectedVersion !== version) {
      steps.push(new ConcurrencyError(streamId, expectedVersion, version));
      continue;
    }
    steps.push({ next: version + events.length, offset: rows.length, count: events.length });
    for (const [index, event] of events.entries()) rows.push(`[${streamJson},${version + 1 + index},${event}`);
    versions.set(streamId, version + events.length);
  }
  return { steps, rows, versions };
}

/** The outcomes once the plan's rows were written at positions `first`, `first + 1`, …. */
function outcomesOf(plan: Plan, first: number): AppendOutcome[] {
  return plan.steps.map((step) =>
    step instanceof ConcurrencyError
      ? step
      : {
          next_expected_version: step.next,
          positions: Array.from({ length: step.count }, (_, index) => first + step.offset + index),
        },
  );
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && error.message.includes('UNIQUE constraint failed');
}
