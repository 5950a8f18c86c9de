// Scale: 1,000 registered servers that never start (each with predefined tools, so listing needs
// no spawn), against a baseline Hangar with 10 such servers. Measured: boot to /ready, RSS,
// `GET /api/mcp_servers` and MCP `tools/list` latency (median of N after a warm-up), the latter
// both through the SDK client and as a bare POST (no client-side validation).
import { withCleanup } from './lib/cleanup.mjs';
import { serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { MATH, MATH_TOOLS } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';

async function timed(work, { samples, warmup }) {
  for (let i = 0; i < warmup; i++) await work();
  const times = [];
  for (let i = 0; i < samples; i++) {
    const began = performance.now();
    await work();
    times.push(performance.now() - began);
  }
  return median(times);
}

/** One Hangar with `count` cold servers: boot, RSS and the list latencies. `hangarNodeArgs` go to Hangar. */
export async function measureScale(count, { samples, warmup, hangarNodeArgs = [] }) {
  const servers = {};
  for (let i = 0; i < count; i++) servers[`s${i}`] = serverEntry(MATH, { tools: MATH_TOOLS });
  return withCleanup(async (defer) => {
    const hangar = await startHangarHttp({ mcp_servers: servers }, { readyTimeoutMs: 120_000, nodeArgs: hangarNodeArgs });
    defer(hangar.stop);
    const rssAtReady = hangar.rssKiB();
    let listBytes = 0;
    const restList = await timed(
      async () => {
        const response = await fetch(`${hangar.url}/api/mcp_servers`);
        const body = await response.text();
        if (response.status !== 200) throw new Error(`GET /api/mcp_servers answered ${response.status}`);
        listBytes = body.length;
      },
      { samples, warmup },
    );
    const session = await hangar.connect();
    defer(() => session.close());
    let toolsListed = 0;
    const toolsList = await timed(
      async () => {
        toolsListed = (await session.listTools()).tools.length;
      },
      { samples, warmup },
    );
    // The same request as a bare POST on the session: the answer read as text, not validated by
    // the SDK client, so what remains is Hangar's side (and the transfer).
    const { sessionId, protocolVersion } = session.transport;
    let id = 1000;
    const rawToolsList = await timed(
      async () => {
        const response = await fetch(`${hangar.url}/mcp`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': sessionId,
            'mcp-protocol-version': protocolVersion,
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/list' }),
        });
        await response.text();
        if (response.status !== 200) throw new Error(`tools/list answered ${response.status}`);
      },
      { samples, warmup },
    );
    return {
      servers: count,
      bootMs: hangar.bootMs,
      rssAtReadyMiB: rssAtReady / 1024,
      rssAfterMiB: hangar.rssKiB() / 1024,
      restList,
      listBytes,
      toolsList,
      rawToolsList,
      toolsListed,
    };
  });
}

/** Returns `{samples, small: {...}, large: {...}}`: the 10-server baseline and the 1,000-server Hangar. */
export async function benchScale({ small = 10, large = 1000, samples = 50, warmup = 10 } = {}) {
  return {
    samples,
    small: await measureScale(small, { samples, warmup }),
    large: await measureScale(large, { samples, warmup }),
  };
}
