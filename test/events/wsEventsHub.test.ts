import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import { createEvent, EventBus } from '@hangar/core';
import { EventStreamHub } from '../../core/src/builtins/core-event-stream/EventStreamHub.js';
import { EventSerializer } from '../../core/src/events/EventSerializer.js';
import { MemoryEventStore } from '../../core/src/events/store/MemoryEventStore.js';
import { captureLogger } from '../helpers/hangar.js';
import { serveWsRoute } from '../helpers/wsRoute.js';
import { eventually } from '../mcp/helpers.js';
import { connectEvents, connectPausedClient, gapIn, positionsOf, subscribe, type Frame } from './wsHelpers.js';

// The hub on its own: a real `ws` server on 127.0.0.1 and a real EventBus over the memory store.

async function startHub(t: ExecutionContext, queueSize = 1024) {
  const { logger } = captureLogger('warn');
  const bus = new EventBus({ sinks: [], store: new MemoryEventStore(), serializer: new EventSerializer(), logger });
  const hub = new EventStreamHub({ bus, queueSize, logger });
  bus.subscribe(hub);
  const port = await serveWsRoute(t, hub.route, () => hub.closeAll());
  return { hub, bus, url: `http://127.0.0.1:${port}` };
}

function event(type: string, mcpServerId?: string, data: Record<string, unknown> = {}) {
  return createEvent(type, data, mcpServerId === undefined ? {} : { mcpServerId });
}

