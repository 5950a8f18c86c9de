// Boot: time from spawning the compiled CLI to the first 200 on /ready, and the process's resident
// memory at that moment, over several rounds (medians). The kernel alone is the baseline for the
// bundled config.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI } from './lib/hangar.mjs';
import { freePort, waitForHttp } from './lib/net.mjs';
import { rssKiB, spawnTracked, stopTracked } from './lib/processes.mjs';
import { ROOT } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';
import { makeTempDir, removeTempDir } from './lib/tempDirs.mjs';

async function bootOnce(args) {
  const port = await freePort();
  const dir = makeTempDir('hangar-bench-boot-');
  const began = performance.now();
  const tracked = spawnTracked(
    process.execPath,
    [CLI, '--http', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir, '--log-level', 'warn', ...args],
    { cwd: ROOT },
  );
  try {
    await waitForHttp(`http://127.0.0.1:${port}/ready`, { alive: () => !tracked.exited });
    return { ms: performance.now() - began, rss: rssKiB(tracked.pid) };
  } catch (error) {
    throw new Error(`boot failed: ${error.message}\n${tracked.stderr}`, { cause: error });
  } finally {
    await stopTracked(tracked);
    removeTempDir(dir);
  }
}

/** Returns `{rounds, rows: [{name, ms, rssMiB}]}`: the kernel alone, then the bundled config. */
export async function benchBoot({ rounds = 5 } = {}) {
  const dir = makeTempDir('hangar-bench-plugins-');
  const empty = path.join(dir, 'plugins.json');
  writeFileSync(empty, '{"plugins": []}');
  const scenarios = [
    ['kernel alone (`{"plugins": []}`, no config; baseline)', ['--plugins', empty]],
    ['bundled config (`npm start`: 3 servers, root hangar.plugins.json)', ['--config', 'hangar.config.yaml']],
  ];
  const runs = scenarios.map(() => []);
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < scenarios.length; i++) runs[i].push(await bootOnce(scenarios[i][1]));
    }
  } finally {
    removeTempDir(dir);
  }
  return {
    rounds,
    rows: scenarios.map(([name], i) => ({
      name,
      ms: median(runs[i].map((run) => run.ms)),
      rssMiB: median(runs[i].map((run) => run.rss)) / 1024,
    })),
  };
}
