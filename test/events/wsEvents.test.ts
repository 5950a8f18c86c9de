import test, { type ExecutionContext } from 'ava';
import { createEvent, type EventBus } from '@hangar/core';
import { eventually } from '../mcp/helpers.js';
import {
  bootWithBus,
  connectEvents,
  connectPausedClient,
  gapIn,
  hubOf,
  positionsOf,
  subscribe,
  type Frame,
} from './wsHelpers.js';

// `/api/ws/events` on a real Hangar (SQLite event store, HTTP host, auth chain), real `ws` clients.

/** Boots Hangar with the real event bus in hand, and its `/api/ws/events` hub. */
async function boot(t: ExecutionContext, config?: string) {
  const { hangar, url, bus } = await bootWithBus(t, config);
  return { hangar, url, bus, hub: hubOf(hangar) };
}

/** Appends `count` events one after the other, as a steady publisher would. */
async function publishSteadily(bus: EventBus, count: number, onEach?: (index: number) => void): Promise<void> {
  for (let index = 0; index < count; index++) {
    await bus.append(createEvent('Tick', { index }, { mcpServerId: 'ticker' }));
    onEach?.(index);
  }
}

const afterAck = (frames: Frame[]) => frames.slice(frames.findIndex((frame) => frame.type === 'subscribed') + 1);

