// A/B throughput: this checkout's build against another commit's, in the same run, interleaved,
// so a change to the call path is read as a ratio that the shared machine's noise mostly cancels.
//
//   node bench/compare.mjs --base <rev>                    REST, /mcp (1 session) and stdio, 5 rounds
//   node bench/compare.mjs --base <rev> --interceptor      also this build with one no-op interceptor
//   node bench/compare.mjs --base <rev> --rounds 9 --total 3000 --paths rest,http1
//
// Every Hangar runs the kernel alone (plus, with --interceptor, bench/fixtures/passThroughPlugin.mjs)
// in front of the same math server; 16 calls in flight. Within a round every (build, path) pair is
// measured once, in an order rotated each round. Prints markdown; writes nothing.
import os from 'node:os';
import path from 'node:path';
import { buildCheckout } from './lib/checkout.mjs';
import { withCleanup } from './lib/cleanup.mjs';
import { CLI, connectHangarStdio, serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { mcpCall, restCall, throughput } from './lib/load.mjs';
import { sweepMarked } from './lib/processes.mjs';
import { MATH } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';
import { removeTempDirs } from './lib/tempDirs.mjs';

// The SDK client's fetch leaves an abort listener per request on its transport's signal (see
// run.mjs): the MaxListeners warning is the client's, and printing it on every call would slow it.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'MaxListenersExceededWarning') console.error(`${warning.name}: ${warning.message}`);
});

const IN_FLIGHT = 16;
const PATHS = { rest: 'REST invoke, 16 connections', http1: '/mcp, 1 session × 16 in flight', stdio: 'stdio mode, 16 in flight' };
const PASS_THROUGH = path.join(import.meta.dirname, 'fixtures', 'passThroughPlugin.mjs');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const base = option('base', 'HEAD');
const rounds = Number(option('rounds', '5'));
const total = Number(option('total', '2000'));
const warmup = Number(option('warmup', '200'));
const paths = option('paths', Object.keys(PATHS).join(',')).split(',');
const unknown = paths.filter((name) => !(name in PATHS));
if (unknown.length > 0 || !(rounds > 0) || !(total > 0)) {
  console.error(`compare: bad options (paths are ${Object.keys(PATHS).join(', ')})`);
  process.exit(2);
}

console.error(`compare: building ${base} …`);
const checkout = buildCheckout(base);
const builds = [
  { key: 'base', label: `base (${checkout.commit.slice(0, 7)})`, cli: checkout.cli, plugins: [] },
  { key: 'current', label: 'this checkout', cli: CLI, plugins: [] },
];
if (args.includes('--interceptor')) {
  builds.push({
    key: 'intercepted',
    label: 'this checkout + 1 no-op interceptor',
    cli: CLI,
    plugins: [{ id: 'bench-pass-through', module: PASS_THROUGH }],
  });
}

const began = performance.now();
const loadStart = os.loadavg()[0].toFixed(1);
const results = await withCleanup(async (defer) => {
  const config = { mcp_servers: { [MATH.name]: serverEntry(MATH) } };
  const namespaced = `${MATH.name}__${MATH.tool}`;
  const calls = {};
  for (const build of builds) {
    const options = { cli: build.cli, plugins: build.plugins };
    if (paths.includes('rest') || paths.includes('http1')) {
      const hangar = await startHangarHttp(config, options);
      defer(hangar.stop);
      const session = await hangar.connect();
      defer(() => session.close());
      calls[`${build.key}:rest`] = [restCall(hangar.url, MATH.name, MATH.tool, MATH.arguments)];
      calls[`${build.key}:http1`] = [mcpCall(session, namespaced, MATH.arguments)];
    }
    if (paths.includes('stdio')) {
      const stdio = await connectHangarStdio(config, options);
      defer(stdio.close);
      calls[`${build.key}:stdio`] = [mcpCall(stdio.client, namespaced, MATH.arguments)];
    }
  }
  const keys = paths.flatMap((name) => builds.map((build) => `${build.key}:${name}`));
  const samples = Object.fromEntries(keys.map((key) => [key, []]));
  for (let round = 0; round < rounds; round++) {
    console.error(`compare: round ${round + 1}/${rounds}`);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[(k + round) % keys.length];
      samples[key].push(await throughput(calls[key], { inFlight: IN_FLIGHT, total, warmup }));
    }
  }
  return samples;
});
checkout.remove();

const fmt = (n) => `${Math.round(n).toLocaleString('en-US')}/s`;
const lines = [
  `# Throughput A/B — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `math \`add\`, ${total} calls kept ${IN_FLIGHT} in flight after ${warmup} warm-up calls; medians of ${rounds} rounds. ` +
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}; load ${loadStart} → ${os.loadavg()[0].toFixed(1)}; ` +
    `${((performance.now() - began) / 1000).toFixed(0)} s.`,
  '',
  `| path | ${builds.map((build) => build.label).join(' | ')} | ${builds
    .slice(1)
    .map((build) => `${build.key} ÷ base (median of per-round ratios)`)
    .join(' | ')} |`,
  `|---|${builds.map(() => '---').join('|')}|${builds
    .slice(1)
    .map(() => '---')
    .join('|')}|`,
];
for (const name of paths) {
  const of = (build) => results[`${build.key}:${name}`];
  const baseRounds = of(builds[0]);
  const ratios = builds.slice(1).map((build) => median(of(build).map((value, round) => value / baseRounds[round])));
  lines.push(
    `| ${PATHS[name]} | ${builds.map((build) => fmt(median(of(build)))).join(' | ')} | ${ratios
      .map((value) => `${value.toFixed(3)}×`)
      .join(' | ')} |`,
  );
}
const leftovers = sweepMarked();
lines.push('', `Processes left after the run: ${leftovers.length}; temp dirs left: ${removeTempDirs()}.`);
console.log(lines.join('\n'));
process.exit(0);
