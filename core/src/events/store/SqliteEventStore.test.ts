import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import sqlite3 from 'sqlite3';
import { ConcurrencyError } from '../../errors.js';
import type { EventToAppend } from './EventStore.js';
import { eventStoreContract } from '../../testing/index.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from './SqliteEventStore.js';

async function tempFile(): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-events-'));
  return { file: path.join(dir, 'events.db'), remove: () => rm(dir, { recursive: true, force: true }) };
}

eventStoreContract(test, 'sqlite', async () => {
  const { file, remove } = await tempFile();
  const store = await SqliteEventStore.open(file);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await remove();
    },
  };
});

/** A store on a fresh temp file, closed and removed when the test ends. */
async function openStore(t: ExecutionContext, options?: SqliteEventStoreOptions) {
  const { file, remove } = await tempFile();
  const store = await SqliteEventStore.open(file, options);
  t.teardown(async () => {
    await store.close();
    await remove();
  });
  return { store, file };
}

/** A plain sqlite3 connection to `file`, for looking at (or tampering with) it from outside. */
async function rawSql(t: ExecutionContext, file: string) {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(opened)));
  });
  t.teardown(() => new Promise<void>((resolve) => db.close(() => resolve())));
  return {
    get: <T>(sql: string) =>
      new Promise<T>((resolve, reject) => db.get<T>(sql, (error, row) => (error ? reject(error) : resolve(row)))),
    exec: (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve()))),
  };
}

const one = (type = 'Happened', data: Record<string, unknown> = {}): EventToAppend[] => [
  { event_type: type, data, metadata: {} },
];

test('reopening the file keeps every event; positions and versions continue', async (t) => {
  const { file, remove } = await tempFile();
  t.teardown(remove);
  const first = await SqliteEventStore.open(file);
  await first.append('s', [...one('A', { n: 1 }), ...one('B', { n: 2 })], -1);
  await first.append('other', one('C'), -1);
  await first.close();
  t.deepEqual(await readdir(path.dirname(file)), ['events.db'], 'closing checkpointed and removed the WAL');

  const second = await SqliteEventStore.open(file);
  t.teardown(() => second.close());
  t.deepEqual(
    (await second.readAll()).map((e) => [e.global_position, e.stream_id, e.stream_version, e.event_type, e.data]),
    [
      [1, 's', 0, 'A', { n: 1 }],
      [2, 's', 1, 'B', { n: 2 }],
      [3, 'other', 0, 'C', {}],
    ],
  );
  t.deepEqual(await second.append('s', one(), 1), { next_expected_version: 2, positions: [4] });
});

test('opening creates the parent directories', async (t) => {
  const { file, remove } = await tempFile();
  t.teardown(remove);
  const store = await SqliteEventStore.open(path.join(path.dirname(file), 'a', 'b', 'events.db'));
  t.teardown(() => store.close());
  t.is(store.driver, 'sqlite');
  t.is(await store.lastPosition(), 0);
});

