import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import pino from 'pino';
import { WebSocket } from 'ws';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ManualClock, OperationRegistry, type OperationDescriptor } from '@hangar/core';
import { OperationStreamHub } from '../../core/src/builtins/core-operations/OperationStreamHub.js';
import { serveWsRoute } from '../helpers/wsRoute.js';

// The hub on its own: a real `ws` server on 127.0.0.1 and a real OperationRegistry whose calls
// the tests finish by hand.

type Frame = Record<string, unknown>;

const descriptor: OperationDescriptor = { mcp_server: 'math', tool: 'slow_count', correlation_id: 'c-1', source: 'rest' };
const ok: CallToolResult = { content: [{ type: 'text', text: 'done' }] };
/** How long a wait for frames may take before the test fails (a bound, not a pace). */
const WAIT_LIMIT_MS = 10_000;

async function startHub(t: ExecutionContext, queueSize = 1024) {
  const clock = new ManualClock(1_700_000_000_000);
  const logger = pino({ level: 'silent' });
  const operations = new OperationRegistry({ clock, logger, maxKept: 1000, maxEvents: 1000 });
  const hub = new OperationStreamHub({ operations, queueSize, logger, now: () => clock.now() });
  const port = await serveWsRoute(t, hub.route, () => hub.closeAll());
  return { hub, operations, url: `ws://127.0.0.1:${port}` };
}

/** An operation whose call ends when the test says so. */
function startOperation(operations: OperationRegistry) {
  let resolve!: (result: CallToolResult) => void;
  const call = new Promise<CallToolResult>((res) => (resolve = res));
  const { operation, done } = operations.run(descriptor, () => call);
  return {
    operation,
    finish: async () => {
      resolve(ok);
      await done;
    },
  };
}

/** A client that keeps every frame; `reply` sends a command and resolves with its answer. */
async function connect(t: ExecutionContext, url: string) {
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Frame));
  t.teardown(() => socket.terminate());
  await once(socket, 'open');
  const waitFor = (holds: () => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!holds()) return;
        clearTimeout(timer);
        socket.off('message', check);
        resolve();
      };
      const timer = setTimeout(() => {
        socket.off('message', check);
        reject(new Error(`timed out waiting for ${what}`));
      }, WAIT_LIMIT_MS);
      socket.on('message', check);
      check();
    });
  const replies = () => frames.filter((frame) => typeof frame.status === 'string' && frame.status !== 'warning');
  const send = (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  const reply = async (message: unknown): Promise<Frame> => {
    const before = replies().length;
    send(message);
    await waitFor(() => replies().length > before, `the reply to ${JSON.stringify(message)}`);
    return replies()[before]!;
  };
  await waitFor(() => frames.length > 0, 'the connected frame');
  const eventsOf = (id: string) => frames.filter((frame) => frame.operation_id === id && 'event_type' in frame);
  return { socket, frames, send, reply, waitFor, eventsOf };
}

const typesOf = (frames: Frame[]) => frames.map((frame) => frame.event_type);

test('a client is welcomed with a connected event carrying its id', async (t) => {
  const { url } = await startHub(t);
  const client = await connect(t, url);
  const [connected] = client.frames;
  t.like(connected, { event_type: 'connected', operation_id: 'system', timestamp: 1_700_000_000 });
  const data = connected!.data as Frame;
  t.is(data.message, 'Connected to Hangar operations stream');
  t.regex(data.client_id as string, /^[0-9a-f-]{36}$/);
  t.is(data.timestamp, new Date(1_700_000_000_000).toISOString());
});

test('subscribing to a running operation replays its events after the ack, then sends live ones once each', async (t) => {
  const { operations, url } = await startHub(t);
  const { operation, finish } = startOperation(operations);
  operation.progress({ progress: 1, total: 4 });
  const client = await connect(t, url);
  t.deepEqual(await client.reply({ command: 'subscribe', operation_id: operation.id }), {
    status: 'subscribed',
    operation_id: operation.id,
  });
  operation.progress({ progress: 2, total: 4 });
  await finish();
  await client.waitFor(() => client.eventsOf(operation.id).at(-1)?.event_type === 'completed', 'completed');
  const ack = client.frames.findIndex((frame) => frame.status === 'subscribed');
  t.deepEqual(typesOf(client.frames.slice(ack + 1)), ['status', 'progress', 'progress', 'result', 'completed']);
  t.deepEqual(client.eventsOf(operation.id), JSON.parse(JSON.stringify(operation.events())));
});

test('subscribing to a finished operation replays every kept event', async (t) => {
  const { operations, url } = await startHub(t);
  const { operation, finish } = startOperation(operations);
  operation.progress({ progress: 1, total: 1 });
  await finish();
  const client = await connect(t, url);
  await client.reply({ command: 'subscribe', operation_id: operation.id });
  await client.waitFor(() => client.eventsOf(operation.id).length === 4, 'the replay');
  t.deepEqual(typesOf(client.eventsOf(operation.id)), ['status', 'progress', 'result', 'completed']);
});

