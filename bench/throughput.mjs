// Throughput with 16 calls in flight: a direct SDK stdio client (the baseline: the one upstream
// process is the same on every path) against Hangar /mcp on one session and on sixteen sessions,
// Hangar stdio mode, and Hangar's REST invoke over sixteen keep-alive connections.
import { withCleanup } from './lib/cleanup.mjs';
import { connectHangarStdio, serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { mcpCall, restCall, throughput } from './lib/load.mjs';
import { connectDirect, MATH } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';

const IN_FLIGHT = 16;

/** Path names, as the report prints them. */
export const THROUGHPUT_PATHS = {
  direct: `direct SDK stdio, ${IN_FLIGHT} in flight (baseline)`,
  http1: `Hangar /mcp, 1 session × ${IN_FLIGHT} in flight`,
  http16: `Hangar /mcp, ${IN_FLIGHT} sessions × 1 in flight`,
  stdio: `Hangar stdio mode, ${IN_FLIGHT} in flight`,
  rest: `Hangar REST invoke, ${IN_FLIGHT} connections`,
};

/**
 * Returns `{rounds, total, inFlight, tool, rows: {direct, http1, http16, stdio, rest}}` (calls/s,
 * medians). `paths` picks a subset of `THROUGHPUT_PATHS`; `hangarNodeArgs` go to the Hangar processes.
 */
export async function benchThroughput({
  rounds = 5,
  total = 2000,
  warmup = 200,
  server = MATH,
  paths = Object.keys(THROUGHPUT_PATHS),
  hangarNodeArgs = [],
} = {}) {
  const config = { mcp_servers: { [server.name]: serverEntry(server) } };
  const namespaced = `${server.name}__${server.tool}`;
  const keys = Object.keys(THROUGHPUT_PATHS).filter((key) => key === 'direct' || paths.includes(key));
  return withCleanup(async (defer) => {
    const direct = await connectDirect(server);
    defer(() => direct.close());
    const calls = { direct: [mcpCall(direct, server.tool, server.arguments)] };
    if (keys.some((key) => ['http1', 'http16', 'rest'].includes(key))) {
      const hangar = await startHangarHttp(config, { nodeArgs: hangarNodeArgs });
      defer(hangar.stop);
      const sessions = [];
      for (let i = 0; i < (keys.includes('http16') ? IN_FLIGHT : 1); i++) {
        const session = await hangar.connect();
        defer(() => session.close());
        sessions.push(session);
      }
      calls.http1 = [mcpCall(sessions[0], namespaced, server.arguments)];
      calls.http16 = sessions.map((session) => mcpCall(session, namespaced, server.arguments));
      calls.rest = [restCall(hangar.url, server.name, server.tool, server.arguments)];
    }
    if (keys.includes('stdio')) {
      const stdio = await connectHangarStdio(config, { nodeArgs: hangarNodeArgs });
      defer(stdio.close);
      calls.stdio = [mcpCall(stdio.client, namespaced, server.arguments)];
    }
    const results = Object.fromEntries(keys.map((key) => [key, []]));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < keys.length; k++) {
        const key = keys[(k + round) % keys.length];
        results[key].push(await throughput(calls[key], { inFlight: IN_FLIGHT, total, warmup }));
      }
    }
    return {
      rounds,
      total,
      inFlight: IN_FLIGHT,
      tool: `${server.name} \`${server.tool}\``,
      rows: Object.fromEntries(keys.map((key) => [key, median(results[key])])),
    };
  });
}
