// Event store benchmark: append throughput of the SQLite store with group commit (batch) and with
// one transaction per append, and the time to replay 100,000 events (readAll pages of 1000 +
// EventSerializer.deserialize). Besides events/s it reports what each append cost: commits (one
// fsync each), statements on the writer connection (one trip to node-sqlite3's thread pool each)
// and CPU time (process.cpuUsage: the main thread and the pool, user + system). Uses the compiled
// core (`npm run build` first). Files go to the OS temp dir: the numbers are only as good as that
// disk's fsync.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEvent, EventSerializer } from '../core/dist/index.js';
import { SqliteEventStore } from '../core/dist/events/store/SqliteEventStore.js';

const ROUNDS = 3;
const REPLAY_EVENTS = 100_000;
const PAGE = 1000;
const serializer = new EventSerializer();

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A tool call's completion, the event a busy Hangar writes most. */
function toolEvent(n) {
  const server = `s${n % 20}`;
  const event = createEvent(
    'ToolInvocationCompleted',
    { correlation_id: `c-${n}`, tool: 'add', duration_ms: 3.2, result_size_bytes: 42 },
    { mcpServerId: server },
  );
  return { stream: `mcp_server:${server}`, stored: serializer.serialize(event) };
}

const append = (store, n) => {
  const { stream, stored } = toolEvent(n);
  return store.append(stream, [stored], 'any');
};

/** How appends arrive: all at once, from a few concurrent callers, or one after another. */
const SCENARIOS = [
  {
    name: 'burst: 5,000 appends issued at once',
    count: 5000,
    run: (store) => Promise.all(Array.from({ length: 5000 }, (_, n) => append(store, n))),
  },
  {
    name: '10 callers × 200 awaited appends',
    count: 2000,
    run: (store) =>
      Promise.all(
        Array.from({ length: 10 }, async (_, caller) => {
          for (let i = 0; i < 200; i++) await append(store, caller * 200 + i);
        }),
      ),
  },
  {
    name: 'sequential: 1,000 awaited appends',
    count: 1000,
    run: async (store) => {
      for (let n = 0; n < 1000; n++) await append(store, n);
    },
  },
];

async function withStore(options, work) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-bench-events-'));
  const file = path.join(dir, 'events.db');
  const store = await SqliteEventStore.open(file, options);
  try {
    return await work(store, file);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function appendRound(scenario, batch) {
  return withStore({ batch }, async (store) => {
    const before = store.stats;
    const cpu = process.cpuUsage();
    const began = performance.now();
    await scenario.run(store);
    const seconds = (performance.now() - began) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const after = store.stats;
    return {
      perSecond: scenario.count / seconds,
      commits: after.commits - before.commits,
      statements: after.statements - before.statements,
      cpuUsPerEvent: (user + system) / scenario.count,
    };
  });
}

async function replayOnce(file) {
  const store = await SqliteEventStore.open(file);
  try {
    const began = performance.now();
    let replayed = 0;
    for (let from = 1; ;) {
      const page = await store.readAll(from, PAGE);
      for (const stored of page) serializer.deserialize(stored);
      replayed += page.length;
      if (page.length < PAGE) break;
      from = page.at(-1).global_position + 1;
    }
    if (replayed !== REPLAY_EVENTS) throw new Error(`replayed ${replayed} events, expected ${REPLAY_EVENTS}`);
    return performance.now() - began;
  } finally {
    await store.close();
  }
}

/** Runs every scenario batched and unbatched (median of a few rounds) and the 100k replay. */
export async function benchEvents(rounds = ROUNDS) {
  const appends = [];
  for (const scenario of SCENARIOS) {
    const row = { name: scenario.name };
    for (const batch of [true, false]) {
      const runs = [];
      for (let i = 0; i < rounds; i++) runs.push(await appendRound(scenario, batch));
      row[batch ? 'batched' : 'unbatched'] = {
        perSecond: median(runs.map((r) => r.perSecond)),
        commits: median(runs.map((r) => r.commits)),
        statements: median(runs.map((r) => r.statements)),
        cpuUsPerEvent: median(runs.map((r) => r.cpuUsPerEvent)),
      };
    }
    appends.push(row);
  }

  const replay = await withStore({}, async (store, file) => {
    for (let n = 0; n < REPLAY_EVENTS; n += PAGE) await Promise.all(Array.from({ length: PAGE }, (_, i) => append(store, n + i)));
    await store.close();
    const sizeMiB = (await stat(file)).size / 2 ** 20;
    const runs = [];
    for (let i = 0; i < rounds; i++) runs.push(await replayOnce(file));
    return { events: REPLAY_EVENTS, ms: median(runs), sizeMiB, rounds };
  });
  return { appends, replay, rounds };
}

/** The results as markdown tables. */
export function eventsTables({ appends, replay, rounds }) {
  const lines = [
    `| appends (1 event each, ${rounds} rounds, medians) | batched events/s (commits, statements) | batched CPU/event | unbatched events/s (commits, statements) | unbatched CPU/event | batched/unbatched |`,
    '|---|---|---|---|---|---|',
  ];
  const cost = ({ perSecond, commits, statements }) => `${perSecond.toFixed(0)} (${commits}, ${statements})`;
  const cpu = ({ cpuUsPerEvent }) => `${cpuUsPerEvent.toFixed(1)} µs`;
  for (const { name, batched, unbatched } of appends) {
    lines.push(
      `| ${name} | ${cost(batched)} | ${cpu(batched)} | ${cost(unbatched)} | ${cpu(unbatched)} | ${(batched.perSecond / unbatched.perSecond).toFixed(1)}x |`,
    );
  }
  lines.push('', '| replay (readAll pages of 1000 + deserialize) | time (median) | events/s | file size |', '|---|---|---|---|');
  lines.push(
    `| ${replay.events.toLocaleString('en')} events | ${replay.ms.toFixed(0)} ms | ${((replay.events / replay.ms) * 1000).toFixed(0)} | ${replay.sizeMiB.toFixed(1)} MiB |`,
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(eventsTables(await benchEvents()));
}