test('"*" replays the running operations, not the finished ones, then follows operations started later', async (t) => {
  const { operations, url } = await startHub(t);
  const finished = startOperation(operations);
  await finished.finish();
  const running = startOperation(operations);
  running.operation.progress({ progress: 1, total: 2 });
  const client = await connect(t, url);
  t.deepEqual(await client.reply({ command: 'subscribe', operation_id: '*' }), { status: 'subscribed', operation_id: '*' });
  const later = startOperation(operations);
  await later.finish();
  await running.finish();
  await client.waitFor(() => client.eventsOf(running.operation.id).at(-1)?.event_type === 'completed', 'the running one to end');
  t.deepEqual(client.eventsOf(finished.operation.id), []);
  t.deepEqual(typesOf(client.eventsOf(running.operation.id)), ['status', 'progress', 'result', 'completed']);
  t.deepEqual(typesOf(client.eventsOf(later.operation.id)), ['status', 'result', 'completed']);
});

test('a client following "*" and an id gets each event once, whichever it subscribed first', async (t) => {
  const { operations, url } = await startHub(t);
  const early = startOperation(operations);
  const before = startOperation(operations);
  await before.finish();
  const client = await connect(t, url);
  await client.reply({ command: 'subscribe', operation_id: early.operation.id });
  await client.reply({ command: 'subscribe', operation_id: '*' });
  const late = startOperation(operations);
  await client.reply({ command: 'subscribe', operation_id: late.operation.id });
  // Finished before "*": "*" does not cover it, so the id replays it.
  await client.reply({ command: 'subscribe', operation_id: before.operation.id });
  early.operation.progress({ progress: 1, total: 2 });
  late.operation.progress({ progress: 1, total: 2 });
  await early.finish();
  await late.finish();
  await client.waitFor(() => client.eventsOf(late.operation.id).at(-1)?.event_type === 'completed', 'the last one to end');
  for (const { operation } of [early, late, before]) {
    t.deepEqual(client.eventsOf(operation.id), JSON.parse(JSON.stringify(operation.events())), operation.id);
  }
  t.like(await client.reply({ command: 'get_stats' }), { stats: { subscriptions: 4 } });
});

test('unsubscribe stops live events; unsubscribing "*" keeps the ids followed', async (t) => {
  const { operations, url } = await startHub(t);
  const byId = startOperation(operations);
  const other = startOperation(operations);
  const client = await connect(t, url);
  await client.reply({ command: 'subscribe', operation_id: '*' });
  await client.reply({ command: 'subscribe', operation_id: byId.operation.id });
  t.deepEqual(await client.reply({ command: 'unsubscribe', operation_id: '*' }), { status: 'unsubscribed', operation_id: '*' });
  other.operation.progress({ progress: 1, total: 2 });
  byId.operation.progress({ progress: 1, total: 2 });
  t.deepEqual(await client.reply({ command: 'unsubscribe', operation_id: byId.operation.id }), {
    status: 'unsubscribed',
    operation_id: byId.operation.id,
  });
  byId.operation.progress({ progress: 2, total: 2 });
  // Replies keep their place among events: anything sent before this answer has arrived.
  t.like(await client.reply({ command: 'get_stats' }), { stats: { subscriptions: 0 } });
  t.deepEqual(typesOf(client.eventsOf(other.operation.id)), ['status']);
  t.deepEqual(typesOf(client.eventsOf(byId.operation.id)), ['status', 'progress']);
  await Promise.all([byId.finish(), other.finish()]);
});

test('get_operation answers the view; get_stats counts clients, operations and subscriptions', async (t) => {
  const { operations, url } = await startHub(t);
  const done = startOperation(operations);
  await done.finish();
  const running = startOperation(operations);
  running.operation.progress({ progress: 1, total: 4 });
  const client = await connect(t, url);
  const other = await connect(t, url);
  t.deepEqual(await client.reply({ command: 'get_operation', operation_id: running.operation.id }), {
    status: 'ok',
    operation: JSON.parse(JSON.stringify(running.operation.view())),
  });
  t.like(await client.reply({ command: 'get_operation', operation_id: done.operation.id }), {
    operation: { status: 'completed', progress: 1, event_count: 3 },
  });
  await client.reply({ command: 'subscribe', operation_id: '*' });
  await other.reply({ command: 'subscribe', operation_id: running.operation.id });
  await other.reply({ command: 'subscribe', operation_id: done.operation.id });
  t.deepEqual(await client.reply({ command: 'get_stats' }), {
    status: 'ok',
    stats: { connected_clients: 2, active_operations: 1, total_operations: 2, subscriptions: 3 },
  });
  await running.finish();
});