test('the file is in WAL mode with the events schema at user_version 2', async (t) => {
  const { store, file } = await openStore(t);
  await store.append('s', one(), -1);
  const raw = await rawSql(t, file);
  t.is((await raw.get<{ journal_mode: string }>('PRAGMA journal_mode')).journal_mode, 'wal');
  t.is((await raw.get<{ user_version: number }>('PRAGMA user_version')).user_version, 2);
  const { sql } = await raw.get<{ sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 'events'");
  t.regex(sql, /global_position INTEGER PRIMARY KEY/);
  t.regex(sql, /UNIQUE \(stream_id, stream_version\)/);
});

test('a file written by a newer schema version is refused', async (t) => {
  const { store, file } = await openStore(t);
  await store.close();
  await (await rawSql(t, file)).exec('PRAGMA user_version = 99');
  await t.throwsAsync(SqliteEventStore.open(file), { message: /schema version 99/ });
});

test('a burst of appends shares commits; batch: false commits each append', async (t) => {
  for (const batch of [true, false]) {
    const { store } = await openStore(t, { batch });
    await Promise.all(Array.from({ length: 100 }, (_, n) => store.append(`s${n % 7}`, one('Burst', { n }), 'any')));
    t.is(store.stats.appends, 100);
    if (batch) t.true(store.stats.commits < store.stats.appends, `${store.stats.commits} commits`);
    else t.is(store.stats.commits, 100);
    t.is(await store.lastPosition(), 100);
  }
});

test('in a batch, a mismatching append fails alone and the others commit', async (t) => {
  const { store } = await openStore(t);
  await store.append('s', one(), -1);
  const before = store.stats;

  const [ok1, stale, ok2] = await Promise.allSettled([
    store.append('s', one('First'), 0),
    store.append('s', [...one('Stale'), ...one('Stale')], 0),
    store.append('t', one('Other'), -1),
  ]);
  t.is(store.stats.appends - before.appends, 3);
  t.is(store.stats.commits - before.commits, 1, 'the three appends shared one transaction');
  t.like(ok1, { status: 'fulfilled', value: { next_expected_version: 1 } });
  t.like(ok2, { status: 'fulfilled', value: { next_expected_version: 0 } });
  t.is(stale.status, 'rejected');
  t.like((stale as PromiseRejectedResult).reason, { stream_id: 's', expected_version: 0, actual_version: 1 });
  t.deepEqual(
    (await store.readAll()).map((e) => e.event_type),
    ['Happened', 'First', 'Other'],
  );
});

test('an unexpected SQLite error rolls the whole batch back and rejects each append in it', async (t) => {
  const { store, file } = await openStore(t);
  await (
    await rawSql(t, file)
  ).exec(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.event_type = 'Boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`);

  const outcomes = await Promise.allSettled([
    store.append('a', one(), -1),
    store.append('b', one('Boom'), -1),
    store.append('c', one(), -1),
  ]);
  for (const outcome of outcomes) {
    t.is(outcome.status, 'rejected');
    t.regex(String((outcome as PromiseRejectedResult).reason), /boom/);
  }
  t.is(await store.lastPosition(), 0);
  t.deepEqual(await store.append('a', one(), -1), { next_expected_version: 0, positions: [1] });
});

test('a UNIQUE violation the version check did not see is a ConcurrencyError for that append alone', async (t) => {
  const { store, file } = await openStore(t);
  // Stands in for a writer that bypasses the version check: it takes the row's version first.
  await (
    await rawSql(t, file)
  ).exec(`CREATE TRIGGER squat BEFORE INSERT ON events WHEN NEW.event_type = 'Contested' BEGIN
      INSERT INTO events (stream_id, stream_version, event_type, data, metadata, created_at)
      VALUES (NEW.stream_id, NEW.stream_version, 'Squatter', '{}', '{}', NEW.created_at);
    END`);

  const [contested, other] = await Promise.allSettled([store.append('s', one('Contested'), -1), store.append('t', one(), -1)]);
  t.true(contested.status === 'rejected' && contested.reason instanceof ConcurrencyError);
  t.is(other.status, 'fulfilled');
  t.deepEqual(
    (await store.readAll()).map((e) => `${e.stream_id}:${e.event_type}`),
    ['t:Happened'],
  );
});

test('two stores on one file: of two appends expecting the same version, exactly one wins', async (t) => {
  const { store: first, file } = await openStore(t);
  const second = await SqliteEventStore.open(file);
  t.teardown(() => second.close());
  for (let version = -1; version < 10; version++) {
    const outcomes = await Promise.allSettled([first.append('s', one('One'), version), second.append('s', one('Two'), version)]);
    t.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    t.true(outcomes.some((o) => o.status === 'rejected' && o.reason instanceof ConcurrencyError));
  }
  t.deepEqual(
    (await second.readStream('s')).map((e) => e.stream_version),
    Array.from({ length: 11 }, (_, n) => n),
  );
});

test('reads on the read connection see every append once it has resolved', async (t) => {
  const { store } = await openStore(t);
  for (let n = 0; n < 20; n++) {
    await store.append('s', one('Step', { n }), n - 1);
    t.is(await store.streamVersion('s'), n);
    t.is((await store.readAll(n + 1, 1))[0]?.data.n, n);
  }
});

test('once its streams are known, a batch is one statement; a new stream costs one read first', async (t) => {
  const { store } = await openStore(t);
  await store.append('s', one(), -1);
  t.like(store.stats, { commits: 1, statements: 2 }, 'the new stream was read, then written');

  await store.append('s', one(), 0);
  t.like(store.stats, { commits: 2, statements: 3 });

  await Promise.all(Array.from({ length: 50 }, (_, n) => store.append('s', one('Burst', { n }), 'any')));
  t.like(store.stats, { appends: 52, commits: 3, statements: 4 }, 'a burst on a known stream: one statement');
  t.is(await store.streamVersion('s'), 51);
});

test('a batch that writes nothing still checks its conflicts against the file', async (t) => {
  const { store } = await openStore(t);
  await store.append('s', one(), -1);
  const before = store.stats;
  const error = await t.throwsAsync(store.append('s', one(), 5), { instanceOf: ConcurrencyError });
  t.like(error, { expected_version: 5, actual_version: 0 });
  t.deepEqual(await store.append('s', [], 0), { next_expected_version: 0, positions: [] });
  t.like(store.stats, { commits: before.commits, statements: before.statements + 2 }, 'one read each, no commit');
});

test('another writer on the file: its appends are seen, whatever this store had cached', async (t) => {
  const { store: mine, file } = await openStore(t);
  const other = await SqliteEventStore.open(file);
  t.teardown(() => other.close());
  await mine.append('s', one('Mine'), -1);
  await mine.append('t', one('Mine'), -1);

  // The cache says s is at 0; the other writer moved it to 1.
  await other.append('s', one('Other'), 0);
  const stale = await t.throwsAsync(mine.append('s', one('Mine'), 0), { instanceOf: ConcurrencyError });
  t.like(stale, { stream_id: 's', expected_version: 0, actual_version: 1 });
  t.deepEqual(await mine.append('s', one('Mine'), 1), { next_expected_version: 2, positions: [4] });

  // The cache says s is at 2 and would refuse 3; the other writer made 3 right.
  await other.append('s', one('Other'), 2);
  t.deepEqual(await mine.append('s', one('Mine'), 3), { next_expected_version: 4, positions: [6] });
  await other.append('s', one('Other'), 'any');
  t.deepEqual(await mine.append('s', [], 5), { next_expected_version: 5, positions: [] });

  const third = await SqliteEventStore.open(file);
  t.teardown(() => third.close());
  t.deepEqual(
    (await third.readStream('s')).map((e) => `${e.stream_version}:${e.event_type}`),
    ['0:Mine', '1:Other', '2:Mine', '3:Other', '4:Mine', '5:Other'],
  );
});

test('another writer committed: a batch of cached streams is checked against the file, append by append', async (t) => {
  const { store: mine, file } = await openStore(t);
  const other = await SqliteEventStore.open(file);
  t.teardown(() => other.close());
  await Promise.all([mine.append('s', one('Mine'), -1), mine.append('t', one('Mine'), -1)]);

  await other.append('t', one('Other'), 0);
  const outcomes = await Promise.allSettled([
    // The cache says t is at 0, so it alone would refuse this append and let the others through.
    mine.append('t', one('Mine'), 1),
    mine.append('t', one('Mine'), 1),
    mine.append('s', one('Mine'), 'any'),
  ]);
  t.like(outcomes[0], { status: 'fulfilled', value: { next_expected_version: 2, positions: [4] } });
  t.like(outcomes[1], { status: 'rejected', reason: { stream_id: 't', expected_version: 1, actual_version: 2 } });
  t.like(outcomes[2], { status: 'fulfilled', value: { next_expected_version: 1, positions: [5] } });
  t.deepEqual(
    (await mine.readAll()).map((e) => `${e.global_position}:${e.stream_id}${e.stream_version}:${e.event_type}`),
    ['1:s0:Mine', '2:t0:Mine', '3:t1:Other', '4:t2:Mine', '5:s1:Mine'],
  );
});

test('a rolled-back batch leaves no version cached: the next append sees the file as it is', async (t) => {
  const { store, file } = await openStore(t);
  const other = await SqliteEventStore.open(file);
  t.teardown(() => other.close());
  await (
    await rawSql(t, file)
  ).exec(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.event_type = 'Boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`);
  await store.append('s', one(), -1);

  // Twice: once on the one-statement path, once under the lock (another writer committed first).
  for (const [round, otherWrites] of [false, true].entries()) {
    if (otherWrites) await other.append('elsewhere', one(), 'any');
    const outcomes = await Promise.allSettled([store.append('s', one('Lost'), round), store.append('t', one('Boom'), 'any')]);
    t.true(outcomes.every((o) => o.status === 'rejected' && /boom/.test(String(o.reason))));
    const stale = await t.throwsAsync(store.append('s', one(), round + 1), { instanceOf: ConcurrencyError });
    t.like(stale, { expected_version: round + 1, actual_version: round }, 'the lost append did not move the stream');
    t.is((await store.append('s', one('Kept'), round)).next_expected_version, round + 1);
  }
  t.deepEqual(
    (await store.readStream('s')).map((e) => e.event_type),
    ['Happened', 'Kept', 'Kept'],
  );
});

test('a version 1 file is migrated: its events stay and it gets the retention watermark', async (t) => {
  const { file, remove } = await tempFile();
  t.teardown(remove);
  const first = await SqliteEventStore.open(file);
  await first.append('s', [...one('A'), ...one('B')], -1);
  await first.close();
  const raw = await rawSql(t, file);
  await raw.exec('DROP TABLE event_store_meta; PRAGMA user_version = 1');

  const again = await SqliteEventStore.open(file);
  t.teardown(() => again.close());
  t.is(await again.prunedThrough(), 0);
  t.is(await again.streamVersion('s'), 1);
  t.is((await raw.get<{ user_version: number }>('PRAGMA user_version')).user_version, 2);
});

test('prune deletes in batches while appends go on; versions and positions stay consistent', async (t) => {
  const { store, file } = await openStore(t);
  for (let round = 0; round < 20; round++) {
    await store.append(
      's',
      Array.from({ length: 50 }, () => one('Noise')[0]!),
      'any',
    );
    await store.append(`t${round}`, one('Noise'), 'any');
  }
  const before = new Date(Date.now() + 60_000);
  const pruning = store.prune([{ eventTypes: ['Noise'], before }], { batchSize: 7 });
  const appended = await Promise.all(Array.from({ length: 30 }, () => store.append('s', one('Kept'), 'any')));
  const result = await pruning;
  // Every stream keeps its newest event; 's' may have gained Kept events meanwhile.
  t.true(result.deleted >= 1000 - 1 - 20);
  t.is(await store.streamVersion('s'), 999 + 30);
  t.deepEqual(
    appended.map((a) => a.next_expected_version),
    Array.from({ length: 30 }, (_, n) => 1000 + n),
  );
  t.is((await store.append('s', one('After'), 1029)).next_expected_version, 1030);
  t.is(await store.streamVersion('t3'), 0);
  const raw = await rawSql(t, file);
  const { value } = await raw.get<{ value: number }>("SELECT value FROM event_store_meta WHERE key = 'pruned_through'");
  t.is(value, result.pruned_through);
});

test('another process sees the watermark and keeps appending after a prune', async (t) => {
  const { store, file } = await openStore(t);
  const other = await SqliteEventStore.open(file);
  t.teardown(() => other.close());
  await store.append('s', [...one('Noise'), ...one('Noise'), ...one('Noise')], -1);
  await other.append('s', one('Kept'), 2);
  const result = await store.prune([{ eventTypes: ['Noise'], before: new Date(Date.now() + 60_000) }]);
  t.deepEqual(result, { deleted: 3, pruned_through: 3 });
  t.is(await other.prunedThrough(), 3);
  t.is((await other.append('s', one('Kept'), 3)).positions[0], 5);
  t.is((await store.append('s', one('Kept'), 4)).positions[0], 6);
});

test('a prune whose signal is aborted stops before its next batch', async (t) => {
  const { store } = await openStore(t);
  await store.append(
    's',
    Array.from({ length: 30 }, () => one('Noise')[0]!),
    -1,
  );
  const abort = new AbortController();
  abort.abort();
  const result = await store.prune([{ eventTypes: ['Noise'], before: new Date(Date.now() + 60_000) }], {
    batchSize: 10,
    signal: abort.signal,
  });
  t.deepEqual(result, { deleted: 0, pruned_through: 0 });
  t.is(await store.countStream('s'), 30);
});
