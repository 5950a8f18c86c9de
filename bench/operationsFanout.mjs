// Operations fan-out: one operation streams N progress events as fast as its upstream can send
// them (bench/fixtures/progress-server.mjs `flood`), and C WebSocket clients follow it on
// /api/ws/operations. Reports the events each client received per second, the total delivered
// per second, and what the clients missed (the `warning` frames' `dropped`, and any shortfall).
// Hangar runs as a child process (the compiled CLI: `npm run build` first) so the clients, in
// this process, do not share its event loop. Standalone: `node bench/operationsFanout.mjs
// [clients] [events]`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'core', 'dist', 'cli', 'main.js');
const FIXTURE = path.join(ROOT, 'bench', 'fixtures', 'progress-server.mjs');
/** Bounds on waits (not paces): boot, and one whole run. */
const READY_LIMIT_MS = 20_000;
const RUN_LIMIT_MS = 300_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startHangar(dir, queueSize) {
  const config = path.join(dir, 'hangar.json');
  await writeFile(
    config,
    JSON.stringify({
      event_store: { driver: 'memory' },
      event_stream: { queue_size: queueSize },
      mcp_servers: { flood: { mode: 'subprocess', command: [process.execPath, FIXTURE] } },
    }),
  );
  // The kernel alone: operations and /api/ws/operations are the kernel's; plugins only add noise.
  const plugins = path.join(dir, 'plugins.json');
  await writeFile(plugins, '{"plugins": []}');
  const port = await freePort();
  const args = [CLI, '--config', config, '--plugins', plugins, '--http', '--host', '127.0.0.1', '--port', String(port)];
  const child = spawn(process.execPath, [...args, '--data-dir', path.join(dir, 'data'), '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = performance.now() + READY_LIMIT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Hangar exited with code ${child.exitCode}`);
    const response = await fetch(`${url}/ready`).catch(() => undefined);
    if (response?.status === 200) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stop();
  throw new Error(`Hangar was not ready within ${READY_LIMIT_MS} ms`);
}

async function startFlood(url, count) {
  const response = await fetch(`${url}/api/mcp_servers/flood/tools/flood/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ arguments: { count }, async: true }),
  });
  const body = await response.json();
  if (response.status !== 202) throw new Error(`async invoke answered ${response.status}: ${JSON.stringify(body)}`);
  return body.operation_id;
}

/**
 * A client following every operation (`"*"`, subscribed before the operation starts, so it is
 * owed every event live). Frames are told apart by their start, not parsed: the bench measures
 * Hangar, not JSON.parse in the clients. Event frames start with `{"event_type":"<type>"`.
 */
async function follower(url) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/ws/operations`);
  const client = { socket, progress: 0, dropped: 0, first: 0, last: 0, onEnd: undefined };
  let acked;
  const ack = new Promise((resolve) => (acked = resolve));
  socket.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"event_type":"progress"')) {
      client.last = performance.now();
      if (client.progress++ === 0) client.first = client.last;
    } else if (text.startsWith('{"event_type":"completed"') || text.startsWith('{"event_type":"error"')) {
      client.last = performance.now();
      client.onEnd?.();
    } else if (text.startsWith('{"status":"warning"')) {
      client.dropped += JSON.parse(text).dropped;
    } else if (text.startsWith('{"status":"subscribed"')) {
      acked();
    }
  });
  await once(socket, 'open');
  socket.send(JSON.stringify({ command: 'subscribe', operation_id: '*' }));
  await ack;
  return client;
}

function withLimit(promise, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), RUN_LIMIT_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Runs the operation once with `clients` followers; returns the per-client and total numbers. */
async function fanoutRun(url, { clients: count, events }) {
  const clients = [];
  try {
    for (let index = 0; index < count; index++) clients.push(await follower(url));
    // The only operation running is the one started below: its end is the first each client sees.
    let remaining = count;
    let allEnded;
    const waiting = new Promise((resolve) => (allEnded = resolve));
    for (const client of clients) {
      client.onEnd = () => {
        client.onEnd = undefined;
        if (--remaining === 0) allEnded();
      };
    }
    const began = performance.now();
    await startFlood(url, events);
    await withLimit(waiting, `${count} clients to see the operation end`);
    const perClient = clients.map((client) => {
      const seconds = (client.last - client.first) / 1000;
      return { received: client.progress, dropped: client.dropped, perSecond: seconds > 0 ? client.progress / seconds : 0 };
    });
    const received = perClient.reduce((sum, client) => sum + client.received, 0);
    const dropped = perClient.reduce((sum, client) => sum + client.dropped, 0);
    const first = Math.min(...clients.map((client) => client.first || Infinity));
    const last = Math.max(...clients.map((client) => client.last));
    const rates = perClient.map((client) => client.perSecond).sort((a, b) => a - b);
    return {
      clients: count,
      events,
      wallMs: last - began,
      totalPerSecond: received / ((last - first) / 1000),
      perClient: {
        min: rates[0],
        median: rates[Math.floor(rates.length / 2)],
        max: rates.at(-1),
      },
      received,
      dropped,
      /** Events owed (N per client) that neither arrived nor were announced as dropped. */
      unaccounted: count * events - received - dropped,
      clientsThatMissedEvents: perClient.filter((client) => client.received < events).length,
    };
  } finally {
    for (const { socket } of clients) socket.terminate();
  }
}

/**
 * Boots Hangar (the compiled CLI) with the flood fixture, warms the fixture up with a small
 * operation, then streams `events` progress events to `clients` followers. Returns
 * `{clients, events, queueSize, wallMs, totalPerSecond, perClient: {min, median, max} (events/s),
 * received, dropped, unaccounted, clientsThatMissedEvents}`.
 */
export async function benchOperationsFanout({ clients = 50, events = 20_000, queueSize = 1024 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-bench-ops-'));
  let hangar;
  try {
    hangar = await startHangar(dir, queueSize);
    // The first call also starts the fixture; keep that out of the measured run.
    await fanoutRun(hangar.url, { clients: 1, events: 10 });
    return { ...(await fanoutRun(hangar.url, { clients, events })), queueSize };
  } finally {
    await hangar?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The result as a markdown table. */
export function operationsFanoutTable(result) {
  const rate = (value) => `${Math.round(value).toLocaleString('en-US')} ev/s`;
  return [
    '| clients | events | per client (min / median / max) | delivered in total | dropped (warned) | unaccounted | clients that missed events |',
    '|---|---|---|---|---|---|---|',
    `| ${result.clients} | ${result.events.toLocaleString('en-US')} | ${rate(result.perClient.min)} / ${rate(result.perClient.median)} / ${rate(result.perClient.max)} | ${rate(result.totalPerSecond)} | ${result.dropped} | ${result.unaccounted} | ${result.clientsThatMissedEvents} |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [clients = 50, events = 20_000] = process.argv.slice(2).map(Number);
  const result = await benchOperationsFanout({ clients, events });
  console.log(
    `## Operations fan-out (one operation, ${result.events} progress events, ${result.clients} /api/ws/operations clients, queue ${result.queueSize}; node ${process.version})\n`,
  );
  console.log(operationsFanoutTable(result));
  console.log(`\nwall time from the async invoke to the last client's end: ${result.wallMs.toFixed(0)} ms`);
}
