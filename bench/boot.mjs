// Boot benchmark: time from spawning the compiled CLI to the first 200 on /ready, and the
// process's resident memory at that moment, over several rounds (median reported).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'core', 'dist', 'cli', 'main.js');

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

async function bootOnce(args) {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hangar-bench-'));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [CLI, '--http', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', ...args],
    {
      cwd: ROOT,
      stdio: 'ignore',
    },
  );
  try {
    for (let attempt = 0; attempt < 2000; attempt++) {
      const response = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
      if (response?.status === 200) return { ms: performance.now() - started, rss: rssKiB(child.pid) };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('not ready within 10 s');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the boot scenarios; returns rows of a markdown table. */
export async function benchBoot(rounds = 7) {
  const empty = path.join(os.tmpdir(), `hangar-bench-plugins-${process.pid}.json`);
  writeFileSync(empty, '{"plugins": []}');
  const scenarios = [
    ['kernel alone (`{"plugins": []}`)', ['--plugins', empty]],
    ['bundled config (`npm start`)', ['--config', 'hangar.config.yaml']],
  ];
  const rows = [];
  try {
    for (const [name, args] of scenarios) {
      const runs = [];
      for (let i = 0; i < rounds; i++) runs.push(await bootOnce(args));
      rows.push({ name, ms: median(runs.map((r) => r.ms)), rssMiB: median(runs.map((r) => r.rss)) / 1024, rounds });
    }
  } finally {
    rmSync(empty, { force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchBoot();
  console.log('| scenario | spawn → /ready 200 (median) | RSS at ready (median) | rounds |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.name} | ${row.ms.toFixed(0)} ms | ${row.rssMiB.toFixed(1)} MiB | ${row.rounds} |`);
}
