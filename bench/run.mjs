// `npm run bench`: runs every benchmark and prints markdown tables. Figures are medians of
// several rounds; compare ratios within one run, not absolute times across machines.
import { benchBoot } from './boot.mjs';
import { benchCalls } from './calls.mjs';
import { benchEvents, eventsTables } from './events.mjs';

const rows = await benchBoot();
console.log(
  `## Boot (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${(await import('node:os')).cpus().length} cores)\n`,
);
console.log('| scenario | spawn → /ready 200 (median) | RSS at ready (median) | rounds |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(`| ${row.name} | ${row.ms.toFixed(0)} ms | ${row.rssMiB.toFixed(1)} MiB | ${row.rounds} |`);

const calls = await benchCalls();
console.log(`\n## Calls (math add; ${calls.rounds} rounds x ${calls.calls} sequential calls; medians)\n`);
console.log('| path | cold first call | p50 | p90 | p99 |');
console.log('|---|---|---|---|---|');
for (const [name, r] of [
  ['direct SDK stdio (baseline)', calls.direct],
  ['Hangar /mcp', calls.hangar],
]) {
  console.log(`| ${name} | ${r.cold.toFixed(0)} ms | ${r.p50.toFixed(2)} ms | ${r.p90.toFixed(2)} ms | ${r.p99.toFixed(2)} ms |`);
}
console.log(
  `\nHangar/direct: p50 ${(calls.hangar.p50 / calls.direct.p50).toFixed(2)}x, cold start ${(calls.hangar.cold / calls.direct.cold).toFixed(2)}x`,
);

console.log('\n## Event store (SQLite file in the OS temp dir, WAL, synchronous=FULL)\n');
console.log(eventsTables(await benchEvents()));
