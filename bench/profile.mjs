// Profiling: Hangar (a child process) runs under `node --cpu-prof` during the /mcp latency
// scenario, the stdio-mode latency scenario, /mcp with 16 calls in flight on one session, and
// the list endpoints with 1,000 registered servers.
// Each .cpuprofile is summarised by lib/profileSummary.mjs and kept in bench/results/profiles/
// (git-ignored) for a closer look in Chrome DevTools.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { benchLatency } from './latency.mjs';
import { profileMarkdown, summariseProfile } from './lib/profileSummary.mjs';
import { ROOT } from './lib/servers.mjs';
import { ratio } from './lib/stats.mjs';
import { makeTempDir, removeTempDir } from './lib/tempDirs.mjs';
import { measureScale } from './scale.mjs';
import { benchThroughput } from './throughput.mjs';

const PROFILES = [
  {
    slug: 'mcp-latency',
    title: 'Hangar /mcp (streamable HTTP), sequential calls',
    run: async (hangarNodeArgs, calls) => {
      const { tools } = await benchLatency({ rounds: 1, calls, warmup: 100, paths: ['http'], hangarNodeArgs });
      return tools.map(({ tool, rows }) => `${tool}: p50 ${ratio(rows.http.p50, rows.direct.p50)} direct`).join('; ');
    },
  },
  {
    slug: 'stdio-latency',
    title: 'Hangar stdio mode, sequential calls',
    run: async (hangarNodeArgs, calls) => {
      const { tools } = await benchLatency({ rounds: 1, calls, warmup: 100, paths: ['stdio'], hangarNodeArgs });
      return tools.map(({ tool, rows }) => `${tool}: p50 ${ratio(rows.stdio.p50, rows.direct.p50)} direct`).join('; ');
    },
  },
  {
    slug: 'mcp-inflight',
    title: 'Hangar /mcp, 1 session × 16 calls in flight',
    run: async (hangarNodeArgs, calls) => {
      const { rows } = await benchThroughput({ rounds: 1, total: calls * 2, paths: ['http1'], hangarNodeArgs });
      return `math \`add\`: ${Math.round(rows.http1)} calls/s, ${ratio(rows.http1, rows.direct)} direct`;
    },
  },
  {
    slug: 'lists-1000',
    title: 'Hangar with 1,000 cold servers: `GET /api/mcp_servers` and MCP `tools/list`',
    run: async (hangarNodeArgs) => {
      const large = await measureScale(1000, { samples: 100, warmup: 10, hangarNodeArgs });
      return `GET /api/mcp_servers ${large.restList.toFixed(1)} ms, tools/list ${large.toolsList.toFixed(1)} ms (bare POST ${large.rawToolsList.toFixed(1)} ms), medians of 100`;
    },
  },
];

/** Runs each profiled scenario; returns markdown with one summary per profile. */
export async function benchProfile({ calls = 2000, top = 25 } = {}) {
  const date = new Date().toISOString().slice(0, 10);
  const keep = path.join(ROOT, 'bench', 'results', 'profiles');
  mkdirSync(keep, { recursive: true });
  const sections = [];
  for (const profile of PROFILES) {
    const dir = makeTempDir('hangar-bench-profile-');
    try {
      const measured = await profile.run(['--cpu-prof', `--cpu-prof-dir=${dir}`], calls);
      const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
      if (files.length !== 1) throw new Error(`expected one Hangar profile, found ${files.length}`);
      const kept = path.join(keep, `${date}-${profile.slug}.cpuprofile`);
      copyFileSync(path.join(dir, files[0]), kept);
      sections.push(
        `## ${profile.title}\n\nUnder the profiler: ${measured}. Profile: \`${path.relative(ROOT, kept)}\`.\n\n${profileMarkdown(summariseProfile(kept), { top })}`,
      );
    } finally {
      removeTempDir(dir);
    }
  }
  return sections.join('\n\n');
}
