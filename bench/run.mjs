// `npm run bench`: runs every scenario, prints the results as markdown and writes them to
// bench/results/<date>.md. Every figure is a ratio against a baseline measured in the same run.
//
//   node bench/run.mjs                    every scenario (not the profile)
//   node bench/run.mjs latency peers      only these (printed, not written)
//   node bench/run.mjs --quick            one short round of each: a smoke test, not a result
//   node bench/run.mjs profile            Hangar under --cpu-prof; writes bench/results/<date>-profile.md
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchBoot } from './boot.mjs';
import { benchColdStart } from './coldStart.mjs';
import { benchEvents } from './events.mjs';
import { benchFanout } from './fanout.mjs';
import { benchLatency } from './latency.mjs';
import { benchOperationsFanout } from './operationsFanout.mjs';
import { CLI } from './lib/hangar.mjs';
import { sweepMarked } from './lib/processes.mjs';
import { ROOT } from './lib/servers.mjs';
import { removeTempDirs } from './lib/tempDirs.mjs';
import { benchPeers } from './peers.mjs';
import { benchProfile } from './profile.mjs';
import { resultsMarkdown } from './report.mjs';
import { benchScale } from './scale.mjs';
import { benchThroughput } from './throughput.mjs';
import { benchWsFanout } from './wsFanout.mjs';

/** Each scenario: its full options and its `--quick` ones. */
const SCENARIOS = {
  boot: { run: benchBoot, quick: { rounds: 1 } },
  latency: { run: benchLatency, quick: { rounds: 1, calls: 100, warmup: 20 } },
  throughput: { run: benchThroughput, quick: { rounds: 1, total: 300, warmup: 50 } },
  coldStart: { run: benchColdStart, quick: { rounds: 1 } },
  fanout: { run: benchFanout, quick: { rounds: 1, iterations: 30, warmup: 5 } },
  scale: { run: benchScale, quick: { large: 200, samples: 10, warmup: 2 } },
  ws: { run: benchWsFanout, quick: { rounds: 1, total: 200 } },
  peers: { run: benchPeers, quick: { rounds: 1, calls: 100, warmup: 10, total: 200 } },
  operations: { run: benchOperationsFanout, quick: { clients: 10, events: 2000 } },
  events: { run: ({ rounds } = {}) => benchEvents(rounds), quick: { rounds: 1 } },
};
const ALIASES = {
  cold: 'coldStart',
  coldstart: 'coldStart',
  'cold-start': 'coldStart',
  wsfanout: 'ws',
  store: 'events',
  ops: 'operations',
};

// Node's fetch adds an abort listener per request to the SDK client transport's long-lived signal
// and removes it only when the request is garbage-collected, so a few thousand calls trip the
// MaxListeners warning on every call. It is the client's, not Hangar's: keep it out of the output.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'MaxListenersExceededWarning') console.error(`${warning.name}: ${warning.message}`);
});

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((arg) => !arg.startsWith('--')).map((name) => ALIASES[name] ?? name);
const unknown = names.filter((name) => !(name in SCENARIOS) && name !== 'profile');
if (unknown.length > 0) {
  console.error(`bench: unknown scenario ${unknown.join(', ')}; known: ${[...Object.keys(SCENARIOS), 'profile'].join(', ')}`);
  process.exit(2);
}
if (!existsSync(CLI)) {
  console.error('bench: core/dist is missing; run `npm run build` first');
  process.exit(2);
}

const date = new Date().toISOString().slice(0, 10);
const resultsDir = path.join(ROOT, 'bench', 'results');
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
const began = performance.now();
const loadStart = load();

if (names.includes('profile')) {
  const markdown = `# Hangar profile — ${date}\n\nnode ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}.\n\n${await benchProfile()}\n`;
  console.log(markdown);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${date}-profile.md`), markdown);
} else {
  const selected = names.length > 0 ? names : Object.keys(SCENARIOS);
  const results = {};
  for (const name of selected) {
    const scenarioBegan = performance.now();
    console.error(`bench: ${name} ...`);
    try {
      results[name] = await SCENARIOS[name].run(quick ? SCENARIOS[name].quick : undefined);
    } catch (error) {
      console.error(`bench: ${name} failed: ${error.stack ?? error.message}`);
      results[name] = { error: error.message.split('\n')[0] };
    }
    console.error(`bench: ${name} done in ${((performance.now() - scenarioBegan) / 1000).toFixed(0)} s`);
  }
  const leftovers = sweepMarked();
  for (const { pid, cmd } of leftovers) console.error(`bench: process ${pid} was left running and has been killed: ${cmd}`);
  const meta = {
    date: `${date}${quick ? ' (--quick: a smoke test, not a result)' : ''}`,
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
    memGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    commit: gitCommit(),
    loadStart,
    loadEnd: load(),
    wallMs: performance.now() - began,
    leftovers: leftovers.length,
    tempDirs: removeTempDirs() === 0 ? 'all' : 'all (some only at the end)',
  };
  const markdown = resultsMarkdown(meta, results);
  console.log(markdown);
  if (names.length === 0 && !quick) {
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, `${date}.md`), markdown);
    console.error(`bench: written to ${path.relative(ROOT, path.join(resultsDir, `${date}.md`))}`);
  }
}
console.error(`bench: wall time ${((performance.now() - began) / 1000).toFixed(0)} s`);
// Sockets the SDK clients leave in the keep-alive pool must not hold the process open.
process.exit(0);

function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return `${head}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}