test('a REST change reaches every client that has not subscribed, as a flat frame with its position', async (t) => {
  const { url, bus } = await boot(t);
  const client = await connectEvents(t, url);
  const created = await fetch(`${url}/api/mcp_servers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mcp_server_id: 'extra', mode: 'subprocess', command: ['node', 'x.mjs'], env: { API_KEY: 'secret' } }),
  });
  t.is(created.status, 201);
  await client.waitFor((frames) => frames.some((frame) => frame.event_type === 'McpServerRegistered'), 'McpServerRegistered');
  const frame = client.frames.find((candidate) => candidate.event_type === 'McpServerRegistered')!;
  t.like(frame, { mcp_server_id: 'extra', global_position: await bus.lastPosition() });
  t.is(typeof frame.event_id, 'string');
  t.is(typeof frame.timestamp, 'string');
  t.false(JSON.stringify(frame).includes('secret'), 'configs in frames are redacted');
});

test('subscribe filters are ANDed, replaced by the next subscribe, and bad messages get an error frame', async (t) => {
  const { url, bus } = await boot(t);
  const client = await connectEvents(t, url);
  t.deepEqual(await subscribe(client, { event_types: ['McpServerStarted', 'McpServerStopped'], mcp_server_ids: ['math'] }), {
    type: 'subscribed',
    event_types: ['McpServerStarted', 'McpServerStopped'],
    mcp_server_ids: ['math'],
  });
  client.send('{"type": "subscribe", "event_types": ');
  client.send({ type: 'subscribe', mcp_server_ids: 'math' });
  await client.waitFor((frames) => frames.filter((frame) => frame.type === 'error').length === 2, 'two error frames');
  const errors = client.frames.filter((frame) => frame.type === 'error').map((frame) => frame.message as string);
  t.regex(errors[0]!, /Invalid JSON/);
  t.regex(errors[1]!, /mcp_server_ids/);

  bus.publish(createEvent('McpServerStarted', {}, { mcpServerId: 'fs' }));
  bus.publish(createEvent('McpServerDegraded', {}, { mcpServerId: 'math' }));
  bus.publish(createEvent('McpServerStopped', { marker: 1 }, { mcpServerId: 'math' }));
  await client.waitFor((frames) => frames.some((frame) => frame.marker === 1), 'the matching event');
  t.deepEqual(
    client.events().map((frame) => `${String(frame.event_type)}/${String(frame.mcp_server_id)}`),
    ['McpServerStopped/math'],
  );

  t.deepEqual(await subscribe(client, { event_types: ['McpServerDegraded'] }), {
    type: 'subscribed',
    event_types: ['McpServerDegraded'],
    mcp_server_ids: null,
  });
  bus.publish(createEvent('McpServerStopped', {}, { mcpServerId: 'math' }));
  bus.publish(createEvent('McpServerDegraded', { marker: 2 }, { mcpServerId: 'fs' }));
  await client.waitFor((frames) => frames.some((frame) => frame.marker === 2), 'the event under the new filter');
  t.deepEqual(
    client.events().map((frame) => `${String(frame.event_type)}/${String(frame.mcp_server_id)}`),
    ['McpServerStopped/math', 'McpServerDegraded/fs'],
  );
});

test('a client that disconnects leaves the hub', async (t) => {
  const { url, hub } = await boot(t);
  const first = await connectEvents(t, url);
  const second = await connectEvents(t, url);
  await subscribe(second, { event_types: ['Tick'], from_position: 1 });
  await eventually(() => (hub.stats().clients === 2 ? true : undefined), 'two clients');
  await first.close();
  second.socket.terminate();
  await eventually(() => (hub.stats().clients === 0 ? true : undefined), 'no client left');
  t.deepEqual(hub.stats().connections, []);
});

test('events published before, during and after a from_position subscribe arrive once each, in order', async (t) => {
  const { url, bus } = await boot(t);
  await publishSteadily(bus, 300);
  const client = await connectEvents(t, url);
  let subscribed = false;
  // The subscribe goes out while the publisher is running.
  await publishSteadily(bus, 1200, (index) => {
    if (index === 100 && !subscribed) {
      subscribed = true;
      client.send({ type: 'subscribe', from_position: 1 });
    }
  });
  const last = await bus.lastPosition();
  await client.waitFor((frames) => positionsOf(frames).at(-1) === last, `position ${last}`);
  t.is(gapIn(positionsOf(afterAck(client.frames)), 1, last), undefined);
});

test('a from_position replay with filters reads the store with the same filters', async (t) => {
  const { url, bus } = await boot(t);
  const published = [
    createEvent('McpServerStarted', {}, { mcpServerId: 'math' }),
    createEvent('McpServerStarted', {}, { mcpServerId: 'fs' }),
    createEvent('McpServerStopped', {}, { mcpServerId: 'math' }),
    createEvent('McpServerStarted', {}),
    createEvent('McpServerStarted', { marker: 'stored' }, { mcpServerId: 'math' }),
  ];
  const positions = [];
  for (const event of published) positions.push((await bus.append(event)).global_position);
  const client = await connectEvents(t, url);
  await subscribe(client, { event_types: ['McpServerStarted'], mcp_server_ids: ['math'], from_position: positions[0] });
  bus.publish(createEvent('McpServerStopped', {}, { mcpServerId: 'math' }));
  bus.publish(createEvent('McpServerStarted', { marker: 'live' }, { mcpServerId: 'math' }));
  await client.waitFor((frames) => frames.some((frame) => frame.marker === 'live'), 'the live event');
  const live = await bus.lastPosition();
  t.deepEqual(positionsOf(afterAck(client.frames)), [positions[0], positions[4], live]);
});

test("from_position 0, seed 001's default, replays from the start", async (t) => {
  const { url, bus } = await boot(t);
  const first = (await bus.append(createEvent('McpServerStarted', {}, { mcpServerId: 'math' }))).global_position;
  const client = await connectEvents(t, url);
  await subscribe(client, { from_position: 0 });
  const last = await bus.lastPosition();
  await client.waitFor((frames) => positionsOf(frames).at(-1) === last, `position ${last}`);
  const replayed = positionsOf(afterAck(client.frames));
  t.is(replayed[0], 1);
  t.true(replayed.includes(first));
  t.is(gapIn(replayed, 1, last), undefined);
});

test('a client that reconnects with from_position = last seen + 1 loses nothing', async (t) => {
  const { url, bus } = await boot(t);
  const first = await connectEvents(t, url);
  await subscribe(first, { from_position: 1 });
  let second: Awaited<ReturnType<typeof connectEvents>> | undefined;
  let resumedFrom = 0;
  let seenByFirst: number[] = [];
  const publishing = publishSteadily(bus, 1500, (index) => {
    if (index !== 500) return;
    // Drop the first connection mid-stream and reconnect from where it stopped, while publishing goes on.
    seenByFirst = positionsOf(afterAck(first.frames));
    first.socket.terminate();
    resumedFrom = seenByFirst.at(-1)! + 1;
    void connectEvents(t, url).then((client) => {
      second = client;
      client.send({ type: 'subscribe', from_position: resumedFrom });
    });
  });
  await publishing;
  const last = await bus.lastPosition();
  await eventually(() => second, 'the second connection');
  await second!.waitFor((frames) => positionsOf(frames).at(-1) === last, `position ${last}`);
  t.is(gapIn(seenByFirst, 1, resumedFrom - 1), undefined);
  t.is(gapIn(positionsOf(afterAck(second!.frames)), resumedFrom, last), undefined);
});

test('a client that never reads loses its oldest events with a warning, while a fast client gets all 10,000', async (t) => {
  const queueSize = 64;
  const { url, bus, hub } = await boot(t, `event_stream:\n  queue_size: ${queueSize}\n`);
  const slow = await connectPausedClient(t, url);
  const fast = await connectEvents(t, url);
  await eventually(() => (hub.stats().clients === 2 ? true : undefined), 'both clients');
  const first = (await bus.lastPosition()) + 1;
  const total = 10_000;
  const chunk = 50;
  // Frames of ~2 KB, so the paused client's socket buffers fill up and the hub has to queue.
  const padding = 'x'.repeat(2048);
  let peak = 0;
  for (let sent = 0; sent < total; sent += chunk) {
    for (let index = sent; index < sent + chunk; index++)
      bus.publish(createEvent('Tick', { index, padding }, { mcpServerId: 'ticker' }));
    // The fast client keeps up: it never has more than one chunk (< queue_size) outstanding.
    await fast.waitFor((frames) => frames.length === sent + chunk, `event ${sent + chunk} at the fast client`);
    for (const connection of hub.stats().connections) peak = Math.max(peak, connection.queued);
  }
  t.is(gapIn(positionsOf(fast.frames), first, first + total - 1), undefined);
  const stats = hub.stats();
  t.true(stats.dropped > 0, 'the slow client lost events');
  t.true(peak <= queueSize);
  for (const connection of stats.connections) {
    t.true(connection.peakQueued <= queueSize);
    t.true(connection.inFlight <= 32);
  }

  slow.resume();
  const lastPosition = first + total - 1;
  await eventually(
    () => (positionsOf(slow.frames).at(-1) === lastPosition ? true : undefined),
    'the slow client to catch up',
    2000,
  );
  const warnings = slow.frames.filter((frame) => frame.type === 'warning');
  t.is(warnings.length, 1);
  t.is(warnings[0]!.dropped, stats.dropped);
  const positions = positionsOf(slow.frames);
  t.true(positions.every((position, index) => index === 0 || position > positions[index - 1]!));
  t.is(positions.length + stats.dropped, total);
  t.is(hub.stats().dropped, stats.dropped, 'the fast client lost nothing');
});
