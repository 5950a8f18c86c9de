import test from 'ava';
import pino from 'pino';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ConflictError, OperationNotFoundError, UpstreamError } from '../errors.js';
import { ManualClock } from '../services/ManualClock.js';
import type { OperationDescriptor, OperationEvent } from './Operation.js';
import { OperationRegistry } from './OperationRegistry.js';

const descriptor: OperationDescriptor = { mcp_server: 'math', tool: 'slow_count', correlation_id: 'c-1', source: 'rest' };
const ok: CallToolResult = { content: [{ type: 'text', text: 'counted to 3' }] };

function setup(options: { maxKept?: number; maxEvents?: number } = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const operations = new OperationRegistry({
    clock,
    logger: pino({ level: 'silent' }),
    maxKept: options.maxKept ?? 1000,
    maxEvents: options.maxEvents ?? 1000,
  });
  const events: OperationEvent[] = [];
  operations.subscribe((event) => events.push(event));
  return { clock, operations, events };
}

/** A call that waits until the test resolves or rejects it. */
function pendingCall() {
  let resolve!: (result: CallToolResult) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<CallToolResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('a completed operation records status, progress as a never-decreasing fraction, result, then completed', async (t) => {
  const { clock, operations, events } = setup();
  const call = pendingCall();
  const { operation, done } = operations.run(descriptor, () => call.promise);
  operation.progress({ progress: 1, total: 4, message: 'a quarter' });
  operation.progress({ progress: 3, total: 4 });
  operation.progress({ progress: 2, total: 4, message: 'late and lower' });
  await clock.advance(1500);
  call.resolve(ok);
  t.is(await done, ok);

  t.deepEqual(
    events.map((event) => event.event_type),
    ['status', 'progress', 'progress', 'progress', 'result', 'completed'],
  );
  t.deepEqual(
    events.filter((event) => event.event_type === 'progress').map((event) => event.data.progress),
    [0.25, 0.75, 0.75],
  );
  t.is(events[1]!.data.message, 'a quarter');
  t.deepEqual(events[4]!.data, { result: ok });
  t.deepEqual(events.at(-1)!.data, { status: 'completed', duration: 1.5 });
  t.true(events.every((event) => event.operation_id === operation.id && event.timestamp >= 1_700_000_000));
  const view = operation.view();
  t.like(view, { status: 'completed', progress: 1, duration: 1.5, event_count: 6, error: null, operation_type: 'tool_call' });
  t.is(view.started_at, 1_700_000_000);
  t.deepEqual(operation.events(), events);
});

test('progress without a total keeps the fraction and reports the raw value', async (t) => {
  const { operations, events } = setup();
  const call = pendingCall();
  const { operation, done } = operations.run(descriptor, () => call.promise);
  operation.progress({ progress: 0.4 });
  operation.progress({ progress: 37 });
  call.resolve(ok);
  await done;
  const progress = events.filter((event) => event.event_type === 'progress');
  t.deepEqual(
    progress.map((event) => [event.data.progress, (event.data.details as Record<string, unknown>).raw_progress]),
    [
      [0.4, 0.4],
      [0.4, 37],
    ],
  );
});

test('a call that throws ends in error with the error class name; an isError result ends in result then error', async (t) => {
  const { operations, events } = setup();
  const failing = operations.run(descriptor, () => Promise.reject(new UpstreamError('boom', -32000)));
  await t.throwsAsync(failing.done, { instanceOf: UpstreamError });
  t.like(events.at(-1), { event_type: 'error', data: { error: 'boom', error_type: 'UpstreamError' } });
  t.is(failing.operation.status, 'error');

  const toolError = operations.run(descriptor, () =>
    Promise.resolve<CallToolResult>({ content: [{ type: 'text', text: 'bad input' }], isError: true }),
  );
  await toolError.done;
  t.deepEqual(
    events.slice(-2).map((event) => event.event_type),
    ['result', 'error'],
  );
  t.like(events.at(-1)!.data, { error: 'bad input', error_type: 'ToolError' });
  t.like(toolError.operation.view(), { status: 'error', error: { error: 'bad input', error_type: 'ToolError' } });
});

test('cancel aborts the call signal and the operation ends cancelled; a second cancel is a conflict', async (t) => {
  const { operations, events } = setup();
  const { operation, done } = operations.run(
    descriptor,
    (op) =>
      new Promise<CallToolResult>((_, reject) => {
        op.signal.addEventListener('abort', () => reject(new Error('aborted upstream')), { once: true });
      }),
  );
  t.is(operations.cancel(operation.id, 'user clicked stop'), operation);
  await t.throwsAsync(done);
  await operation.whenFinished();
  t.is(operation.status, 'cancelled');
  t.deepEqual(
    events.slice(-2).map((event) => [event.event_type, event.data.status ?? event.data.error_type]),
    [
      ['status', 'cancelled'],
      ['error', 'CallCancelledError'],
    ],
  );
  t.throws(() => operations.cancel(operation.id), { instanceOf: ConflictError });
});

test("the caller's own abort cancels the operation", async (t) => {
  const { operations } = setup();
  const caller = new AbortController();
  const { operation, done } = operations.run(
    descriptor,
    (op) => new Promise<CallToolResult>((_, reject) => op.signal.addEventListener('abort', () => reject(new Error('x')))),
    caller.signal,
  );
  caller.abort();
  await t.throwsAsync(done);
  t.is(operation.status, 'cancelled');
});

test('finished operations beyond max_kept are evicted oldest first; running ones are always kept', async (t) => {
  const { operations } = setup({ maxKept: 2 });
  const long = pendingCall();
  const running = operations.run(descriptor, () => long.promise);
  const finished: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { operation, done } = operations.run({ ...descriptor, correlation_id: `c-${i}` }, () => Promise.resolve(ok));
    await done;
    finished.push(operation.id);
  }
  t.deepEqual(
    operations.list().map((view) => view.operation_id),
    [finished[3], finished[2], running.operation.id],
  );
  t.throws(() => operations.get(finished[0]!), { instanceOf: OperationNotFoundError });
  t.deepEqual(operations.counts(), { active_operations: 1, total_operations: 5, kept_operations: 3 });
  t.deepEqual(
    operations.list('running').map((view) => view.operation_id),
    [running.operation.id],
  );
  long.resolve(ok);
  await running.done;
  t.is(operations.counts().active_operations, 0);
});