/** Publishes `count` events, letting I/O run between them as a real publisher would. */
async function publishPaced(bus: EventBus, count: number, type = 'Tick'): Promise<void> {
  for (let index = 0; index < count; index++) {
    await bus.append(event(type, 'math', { index }));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * 3,000 stored events of 8 KiB (so a replay outgrows the kernel's socket buffers and has to wait
 * for room), and a client that stopped reading and asked for them all: resolves once the replay
 * has filled its queue of `queueSize`.
 */
async function replayIntoPausedClient(t: ExecutionContext, queueSize: number) {
  const { hub, bus, url } = await startHub(t, queueSize);
  const padding = 'x'.repeat(8192);
  for (let index = 0; index < 3000; index++) bus.publish(event('Tick', 'math', { index, padding }));
  await bus.settled();
  const client = await connectEvents(t, url);
  client.socket.pause();
  client.send({ type: 'subscribe', from_position: 1 });
  await eventually(() => {
    const connection = hub.stats().connections[0];
    return connection?.replaying && connection.queued === queueSize ? true : undefined;
  }, 'the replay to fill the queue');
  return { hub, bus, url, client };
}

const typesOf = (frames: Frame[]) => frames.filter((frame) => frame.event_type).map((frame) => frame.event_type);

test('a client that has not subscribed receives every event as a flat frame', async (t) => {
  const { bus, url } = await startHub(t);
  const client = await connectEvents(t, url);
  bus.publish(event('McpServerStateChanged', 'math', { old_state: 'cold', new_state: 'initializing' }));
  bus.publish(event('ConfigurationReloaded'));
  await client.waitFor((frames) => frames.length === 2, 'two frames');
  t.like(client.frames[0], {
    event_type: 'McpServerStateChanged',
    mcp_server_id: 'math',
    old_state: 'cold',
    new_state: 'initializing',
    global_position: 1,
  });
  t.is(typeof client.frames[0]!.event_id, 'string');
  t.is(typeof client.frames[0]!.timestamp, 'string');
  t.false('data' in client.frames[0]!);
  t.false('stream_id' in client.frames[0]!);
  t.like(client.frames[1], { event_type: 'ConfigurationReloaded', global_position: 2 });
});

test('subscribe is acknowledged with the filters in force, null where a dimension is not filtered', async (t) => {
  const { url } = await startHub(t);
  const client = await connectEvents(t, url);
  t.deepEqual(await subscribe(client, { event_types: ['McpServerStarted'] }), {
    type: 'subscribed',
    event_types: ['McpServerStarted'],
    mcp_server_ids: null,
  });
  t.deepEqual(await subscribe(client, { event_types: null, mcp_server_ids: ['math', 'fs'] }), {
    type: 'subscribed',
    event_types: null,
    mcp_server_ids: ['math', 'fs'],
  });
  t.deepEqual(await subscribe(client, {}), { type: 'subscribed', event_types: null, mcp_server_ids: null });
});

test('filters are ANDed across dimensions and a new subscribe replaces the previous filters', async (t) => {
  const { bus, url } = await startHub(t);
  const client = await connectEvents(t, url);
  await subscribe(client, { event_types: ['McpServerStarted'], mcp_server_ids: ['math'] });
  bus.publish(event('McpServerStarted', 'fs'));
  bus.publish(event('McpServerStopped', 'math'));
  bus.publish(event('McpServerStarted'));
  bus.publish(event('McpServerStarted', 'math', { marker: 'and' }));
  // Events reach a client in order, so once the last one is here the others were filtered out.
  await client.waitFor((frames) => frames.some((frame) => frame.marker === 'and'), 'the matching event');
  t.deepEqual(
    client.events().map((frame) => [frame.event_type, frame.mcp_server_id]),
    [['McpServerStarted', 'math']],
  );

  await subscribe(client, { mcp_server_ids: ['fs'] });
  bus.publish(event('McpServerStarted', 'math'));
  bus.publish(event('McpServerStopped', 'fs', { marker: 'replaced' }));
  await client.waitFor((frames) => frames.some((frame) => frame.marker === 'replaced'), 'the event under the new filter');
  t.deepEqual(
    client.events().map((frame) => [frame.event_type, frame.mcp_server_id]),
    [
      ['McpServerStarted', 'math'],
      ['McpServerStopped', 'fs'],
    ],
  );
});

test('invalid messages answer an error frame naming the field and keep the connection open', async (t) => {
  const { bus, url } = await startHub(t);
  const client = await connectEvents(t, url);
  const invalid: [unknown, RegExp][] = [
    ['not json', /Invalid JSON/],
    [[1, 2], /JSON object/],
    [{ type: 'unsubscribe' }, /Invalid type: "unsubscribe"/],
    [{ event_types: ['A'] }, /Invalid type: null/],
    [{ type: 'subscribe', event_types: 'McpServerStarted' }, /Invalid event_types/],
    [{ type: 'subscribe', event_types: [] }, /Invalid event_types/],
    [{ type: 'subscribe', mcp_server_ids: [1] }, /Invalid mcp_server_ids/],
    [{ type: 'subscribe', from_position: -1 }, /Invalid from_position: -1; expected an integer >= 0/],
    [{ type: 'subscribe', from_position: 1.5 }, /Invalid from_position/],
  ];
  await subscribe(client, { event_types: ['Kept'] });
  for (const [message] of invalid) client.send(message);
  await client.waitFor((frames) => frames.filter((frame) => frame.type === 'error').length === invalid.length, 'every error');
  const errors = client.frames.filter((frame) => frame.type === 'error');
  for (const [index, [, pattern]] of invalid.entries()) t.regex(errors[index]!.message as string, pattern);

  // Still open, and the filter from before the invalid messages still holds.
  bus.publish(event('Dropped'));
  bus.publish(event('Kept'));
  await client.waitFor((frames) => frames.some((frame) => frame.event_type === 'Kept'), 'an event after the errors');
  t.deepEqual(typesOf(client.frames), ['Kept']);
});

test('a closed connection leaves the hub', async (t) => {
  const { hub, bus, url } = await startHub(t);
  const first = await connectEvents(t, url);
  const second = await connectEvents(t, url);
  await eventually(() => (hub.stats().clients === 2 ? true : undefined), 'two clients');
  await first.close();
  second.socket.terminate();
  await eventually(() => (hub.stats().clients === 0 ? true : undefined), 'no client left');
  bus.publish(event('AfterEveryoneLeft'));
  await bus.settled();
  t.deepEqual(hub.stats(), { clients: 0, dropped: 0, connections: [] });
});

test('a from_position replay sends the ack, then stored and live events once each, in order', async (t) => {
  const { hub, bus, url } = await startHub(t);
  await publishPaced(bus, 300);
  const client = await connectEvents(t, url);
  const publishing = publishPaced(bus, 700);
  client.send({ type: 'subscribe', from_position: 101 });
  await publishing;
  await client.waitFor((frames) => positionsOf(frames).at(-1) === 1000, 'position 1000');
  // Live events that arrived before the subscribe was read came under the old (match-all) subscription.
  const ack = client.frames.findIndex((frame) => frame.type === 'subscribed');
  t.deepEqual(client.frames[ack], { type: 'subscribed', event_types: null, mcp_server_ids: null, from_position: 101 });
  const afterAck = client.frames.slice(ack + 1);
  t.is(gapIn(positionsOf(afterAck), 101, 1000), undefined);
  t.is(hub.stats().dropped, 0);
});

test('a replay through a small queue waits for room instead of dropping, even while its buffer overflows', async (t) => {
  const queueSize = 8;
  const { hub, bus, client } = await replayIntoPausedClient(t, queueSize);
  // More live events than the replay may buffer: the buffer is discarded and the store read again.
  for (let index = 0; index < 100; index++) bus.publish(event('Tick', 'math', { live: index }));
  await bus.settled();
  client.socket.resume();
  await client.waitFor((frames) => positionsOf(frames).at(-1) === 3100, 'position 3100');
  const afterAck = client.frames.slice(client.frames.findIndex((frame) => frame.type === 'subscribed') + 1);
  t.is(gapIn(positionsOf(afterAck), 1, 3100), undefined);
  t.is(hub.stats().dropped, 0);
  t.is(hub.stats().connections[0]!.peakQueued, queueSize);
  t.false(hub.stats().connections[0]!.replaying);
});

test('a replay filters stored events like live ones', async (t) => {
  const { bus, url } = await startHub(t);
  bus.publish(event('McpServerStarted', 'math'));
  bus.publish(event('McpServerStarted', 'fs'));
  bus.publish(event('McpServerStopped', 'math'));
  await bus.settled();
  const client = await connectEvents(t, url);
  await subscribe(client, { from_position: 1, event_types: ['McpServerStarted'], mcp_server_ids: ['math'] });
  bus.publish(event('McpServerStarted', 'math', { marker: 'live' }));
  await client.waitFor((frames) => frames.some((frame) => frame.marker === 'live'), 'the live event');
  t.deepEqual(positionsOf(client.frames), [1, 4]);
});

test('a new subscribe during a replay cancels it', async (t) => {
  const { hub, bus, client } = await replayIntoPausedClient(t, 4);
  client.send({ type: 'subscribe', event_types: ['Live'] });
  await eventually(() => (hub.stats().connections[0]?.replaying === false ? true : undefined), 'the replay to stop');
  client.socket.resume();
  // What the replay had queued still goes out (before the second ack); a live event must not push it out.
  await eventually(() => (hub.stats().connections[0]?.queued === 0 ? true : undefined), 'the queue to drain');
  bus.publish(event('Live'));
  await client.waitFor((frames) => frames.some((frame) => frame.event_type === 'Live'), 'the live event');
  const secondAck = client.frames.findLastIndex((frame) => frame.type === 'subscribed');
  t.deepEqual(typesOf(client.frames.slice(secondAck)), ['Live']);
  // The replay stopped where it was: the frames already queued went out, nothing after them.
  const replayed = positionsOf(client.frames.slice(0, secondAck));
  t.is(gapIn(replayed, 1, replayed.length), undefined);
  t.true(replayed.length < 3000);
  t.is(hub.stats().dropped, 0);
});

test('a client that stops reading has a bounded queue, loses its oldest events, and is warned when it reads again', async (t) => {
  const queueSize = 16;
  const { hub, bus, url } = await startHub(t, queueSize);
  const slow = await connectPausedClient(t, url);
  const fast = await connectEvents(t, url);
  await eventually(() => (hub.stats().clients === 2 ? true : undefined), 'both clients');
  // Big frames so the kernel's socket buffers fill up and the hub has to queue.
  const padding = 'x'.repeat(4096);
  const total = 4000;
  let peak = 0;
  for (let sent = 0; sent < total; sent += 10) {
    for (let index = sent; index < sent + 10; index++) bus.publish(event('Tick', 'math', { index, padding }));
    // Flow control for the fast client only: it never has more than 10 events outstanding.
    await fast.waitFor((frames) => frames.length === sent + 10, `event ${sent + 10} at the fast client`);
    peak = Math.max(peak, ...hub.stats().connections.map((connection) => connection.queued));
  }
  t.is(gapIn(positionsOf(fast.frames), 1, total), undefined);
  const stats = hub.stats();
  t.true(peak <= queueSize);
  t.true(stats.connections.every((connection) => connection.peakQueued <= queueSize && connection.inFlight <= 32));
  t.true(stats.dropped > 0);

  slow.resume();
  await eventually(
    () => (positionsOf(slow.frames).at(-1) === total ? true : undefined),
    'the slow client to reach the end',
    1000,
  );
  const warnings = slow.frames.filter((frame) => frame.type === 'warning');
  t.is(warnings.length, 1);
  t.is(warnings[0]!.dropped, stats.dropped);
  t.regex(warnings[0]!.message as string, /dropped/);
  // What it did get is in order, and it lost exactly what the warning says.
  const positions = positionsOf(slow.frames);
  t.true(positions.every((position, index) => index === 0 || position > positions[index - 1]!));
  t.is(positions.length + (warnings[0]!.dropped as number), total);
});

test('a client that sends more than it reads is disconnected with 1008 once its unread replies pile up', async (t) => {
  const { hub, bus, url } = await startHub(t, 4);
  const client = await connectEvents(t, url);
  client.socket.pause();
  // Big events, one at a time, until the kernel's socket buffers are full and writes stay pending.
  const padding = 'x'.repeat(8192);
  const backedUp = () => (hub.stats().connections[0]?.bufferedBytes ?? 0) > 0;
  for (let index = 0; index < 20_000 && !backedUp(); index++) {
    await bus.append(event('Tick', 'math', { index, padding }));
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.true(backedUp());
  for (let index = 0; index < 50; index++) bus.publish(event('Tick', 'math', { padding }));
  await eventually(() => (hub.stats().connections[0]?.queued === 4 ? true : undefined), 'the queue to fill');
  // Replies can now only wait in the hub's queue.
  for (let index = 0; index < 100; index++) client.send({ type: 'subscribe' });
  await eventually(() => (hub.stats().clients === 0 ? true : undefined), 'the connection to be dropped');
  const closed = once(client.socket, 'close');
  client.socket.resume();
  t.is(((await closed) as [number])[0], 1008);
});

test('closeAll closes every client with 1001 and refuses new ones', async (t) => {
  const { hub, url } = await startHub(t);
  const client = await connectEvents(t, url);
  await eventually(() => (hub.stats().clients === 1 ? true : undefined), 'the client');
  const closed = once(client.socket, 'close');
  hub.closeAll();
  t.is(((await closed) as [number])[0], 1001);
  t.is(hub.stats().clients, 0);
  const late = await connectEvents(t, url);
  const [code] = (await once(late.socket, 'close')) as [number];
  t.is(code, 1001);
});
