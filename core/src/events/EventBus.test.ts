import test from 'ava';
import pino from 'pino';
import { Redactor } from '../config/redact.js';
import type { EventSink } from '../extensions/eventSinks.js';
import { subprocessTransport } from '../transports/subprocessTransport.js';
import { createEvent, type PublishedEvent } from './DomainEvent.js';
import { EventBus } from './EventBus.js';
import { EventSerializer } from './EventSerializer.js';
import type { EventStore } from './store/EventStore.js';
import { MemoryEventStore } from './store/MemoryEventStore.js';

const silent = pino({ level: 'silent' });

function collector(name = 'collect'): EventSink & { events: PublishedEvent[] } {
  const events: PublishedEvent[] = [];
  return { name, events, handle: (event) => void events.push(event) };
}

test('an event is stored, then reaches the sinks with its global position, in store order', async (t) => {
  const store = new MemoryEventStore();
  const sink = collector();
  const bus = new EventBus({ sinks: [sink], store, serializer: new EventSerializer(), logger: silent });
  for (let i = 0; i < 5; i++) bus.publish(createEvent('Tick', { i }, { mcpServerId: i % 2 ? 'a' : 'b' }));
  bus.publish(createEvent('ConfigurationReloaded', {}), { stream: 'config' });
  await bus.settled();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(
    sink.events.map((e) => e.global_position),
    [1, 2, 3, 4, 5, 6],
  );
  const stored = await store.readAll(1, 100);
  t.deepEqual(
    stored.map((e) => e.stream_id),
    ['mcp_server:b', 'mcp_server:a', 'mcp_server:b', 'mcp_server:a', 'mcp_server:b', 'config'],
  );
  t.is(stored[0]!.data._version, 1);
});

test('append resolves once stored; readAll and readStream give the events back as published', async (t) => {
  const bus = EventBus.inMemory([], silent);
  const event = createEvent('McpServerUpdated', { changed_fields: ['description'] }, { mcpServerId: 'math' });
  const historic = await bus.append(event);
  t.like(historic, { global_position: 1, stream_id: 'mcp_server:math', stream_version: 0, event_id: event.event_id });
  const [read] = await bus.readAll(1, 10);
  t.deepEqual(read?.data, event.data);
  t.is(read?.timestamp, event.timestamp);
  t.is((await bus.readStream('mcp_server:math', 0)).length, 1);
  t.is(await bus.countStream('mcp_server:math'), 1);
  t.is(await bus.lastPosition(), 1);
});

test('a throwing sink and a slow sink block neither the publisher nor the other sinks', async (t) => {
  const fast = collector('fast');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slowSeen: number[] = [];
  const slow: EventSink = {
    name: 'slow',
    handle: async (event) => {
      await gate;
      slowSeen.push(event.global_position!);
    },
  };
  const throwing: EventSink = {
    name: 'throwing',
    handle: () => {
      throw new Error('sink bug');
    },
  };
  const bus = EventBus.inMemory([throwing, slow, fast], silent);
  for (let i = 0; i < 3; i++) bus.publish(createEvent('Tick', { i }));
  await bus.settled();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(
    fast.events.map((e) => e.data.i),
    [0, 1, 2],
  );
  t.deepEqual(slowSeen, []);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  // The slow sink still gets every event, one at a time and in order.
  t.deepEqual(slowSeen, [1, 2, 3]);
});

test('a sink that falls too far behind loses its oldest events, not the newest, and the others lose nothing', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen: number[] = [];
  const stuck: EventSink = {
    name: 'stuck',
    handle: async (event) => {
      await gate;
      seen.push(event.data.i as number);
    },
  };
  const fast = collector('fast');
  const bus = new EventBus({
    sinks: [stuck, fast],
    store: new MemoryEventStore(),
    serializer: new EventSerializer(),
    logger: silent,
    sinkQueueLimit: 3,
  });
  for (let i = 0; i < 10; i++) bus.publish(createEvent('Tick', { i }));
  await bus.settled();
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await new Promise((resolve) => setImmediate(resolve));
  // Event 0 was already being handled when the gate closed; of the rest, the three newest are kept.
  t.deepEqual(seen, [0, 7, 8, 9]);
  t.is(fast.events.length, 10);
});

test('when the store refuses an event it is logged, still delivered (without position), and append rejects', async (t) => {
  const broken: EventStore = Object.assign(new MemoryEventStore(), {
    append: () => Promise.reject(new Error('disk full')),
  });
  const sink = collector();
  const bus = new EventBus({ sinks: [sink], store: broken, serializer: new EventSerializer(), logger: silent });
  await t.throwsAsync(bus.append(createEvent('Tick', {})), { message: 'disk full' });
  bus.publish(createEvent('Tock', {}));
  await bus.settled();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(
    sink.events.map((e) => [e.event_type, e.global_position]),
    [
      ['Tick', undefined],
      ['Tock', undefined],
    ],
  );
});

test('subscribe adds a run-time sink and its removal stops delivery', async (t) => {
  const bus = EventBus.inMemory([], silent);
  const sink = collector();
  const remove = bus.subscribe(sink);
  bus.publish(createEvent('A', {}));
  await bus.settled();
  remove();
  bus.publish(createEvent('B', {}));
  await bus.settled();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(
    sink.events.map((e) => e.event_type),
    ['A'],
  );
});

test('sinks get server configs redacted, once per event; the store keeps the real values', async (t) => {
  const store = new MemoryEventStore();
  const [one, two] = [collector('one'), collector('two')];
  const redactor = Redactor.for([subprocessTransport]);
  const bus = new EventBus({ sinks: [one, two], store, serializer: new EventSerializer(), logger: silent, redactor });
  const config = { mode: 'subprocess', command: ['node'], env: { API_KEY: 'k-1' } };
  bus.publish(createEvent('McpServerRegistered', { origin: 'api', config }, { mcpServerId: 'a' }));
  const tick = createEvent('Tick', { i: 1 });
  bus.publish(tick);
  await bus.settled();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(one.events[0]?.data.config, { mode: 'subprocess', command: ['node'], env: { API_KEY: '***' } });
  t.is(one.events[0], two.events[0], 'redacted once, the same object for every sink');
  t.is(one.events[1]?.event_id, tick.event_id);
  t.is(one.events[1]?.data, tick.data, 'an event without a config is handed on as it is');
  t.deepEqual((await bus.readAll(1, 10))[0]?.data.config, config, 'the store keeps what a restart needs');
  const [redacted] = await bus.readAllRedacted(1, 1);
  t.deepEqual(redacted?.data.config, one.events[0]?.data.config);
  t.true(Redactor.isRedacted(redacted!));
});
