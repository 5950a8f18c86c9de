// The two ways the bench drives a path: one call after another (latency samples), and a fixed
// number of calls kept `inFlight` at a time (throughput). A "path" is any `call(i)` returning a
// promise: an MCP client's tool call, a REST invoke, a gateway's tool call.

/** `call(i)` through an MCP client; a tool error fails the bench instead of being timed. */
export function mcpCall(client, name, args) {
  return async (i) => {
    const result = await client.callTool({ name, arguments: args(i) });
    if (result.isError) throw new Error(`${name} answered an error: ${JSON.stringify(result.content)}`);
    return result;
  };
}

/** `call(i)` through Hangar's REST invoke (`POST /api/mcp_servers/{id}/tools/{tool}/invoke`), keep-alive. */
export function restCall(url, serverId, tool, args) {
  const endpoint = `${url}/api/mcp_servers/${serverId}/tools/${tool}/invoke`;
  return async (i) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: args(i) }),
    });
    const body = await response.json();
    if (response.status !== 200) throw new Error(`REST invoke answered ${response.status}: ${JSON.stringify(body)}`);
    return body;
  };
}

/** Runs `warmup` untimed calls, then `calls` sequential timed ones; returns the samples (ms). */
export async function sequentialSamples(call, { calls, warmup }) {
  for (let i = 0; i < warmup; i++) await call(i);
  const samples = new Array(calls);
  for (let i = 0; i < calls; i++) {
    const began = performance.now();
    await call(i);
    samples[i] = performance.now() - began;
  }
  return samples;
}

/**
 * Keeps `inFlight` calls running until `total` have completed and returns calls per second.
 * Worker `w` uses `calls[w % calls.length]`, so one path gives "16 in flight on one session" and
 * sixteen paths give "one each on sixteen sessions". `warmup` calls go the same way first, untimed.
 */
export async function throughput(calls, { inFlight, total, warmup = 0 }) {
  const drive = async (count) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async (_, worker) => {
        const call = calls[worker % calls.length];
        while (next < count) await call(next++);
      }),
    );
  };
  if (warmup > 0) await drive(warmup);
  const began = performance.now();
  await drive(total);
  return (total / (performance.now() - began)) * 1000;
}
