// Retention benchmark: builds a 1,000,000-event SQLite store (bulk insert: 90% of it tool
// invocations 60 days old, the rest recent or registry events), reports its file size, then
// prunes `tool_invocations: 30d` (most of the store) while 10 callers keep appending, and reports
// the prune's time and the append throughput and worst latency during it, against the same
// appenders without a prune. Uses the compiled core (`npm run build` first). Files go to the OS
// temp dir and are removed. Not in the default run: `node bench/retention.mjs [events] [batch]`.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sqlite3 from 'sqlite3';
import { createEvent, EventSerializer } from '../core/dist/index.js';
import { SqliteEventStore } from '../core/dist/events/store/SqliteEventStore.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 5000);
const STREAMS = 20;
const CALLERS = 10;
const BASELINE_MS = 5000;
const DAY = 86_400_000;
const INVOCATIONS = ['ToolInvocationRequested', 'ToolInvocationCompleted', 'ToolInvocationFailed'];
const serializer = new EventSerializer();

const run = (db, sql) => new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
const get = (db, sql) => new Promise((resolve, reject) => db.get(sql, (error, row) => (error ? reject(error) : resolve(row))));
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Test data, fast: one INSERT … SELECT over a recursive counter, in one transaction. */
async function bulkInsert(file) {
  const db = await new Promise((resolve, reject) => {
    const opened = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(opened)));
  });
  const old = new Date(Date.now() - 60 * DAY).toISOString();
  const recent = new Date(Date.now() - DAY).toISOString();
  const oldCount = Math.floor(TOTAL * 0.9);
  await run(db, 'PRAGMA synchronous = OFF');
  await run(
    db,
    `BEGIN;
     WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${TOTAL - 1})
     INSERT INTO events (global_position, stream_id, stream_version, event_type, data, metadata, created_at)
     SELECT i + 1, 'mcp_server:s' || (i % ${STREAMS}), i / ${STREAMS},
       CASE WHEN i % 1000 = 0 THEN 'McpServerStarted' WHEN i % 2 = 0 THEN 'ToolInvocationRequested' ELSE 'ToolInvocationCompleted' END,
       json_object('_version', 1, 'tool', 'add', 'correlation_id', 'c-' || i, 'duration_ms', 3.2, 'result_size_bytes', 42),
       json_object('event_id', 'e-' || i, 'timestamp', '${old}', 'mcp_server_id', 's' || (i % ${STREAMS})),
       CASE WHEN i < ${oldCount} THEN '${old}' ELSE '${recent}' END
     FROM n;
     COMMIT;
     PRAGMA wal_checkpoint(TRUNCATE);`,
  );
  const counts = await get(
    db,
    `SELECT COUNT(*) AS total, SUM(created_at < '${recent}' AND event_type IN ('ToolInvocationRequested', 'ToolInvocationCompleted')) AS old FROM events`,
  );
  await new Promise((resolve) => db.close(resolve));
  return counts;
}

/** `CALLERS` loops of awaited appends until `stop()`: appends, appends/s, worst latency. */
function appendLoad(store) {
  let stopped = false;
  let appends = 0;
  let worst = 0;
  const started = performance.now();
  const callers = Array.from({ length: CALLERS }, async (_, caller) => {
    for (let n = 0; !stopped; n++) {
      const event = createEvent(
        'ToolInvocationCompleted',
        { tool: 'add', correlation_id: `live-${caller}-${n}`, duration_ms: 1 },
        { mcpServerId: `s${caller}` },
      );
      const before = performance.now();
      await store.append(`mcp_server:s${caller}`, [serializer.serialize(event)], 'any');
      worst = Math.max(worst, performance.now() - before);
      appends++;
    }
  });
  return async () => {
    stopped = true;
    await Promise.all(callers);
    const seconds = (performance.now() - started) / 1000;
    return { appends, perSecond: Math.round(appends / seconds), worstMs: Math.round(worst) };
  };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-retention-'));
try {
  const file = path.join(dir, 'events.db');
  await (await SqliteEventStore.open(file)).close();
  let started = performance.now();
  const counts = await bulkInsert(file);
  const insertS = ((performance.now() - started) / 1000).toFixed(1);
  const sizeBefore = (await stat(file)).size;

  const store = await SqliteEventStore.open(file);
  const versionsBefore = await Promise.all(Array.from({ length: STREAMS }, (_, s) => store.streamVersion(`mcp_server:s${s}`)));
  const baselineStop = appendLoad(store);
  await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
  const baseline = await baselineStop();

  const duringStop = appendLoad(store);
  started = performance.now();
  const result = await store.prune([{ eventTypes: INVOCATIONS, before: new Date(Date.now() - 30 * DAY) }], {
    batchSize: BATCH,
  });
  const pruneS = (performance.now() - started) / 1000;
  const during = await duringStop();
  const versionsAfter = await Promise.all(Array.from({ length: STREAMS }, (_, s) => store.streamVersion(`mcp_server:s${s}`)));
  const monotonic = versionsAfter.every((version, s) => version >= versionsBefore[s]);
  const remaining = await store.lastPosition();
  await store.close();
  const sizeAfter = (await stat(file)).size;

  console.log(`## Retention (${TOTAL.toLocaleString('en')} events, SQLite)

| what | value |
|---|---|
| bulk insert (test data, synchronous=OFF) | ${insertS} s |
| file size before the prune | ${mib(sizeBefore)} |
| old tool invocations (to delete) | ${counts.old.toLocaleString('en')} of ${counts.total.toLocaleString('en')} |
| prune: deleted | ${result.deleted.toLocaleString('en')} in ${pruneS.toFixed(1)} s (${Math.round(result.deleted / pruneS).toLocaleString('en')} events/s, batches of ${BATCH.toLocaleString('en')}) |
| appends/s, ${CALLERS} callers, no prune (${BASELINE_MS / 1000} s) | ${baseline.perSecond} (worst ${baseline.worstMs} ms) |
| appends/s, ${CALLERS} callers, during the prune | ${during.perSecond} (worst ${during.worstMs} ms; ${during.appends} appends) |
| file size after (space is reused, not returned) | ${mib(sizeAfter)} |
| stream versions monotonic across the prune | ${monotonic ? 'yes' : 'NO'} |
| last position after | ${remaining.toLocaleString('en')} |
`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
