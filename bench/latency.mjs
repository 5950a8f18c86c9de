// Per-call latency of a trivial tool, sequential calls: a direct SDK stdio client (the baseline)
// against the same server behind Hangar's /mcp (streamable HTTP), Hangar in stdio mode, and
// Hangar's REST invoke. Paths are measured round-robin within each round, starting at a different
// path each round, so a noisy second hurts every path alike. A byte-copying relay process in
// front of the server is the floor of any stdio-to-stdio gateway: one extra hop and nothing else.
import { withCleanup } from './lib/cleanup.mjs';
import { connectHangarStdio, serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { mcpCall, restCall, sequentialSamples } from './lib/load.mjs';
import { connectDirect, EVERYTHING, MATH } from './lib/servers.mjs';
import { latencySummary, medianOfRounds } from './lib/stats.mjs';

/** Path names, as the report prints them. */
export const LATENCY_PATHS = {
  direct: 'direct SDK stdio (baseline)',
  relay: 'reference: direct through a byte-copying stdio relay process',
  http: 'Hangar /mcp (streamable HTTP)',
  stdio: 'Hangar stdio mode',
  rest: 'Hangar REST invoke',
};

/**
 * Returns `{rounds, calls, warmup, tools: [{tool, rows: {direct, relay, http, stdio, rest}}]}` where each
 * row is the median over rounds of `{p50, p90, p99}` (ms). `paths` picks a subset of
 * `LATENCY_PATHS`; `hangarNodeArgs` go to the Hangar processes (the profile passes `--cpu-prof`).
 */
export async function benchLatency({
  rounds = 5,
  calls = 500,
  warmup = 100,
  paths = Object.keys(LATENCY_PATHS),
  hangarNodeArgs = [],
} = {}) {
  const servers = [EVERYTHING, MATH];
  const config = { mcp_servers: Object.fromEntries(servers.map((server) => [server.name, serverEntry(server)])) };
  return withCleanup(async (defer) => {
    let hangar;
    let session;
    if (paths.includes('http') || paths.includes('rest')) {
      hangar = await startHangarHttp(config, { nodeArgs: hangarNodeArgs });
      defer(hangar.stop);
      session = await hangar.connect();
      defer(() => session.close());
    }
    let stdio;
    if (paths.includes('stdio')) {
      stdio = await connectHangarStdio(config, { nodeArgs: hangarNodeArgs });
      defer(stdio.close);
    }

    const perTool = [];
    for (const server of servers) {
      const direct = await connectDirect(server);
      defer(() => direct.close());
      const relay = paths.includes('relay') ? await connectDirect(server, { relay: true }) : undefined;
      if (relay) defer(() => relay.close());
      const namespaced = `${server.name}__${server.tool}`;
      perTool.push({
        tool: `${server.name} \`${server.tool}\``,
        paths: {
          direct: () => mcpCall(direct, server.tool, server.arguments),
          relay: () => mcpCall(relay, server.tool, server.arguments),
          http: () => mcpCall(session, namespaced, server.arguments),
          stdio: () => mcpCall(stdio.client, namespaced, server.arguments),
          rest: () => restCall(hangar.url, server.name, server.tool, server.arguments),
        },
        samples: {},
      });
    }

    const keys = Object.keys(LATENCY_PATHS).filter((key) => key === 'direct' || paths.includes(key));
    for (let round = 0; round < rounds; round++) {
      for (const tool of perTool) {
        for (let k = 0; k < keys.length; k++) {
          const key = keys[(k + round) % keys.length];
          const samples = await sequentialSamples(tool.paths[key](), { calls, warmup });
          (tool.samples[key] ??= []).push(latencySummary(samples));
        }
      }
    }
    return {
      rounds,
      calls,
      warmup,
      tools: perTool.map(({ tool, samples }) => ({
        tool,
        rows: Object.fromEntries(keys.map((key) => [key, medianOfRounds(samples[key])])),
      })),
    };
  });
}
