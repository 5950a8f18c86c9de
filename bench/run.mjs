// `npm run bench`: runs every benchmark and prints markdown tables. Figures are medians of
// several rounds; compare ratios within one run, not absolute times across machines.
import { benchBoot } from './boot.mjs';

const rows = await benchBoot();
console.log(
  `## Boot (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${(await import('node:os')).cpus().length} cores)\n`,
);
console.log('| scenario | spawn → /ready 200 (median) | RSS at ready (median) | rounds |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(`| ${row.name} | ${row.ms.toFixed(0)} ms | ${row.rssMiB.toFixed(1)} MiB | ${row.rounds} |`);
