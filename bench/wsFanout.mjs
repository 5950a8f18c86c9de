// `/api/ws/events` fan-out: 100 WebSocket clients subscribed to everything while a load of REST
// tool calls (16 in flight) makes events. Measured: frames delivered per second, the slowest
// client's lag per event (its receive time minus the event's `timestamp`, taken when the last of
// the clients has it), frames dropped, and the load's calls/s against the same load with no
// client connected (the baseline: what fan-out costs the gateway), and the lag against the same
// load followed by a single client.
import WebSocket from 'ws';
import { withCleanup } from './lib/cleanup.mjs';
import { serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { restCall, throughput } from './lib/load.mjs';
import { MATH } from './lib/servers.mjs';
import { median, percentile } from './lib/stats.mjs';

const CLIENTS = 100;
const IN_FLIGHT = 16;

/** Connects one subscriber; `onEvent(frame, receivedAt)` for each event frame. */
function subscriber(url, onEvent) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/ws/events`);
    const client = { socket, events: 0, dropped: 0 };
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe' })));
    socket.on('message', (data) => {
      const receivedAt = Date.now();
      const frame = JSON.parse(data.toString());
      if (frame.type === 'subscribed') resolve(client);
      else if (frame.type === 'warning') client.dropped += frame.dropped ?? 0;
      else if (frame.event_type) {
        client.events++;
        onEvent(frame, receivedAt);
      }
    });
  });
}

/** Waits until no frame arrived for `quietMs` (at most `limitMs`). */
async function settle(activity, { quietMs = 300, limitMs = 30_000 } = {}) {
  const began = performance.now();
  for (let last = -1; performance.now() - began < limitMs;) {
    const now = activity();
    if (now === last) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}

async function fanRound(hangar, load, { total, clients: count }) {
  return withCleanup(async (defer) => {
    const byPosition = new Map();
    let frames = 0;
    let lastFrameAt = 0;
    const onEvent = (frame, receivedAt) => {
      frames++;
      lastFrameAt = performance.now();
      let seen = byPosition.get(frame.global_position);
      if (!seen)
        byPosition.set(frame.global_position, (seen = { published: Date.parse(frame.timestamp), last: 0, receivers: 0 }));
      seen.receivers++;
      if (receivedAt > seen.last) seen.last = receivedAt;
    };
    const clients = [];
    for (let i = 0; i < count; i++) {
      const client = await subscriber(hangar.url, onEvent);
      defer(() => client.socket.terminate());
      clients.push(client);
    }
    const began = performance.now();
    const callsPerSecond = await throughput(load, { inFlight: IN_FLIGHT, total });
    await settle(() => frames);
    const seconds = (lastFrameAt - began) / 1000;
    const lags = [...byPosition.values()].filter((seen) => seen.receivers === count).map((seen) => seen.last - seen.published);
    return {
      callsPerSecond,
      events: byPosition.size,
      frames,
      framesPerSecond: frames / seconds,
      complete: lags.length,
      lagP50: percentile(lags, 50),
      lagP99: percentile(lags, 99),
      lagMax: Math.max(...lags),
      dropped: clients.reduce((sum, client) => sum + client.dropped, 0),
    };
  });
}

/**
 * Returns `{rounds, clients, total, baselineCallsPerSecond, singleLagP50, singleLagP99,
 * callsPerSecond, events, frames, framesPerSecond, complete, lagP50, lagP99, lagMax, dropped}`
 * (medians over rounds; `dropped` the sum).
 */
export async function benchWsFanout({ rounds = 3, total = 1000 } = {}) {
  return withCleanup(async (defer) => {
    const hangar = await startHangarHttp({ mcp_servers: { math: serverEntry(MATH) } });
    defer(hangar.stop);
    const load = [restCall(hangar.url, 'math', MATH.tool, MATH.arguments)];
    await throughput(load, { inFlight: IN_FLIGHT, total: 200 });
    const baseline = [];
    const single = [];
    const runs = [];
    for (let round = 0; round < rounds; round++) {
      baseline.push(await throughput(load, { inFlight: IN_FLIGHT, total }));
      single.push(await fanRound(hangar, load, { total, clients: 1 }));
      runs.push(await fanRound(hangar, load, { total, clients: CLIENTS }));
    }
    const pick = (key) => median(runs.map((run) => run[key]));
    return {
      rounds,
      clients: CLIENTS,
      total,
      baselineCallsPerSecond: median(baseline),
      singleLagP50: median(single.map((run) => run.lagP50)),
      singleLagP99: median(single.map((run) => run.lagP99)),
      callsPerSecond: pick('callsPerSecond'),
      events: pick('events'),
      frames: pick('frames'),
      framesPerSecond: pick('framesPerSecond'),
      complete: pick('complete'),
      lagP50: pick('lagP50'),
      lagP99: pick('lagP99'),
      lagMax: pick('lagMax'),
      dropped: runs.reduce((sum, run) => sum + run.dropped, 0),
    };
  });
}
