// Cold start. The baseline is a direct cold start: spawn the math server, MCP initialize, one
// call. Against it: the first call through Hangar /mcp to a server that has never started (Hangar
// spawns, initializes and lists tools, then forwards), and 20 concurrent first calls from 20
// sessions to another never-started server, timed until the last answers. Single flight is
// checked twice: the stored `McpServerStarted` events for that server, and the number of math
// processes of this run before and after.
import { withCleanup } from './lib/cleanup.mjs';
import { countEvents, serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { mcpCall } from './lib/load.mjs';
import { markedProcesses } from './lib/processes.mjs';
import { connectDirect, MATH } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';

const CROWD = 20;

const mathProcesses = () => markedProcesses().filter(({ cmd }) => cmd.includes(MATH.command[1])).length;

/**
 * Returns `{rounds, crowd, direct, first, crowdAll, starts: [per round], spawned: [per round]}`:
 * times are medians (ms); `starts` and `spawned` list each round's count for the crowd's server.
 */
export async function benchColdStart({ rounds = 5 } = {}) {
  const servers = {};
  for (let round = 0; round < rounds; round++) {
    servers[`solo${round}`] = serverEntry(MATH);
    servers[`crowd${round}`] = serverEntry(MATH);
  }
  return withCleanup(async (defer) => {
    const hangar = await startHangarHttp({ mcp_servers: servers });
    defer(hangar.stop);
    const sessions = [];
    for (let i = 0; i < CROWD; i++) {
      const session = await hangar.connect();
      defer(() => session.close());
      sessions.push(session);
    }
    // One untimed direct start first: the first spawn of a run pays for a cold disk cache.
    await (await connectDirect(MATH)).close();

    const direct = [];
    const first = [];
    const crowdAll = [];
    const starts = [];
    const spawned = [];
    for (let round = 0; round < rounds; round++) {
      let began = performance.now();
      const client = await connectDirect(MATH);
      await mcpCall(client, MATH.tool, MATH.arguments)(round);
      direct.push(performance.now() - began);
      await client.close();

      began = performance.now();
      await mcpCall(sessions[0], `solo${round}__${MATH.tool}`, MATH.arguments)(round);
      first.push(performance.now() - began);

      const before = mathProcesses();
      const crowdCall = (session, i) => mcpCall(session, `crowd${round}__${MATH.tool}`, MATH.arguments)(i);
      began = performance.now();
      await Promise.all(sessions.map(crowdCall));
      crowdAll.push(performance.now() - began);
      spawned.push(mathProcesses() - before);
      starts.push(await countEvents(hangar.url, 'McpServerStarted', `crowd${round}`));
    }
    return {
      rounds,
      crowd: CROWD,
      direct: median(direct),
      first: median(first),
      crowdAll: median(crowdAll),
      starts,
      spawned,
    };
  });
}
