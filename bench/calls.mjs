// Per-call latency and cold start: a direct SDK stdio client to the math example (the baseline)
// against the same server behind Hangar's /mcp, measured in the same run. Uses the compiled core.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createLogger, Hangar } from '../core/dist/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const MATH = path.join(ROOT, 'examples', 'servers', 'math.mjs');
const CALLS = 300;
const ROUNDS = 3;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

async function timeCalls(client, name) {
  for (let i = 0; i < 20; i++) await client.callTool({ name, arguments: { a: i, b: 1 } });
  const samples = [];
  for (let i = 0; i < CALLS; i++) {
    const began = performance.now();
    await client.callTool({ name, arguments: { a: i, b: 1 } });
    samples.push(performance.now() - began);
  }
  return samples;
}

function newClient() {
  return new Client({ name: 'bench', version: '1.0.0' });
}

async function direct() {
  const client = newClient();
  const began = performance.now();
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [MATH], stderr: 'ignore' }));
  await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
  const cold = performance.now() - began;
  const samples = await timeCalls(client, 'add');
  await client.close();
  return { cold, samples };
}

async function viaHangar(dir) {
  const configFile = path.join(dir, 'hangar.yaml');
  await writeFile(
    configFile,
    `mcp_servers:\n  math:\n    mode: subprocess\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(MATH)}]\n`,
  );
  const hangar = await Hangar.start({
    logger: createLogger({ level: 'warn' }),
    configFile,
    pluginEntries: [],
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
  });
  try {
    const client = newClient();
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', hangar.url)));
    const began = performance.now();
    await client.callTool({ name: 'math__add', arguments: { a: 1, b: 2 } });
    const cold = performance.now() - began;
    const samples = await timeCalls(client, 'math__add');
    await client.close();
    return { cold, samples };
  } finally {
    await hangar.stop();
  }
}

/** Runs ROUNDS rounds of both and returns the medians. */
export async function benchCalls() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-bench-'));
  const rounds = { direct: [], hangar: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      rounds.direct.push(await direct());
      rounds.hangar.push(await viaHangar(dir));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const summary = (list) => ({
    cold: median(list.map((r) => r.cold)),
    p50: median(list.map((r) => percentile(r.samples, 50))),
    p90: median(list.map((r) => percentile(r.samples, 90))),
    p99: median(list.map((r) => percentile(r.samples, 99))),
  });
  return { direct: summary(rounds.direct), hangar: summary(rounds.hangar), rounds: ROUNDS, calls: CALLS };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { direct: d, hangar: h, rounds, calls } = await benchCalls();
  console.log(`| path | cold first call | p50 | p90 | p99 | (${rounds} rounds × ${calls} sequential calls) |`);
  console.log('|---|---|---|---|---|---|');
  for (const [name, r] of [
    ['direct SDK stdio', d],
    ['Hangar /mcp', h],
  ]) {
    console.log(
      `| ${name} | ${r.cold.toFixed(0)} ms | ${r.p50.toFixed(2)} ms | ${r.p90.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | |`,
    );
  }
  console.log(`\nratio Hangar/direct: p50 ${(h.p50 / d.p50).toFixed(2)}×, cold ${(h.cold / d.cold).toFixed(2)}×`);
}
