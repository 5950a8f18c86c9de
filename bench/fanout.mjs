// Fan-out: one client calls ten different servers at once (`m0..m9`, all the math example), and
// waits for all ten. The baseline is ten direct SDK stdio clients called at once the same way.
import { withCleanup } from './lib/cleanup.mjs';
import { serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { mcpCall } from './lib/load.mjs';
import { connectDirect, MATH } from './lib/servers.mjs';
import { latencySummary, medianOfRounds } from './lib/stats.mjs';

const SERVERS = 10;

async function fanSamples(calls, { iterations, warmup }) {
  for (let i = 0; i < warmup; i++) await Promise.all(calls.map((call) => call(i)));
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const began = performance.now();
    await Promise.all(calls.map((call) => call(i)));
    samples.push(performance.now() - began);
  }
  return samples;
}

/** Returns `{rounds, servers, iterations, direct: {p50, p90, p99}, hangar: {...}}` (ms for all ten to answer). */
export async function benchFanout({ rounds = 3, iterations = 200, warmup = 30 } = {}) {
  const ids = Array.from({ length: SERVERS }, (_, i) => `m${i}`);
  return withCleanup(async (defer) => {
    const hangar = await startHangarHttp({ mcp_servers: Object.fromEntries(ids.map((id) => [id, serverEntry(MATH)])) });
    defer(hangar.stop);
    const session = await hangar.connect();
    defer(() => session.close());
    const viaHangar = ids.map((id) => mcpCall(session, `${id}__${MATH.tool}`, MATH.arguments));
    const direct = [];
    for (let i = 0; i < SERVERS; i++) {
      const client = await connectDirect(MATH);
      defer(() => client.close());
      direct.push(mcpCall(client, MATH.tool, MATH.arguments));
    }
    const results = { direct: [], hangar: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['direct', 'hangar'] : ['hangar', 'direct'];
      for (const key of order) {
        const samples = await fanSamples(key === 'direct' ? direct : viaHangar, { iterations, warmup });
        results[key].push(latencySummary(samples));
      }
    }
    return {
      rounds,
      servers: SERVERS,
      iterations,
      direct: medianOfRounds(results.direct),
      hangar: medianOfRounds(results.hangar),
    };
  });
}