test('unknown operations, bad commands, bad JSON and binary frames get an error frame and the connection stays', async (t) => {
  const { operations, url } = await startHub(t);
  const client = await connect(t, url);
  t.like(await client.reply({ command: 'subscribe', operation_id: 'nope' }), {
    status: 'error',
    error: 'OperationNotFoundError',
    message: "Operation 'nope' not found",
  });
  t.like(await client.reply({ command: 'get_operation', operation_id: 'nope' }), { error: 'OperationNotFoundError' });
  t.like(await client.reply('{not json'), { status: 'error', error: 'InvalidJSONError' });
  const refused = async (message: unknown, pattern: RegExp) => {
    const frame = await client.reply(message);
    t.like(frame, { status: 'error', error: 'ValidationError' });
    t.regex(frame.message as string, pattern);
  };
  await refused({ command: 'dance' }, /Unknown command: "dance"/);
  await refused({ operation_id: 'x' }, /Unknown command: null/);
  await refused({ command: 'subscribe' }, /operation_id/);
  await refused({ command: 'subscribe', operation_id: 7 }, /non-empty string/);
  await refused({ command: 'get_operation', operation_id: '*' }, /not "\*"/);
  await refused('[1, 2]', /JSON object/);
  const before = client.frames.length;
  client.socket.send(Buffer.from('{"command":"get_stats"}'), { binary: true });
  await client.waitFor(() => client.frames.length > before, 'the binary refusal');
  t.like(client.frames[before], { status: 'error', error: 'ValidationError' });
  t.regex(client.frames[before]!.message as string, /Binary/);
  const { operation, finish } = startOperation(operations);
  t.like(await client.reply({ command: 'subscribe', operation_id: operation.id }), { status: 'subscribed' });
  await finish();
  await client.waitFor(() => client.eventsOf(operation.id).length === 3, 'the events');
  t.is(client.socket.readyState, WebSocket.OPEN);
});

test('a client that stops reading loses its oldest progress events, never a replayed or terminal one', async (t) => {
  const queueSize = 8;
  const { hub, operations, url } = await startHub(t, queueSize);
  const { operation, finish } = startOperation(operations);
  // Big messages, so the kernel's socket buffers fill up and the hub has to queue.
  const message = 'x'.repeat(16_384);
  for (let step = 1; step <= 20; step++) operation.progress({ progress: step, total: 10_000, message });
  const client = await connect(t, url);
  await client.reply({ command: 'subscribe', operation_id: operation.id });
  client.socket.pause();
  let step = 20;
  while ((hub.stats().connections[0]?.queued ?? 0) < queueSize && step < 5000) {
    operation.progress({ progress: ++step, total: 10_000, message });
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.is(hub.stats().connections[0]!.queued, queueSize);
  for (let more = 0; more < 50; more++) operation.progress({ progress: ++step, total: 10_000, message });
  await finish();
  const { dropped } = hub.stats();
  t.true(dropped >= 50);
  client.socket.resume();
  await client.waitFor(() => client.eventsOf(operation.id).at(-1)?.event_type === 'completed', 'completed');

  const events = client.eventsOf(operation.id);
  const warnings = client.frames.filter((frame) => frame.status === 'warning');
  t.is(
    warnings.reduce((sum, frame) => sum + (frame.dropped as number), 0),
    dropped,
  );
  t.regex(warnings[0]!.message as string, /dropped/);
  t.is(events.length + dropped, operation.events().length);
  // The replay (status and the first 20 progress events) and the ending arrived whole, in order.
  t.deepEqual(typesOf(events.slice(0, 21)), ['status', ...Array<string>(20).fill('progress')]);
  t.deepEqual(typesOf(events.slice(-2)), ['result', 'completed']);
  const steps = events.filter((frame) => frame.event_type === 'progress').map((frame) => (frame.data as Frame).details);
  const raw = steps.map((details) => (details as Frame).progress as number);
  t.true(raw.every((value, index) => index === 0 || value > raw[index - 1]!));
  t.true(hub.stats().connections[0]!.peakQueued <= queueSize);
});

test('a client that leaves too many replies unread is disconnected with 1008', async (t) => {
  const { hub, operations, url } = await startHub(t, 4);
  const { operation, finish } = startOperation(operations);
  const client = await connect(t, url);
  await client.reply({ command: 'subscribe', operation_id: operation.id });
  client.socket.pause();
  const message = 'x'.repeat(16_384);
  let step = 0;
  while ((hub.stats().connections[0]?.queued ?? 0) < 4 && step < 5000) {
    operation.progress({ progress: ++step, total: 10_000, message });
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Replies can now only wait in the hub's queue; the limit is 4096 at this queue size.
  for (let index = 0; index < 4200; index++) client.send({ command: 'get_stats' });
  const closed = once(client.socket, 'close');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the client was not dropped')), WAIT_LIMIT_MS);
    const poll = (): void => {
      if (hub.stats().clients === 0) {
        clearTimeout(timer);
        resolve();
      } else setTimeout(poll, 10);
    };
    poll();
  });
  client.socket.resume();
  t.is(((await closed) as [number])[0], 1008);
  await finish();
});

test('closeAll closes every client with 1001 and refuses new ones', async (t) => {
  const { hub, url } = await startHub(t);
  const client = await connect(t, url);
  const closed = once(client.socket, 'close');
  hub.closeAll();
  t.is(((await closed) as [number])[0], 1001);
  t.is(hub.stats().clients, 0);
  const late = new WebSocket(url);
  t.teardown(() => late.terminate());
  t.is(((await once(late, 'close')) as [number])[0], 1001);
});
