import sqlite3 from 'sqlite3';
import { DEFAULT_PRUNE_BATCH, type PruneOptions, type PruneResult, type PruneRule } from './EventStore.js';
import { sqlite } from './sqlite3Promises.js';

/** The retention watermark's row in `event_store_meta`. */
export const PRUNED_THROUGH_KEY = 'pruned_through';

/** The watermark as one read: 0 before the first prune. */
export const PRUNED_THROUGH = `SELECT COALESCE((SELECT value FROM event_store_meta WHERE key = '${PRUNED_THROUGH_KEY}'), 0) AS value`;

/**
 * The next candidates of one type after a position, oldest first, with whether each is a head (the
 * newest event of its stream, or of the store) that retention must keep: stream versions are
 * `MAX(stream_version)` and new positions `MAX(global_position) + 1`, so heads keep both monotonic.
 * A row that is not a head now never becomes one again, so this read needs no lock.
 */
const CANDIDATES = `
  SELECT global_position AS position, created_at,
    (global_position = (SELECT MAX(global_position) FROM events)
      OR stream_version = (SELECT MAX(stream_version) FROM events AS head WHERE head.stream_id = events.stream_id)) AS head
  FROM events WHERE event_type = ?1 AND global_position > ?2 ORDER BY global_position LIMIT ?3`;

/** Deletes one batch: the same conditions as `CANDIDATES`, over the batch's position range. */
const DELETE = `
  DELETE FROM events WHERE event_type = ?1 AND global_position BETWEEN ?2 AND ?3 AND created_at < ?4
    AND global_position < (SELECT MAX(global_position) FROM events)
    AND stream_version < (SELECT MAX(stream_version) FROM events AS head WHERE head.stream_id = events.stream_id)`;

const RAISE_WATERMARK = `
  INSERT INTO event_store_meta (key, value) VALUES ('${PRUNED_THROUGH_KEY}', ?1)
  ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)`;

interface Candidate {
  readonly position: number;
  readonly created_at: string;
  readonly head: number;
}

/**
 * Retention for `SqliteEventStore`, on a connection of its own: each batch (at most `batchSize`
 * rows of one type, found through the `events_by_type` index) is deleted in one short
 * transaction that also raises the `pruned_through` watermark, and the event loop gets a turn
 * between batches. The store's writer sees each commit as another writer's (`data_version`) and
 * re-reads the versions of the streams it appends to under the lock, which are unchanged: heads
 * are never deleted.
 */
export async function pruneSqliteFile(
  file: string,
  busyTimeoutMs: number,
  rules: readonly PruneRule[],
  options: PruneOptions = {},
): Promise<PruneResult> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_PRUNE_BATCH);
  const db = await sqlite.open(file, sqlite3.OPEN_READWRITE, busyTimeoutMs);
  const statements: sqlite3.Statement[] = [];
  const prepare = async (sql: string) => {
    const statement = await sqlite.prepare(db, sql);
    statements.push(statement);
    return statement;
  };
  try {
    const candidates = await prepare(CANDIDATES);
    const remove = await prepare(DELETE);
    const raise = await prepare(RAISE_WATERMARK);
    const [begin, commit, rollback] = [await prepare('BEGIN IMMEDIATE'), await prepare('COMMIT'), await prepare('ROLLBACK')];
    const watermark = await prepare(PRUNED_THROUGH);
    let deleted = 0;
    for (const rule of rules) {
      const before = rule.before.toISOString();
      for (const type of new Set(rule.eventTypes)) {
        if (options.signal?.aborted) break;
        for (let after = 0; ;) {
          const rows = await sqlite.all<Candidate>(candidates, [type, after, batchSize]);
          const old = rows.findIndex((row) => row.created_at >= before);
          const expired = old === -1 ? rows : rows.slice(0, old);
          const doomed = expired.filter((row) => !row.head);
          if (doomed.length > 0) {
            const first = doomed[0]!.position;
            const last = doomed.at(-1)!.position;
            await sqlite.run(begin);
            try {
              deleted += (await sqlite.run(remove, [type, first, last, before])).changes;
              await sqlite.run(raise, [last]);
              await sqlite.run(commit);
            } catch (error) {
              await sqlite.run(rollback).catch(() => undefined);
              throw error;
            }
          }
          if (expired.length < batchSize || options.signal?.aborted) break;
          after = expired.at(-1)!.position;
          // Appends queued meanwhile get the write lock before the next batch.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
    const [row] = await sqlite.all<{ value: number }>(watermark, []);
    return { deleted, pruned_through: row!.value };
  } finally {
    for (const statement of statements) await sqlite.finalize(statement);
    await sqlite.close(db);
  }
}
