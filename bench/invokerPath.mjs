// A/B of the invocation path alone, in one process: this checkout's ToolInvoker against another
// commit's, each in front of a registered server whose `callTool` answers at once (no process, no
// transport, no HTTP). What is left is what a call pays inside Hangar before and after the
// upstream: target resolution, access checks, argument validation, the interceptor chain and the
// ToolInvocation* events (created and serialized; the store drops them). End-to-end figures
// (compare.mjs) dilute it in I/O; this isolates it.
//
//   node bench/invokerPath.mjs --base <rev> [--rounds 15] [--total 20000]
//
// Builds: base, this checkout, and this checkout with one no-op interceptor. 16 calls in flight;
// every build once per round, in a rotated order, after a tenth as many warm-up calls. Prints
// markdown; writes nothing.
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { buildCheckout } from './lib/checkout.mjs';
import { throughput } from './lib/load.mjs';
import { ROOT } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';

const IN_FLIGHT = 16;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const base = option('base', 'HEAD');
const rounds = Number(option('rounds', '15'));
const total = Number(option('total', '20000'));

const ANSWER = { content: [{ type: 'text', text: '3' }] };
const ADD = {
  name: 'add',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
};
const noOp = { name: 'bench.no-op', order: 400, intercept: (_ctx, next) => next() };

// Events are created and serialized, then dropped: a growing in-memory store would make the run
// about its own garbage (the store's cost is the `events` scenario's).
const STORED = Promise.resolve({ positions: [1], next_expected_version: 0 });
const DROPPING_STORE = { driver: 'memory', append: () => STORED, close: () => Promise.resolve() };

/** An invoker of the build in `root` (its core/dist), with server `math` answering at once. */
async function invokerOf(root, interceptors) {
  const load = (file) => import(pathToFileURL(path.join(root, 'core', 'dist', file)).href);
  const [{ ToolInvoker }, { PolicyAuthorizer }, { McpServerRegistry }, { EventBus }, { EventSerializer }, { systemClock }] =
    await Promise.all([
      load('invocation/ToolInvoker.js'),
      load('invocation/PolicyAuthorizer.js'),
      load('lifecycle/McpServerRegistry.js'),
      load('events/EventBus.js'),
      load('events/EventSerializer.js'),
      load('services/Clock.js'),
    ]);
  const logger = pino({ level: 'silent' });
  const eventBus = new EventBus({ sinks: [], store: DROPPING_STORE, serializer: new EventSerializer(), logger });
  const registry = new McpServerRegistry({
    transports: [],
    spawn: () => {
      throw new Error('the bench starts no process');
    },
    clock: systemClock,
    eventBus,
    logger,
    clientInfo: { name: 'bench', version: '0' },
  });
  const server = registry.register('math', { mode: 'subprocess', command: ['none'], tools: [ADD] }, 'api');
  server.callTool = () => Promise.resolve(ANSWER);
  const authorizer = new PolicyAuthorizer(() => [], logger, false);
  const invoker = new ToolInvoker({
    registry,
    eventBus,
    logger,
    clock: systemClock,
    authorizer,
    interceptors: () => interceptors,
  });
  return (i) => invoker.invoke({ mcp_server: 'math', tool: 'add', arguments: { a: i, b: 1 }, correlation_id: 'bench' });
}

console.error(`invokerPath: building ${base} …`);
const checkout = buildCheckout(base);
const builds = [
  { key: 'base', label: `base (${checkout.commit.slice(0, 7)})`, call: await invokerOf(checkout.dir, []) },
  { key: 'current', label: 'this checkout', call: await invokerOf(ROOT, []) },
  { key: 'intercepted', label: 'this checkout + 1 no-op interceptor', call: await invokerOf(ROOT, [noOp]) },
];
// Calls per second of wall time, and per second of this process's CPU time: on a shared machine
// the second is the steadier (other processes take wall time from every build, not CPU time).
const samples = Object.fromEntries(builds.map((build) => [build.key, []]));
const cpuSamples = Object.fromEntries(builds.map((build) => [build.key, []]));
const loadStart = os.loadavg()[0].toFixed(1);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < builds.length; k++) {
    const build = builds[(k + round) % builds.length];
    await throughput([build.call], { inFlight: IN_FLIGHT, total: total / 10 });
    const cpu = process.cpuUsage();
    samples[build.key].push(await throughput([build.call], { inFlight: IN_FLIGHT, total }));
    const { user, system } = process.cpuUsage(cpu);
    cpuSamples[build.key].push(total / ((user + system) / 1e6));
  }
}
checkout.remove();

const fmt = (n) => `${Math.round(n).toLocaleString('en-US')}/s`;
const ratio = (of, key) => median(of[key].map((value, round) => value / of.base[round])).toFixed(3);
console.log(
  [
    `# Invocation path A/B — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `ToolInvoker.invoke of a server answering at once, ${total} calls kept ${IN_FLIGHT} in flight; medians of ${rounds} rounds. ` +
      `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}; load ${loadStart} → ${os.loadavg()[0].toFixed(1)}.`,
    '',
    '| build | calls/s (wall) | ÷ base | calls per CPU-second | ÷ base |',
    '|---|---|---|---|---|',
    ...builds.map(
      (build) =>
        `| ${build.label} | ${fmt(median(samples[build.key]))} | ${ratio(samples, build.key)}× | ` +
        `${fmt(median(cpuSamples[build.key]))} | ${ratio(cpuSamples, build.key)}× |`,
    ),
    '',
    'Ratios are medians of the per-round ratios to the base.',
  ].join('\n'),
);