test('an operation keeps its first event and the newest ones past max_events, counting the dropped', async (t) => {
  const { operations } = setup({ maxEvents: 5 });
  const { operation, done } = operations.run(descriptor, (op) => {
    for (let i = 1; i <= 10; i++) op.progress({ progress: i, total: 10 });
    return Promise.resolve(ok);
  });
  await done;
  const kept = operation.events();
  t.is(kept.length, 5);
  t.is(kept[0]!.event_type, 'status');
  t.deepEqual(
    kept.slice(1).map((event) => event.event_type),
    ['progress', 'progress', 'result', 'completed'],
  );
  t.like(operation.view(), { event_count: 13, events_dropped: 8 });
});

test('server logs reach only the running operations of that server', async (t) => {
  const { operations, events } = setup();
  const call = pendingCall();
  const { operation, done } = operations.run(descriptor, () => call.promise);
  operations.serverLog('math', { level: 'info', logger: 'slow_count', data: 'step 1' });
  operations.serverLog('other', { level: 'info', data: 'not ours' });
  operations.serverLog('math', { level: 'warning', data: { detail: 1 } });
  call.resolve(ok);
  await done;
  operations.serverLog('math', { level: 'info', data: 'after the end' });
  t.deepEqual(
    events.filter((event) => event.event_type === 'log').map((event) => event.data),
    [
      { level: 'info', message: 'step 1', logger: 'slow_count' },
      { level: 'warning', message: '{"detail":1}' },
    ],
  );
  t.is(operation.events().filter((event) => event.event_type === 'log').length, 2);
});

test('a listener that throws is logged and does not stop the others', async (t) => {
  const { operations, events } = setup();
  operations.subscribe(() => {
    throw new Error('bad listener');
  });
  const { done } = operations.run(descriptor, () => Promise.resolve(ok));
  await done;
  t.is(events.at(-1)!.event_type, 'completed');
});
