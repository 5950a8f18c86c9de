import test from 'ava';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { apiClient } from '../helpers/api.js';
import { connectClient, eventually } from '../mcp/helpers.js';
import { connectOperations, startMathHangar, startSlowCount, typesOf, type Frame } from './wsOperationsHelpers.js';

// /api/ws/operations end to end: a real Hangar, the math example server, real `ws` clients.

interface OperationAnswer {
  operation: Frame;
  events: Frame[];
}
interface LogsAnswer {
  logs: { line: string; stream: string }[];
}

test('two clients following one operation receive the same ordered events, ending with result then completed', async (t) => {
  const { url } = await startMathHangar(t);
  const api = apiClient(url);
  const first = await connectOperations(t, url);
  const second = await connectOperations(t, url);
  const id = await startSlowCount(api, 5, 50);
  t.deepEqual(await first.reply({ command: 'subscribe', operation_id: id }), { status: 'subscribed', operation_id: id });
  t.deepEqual(await second.reply({ command: 'subscribe', operation_id: id }), { status: 'subscribed', operation_id: id });
  await Promise.all([first.waitForEnd(id), second.waitForEnd(id)]);

  const events = first.eventsOf(id);
  t.deepEqual(second.eventsOf(id), events);
  t.like(events[0], { event_type: 'status', operation_id: id, data: { status: 'running' } });
  t.deepEqual(typesOf(events.slice(-2)), ['result', 'completed']);
  t.like(events.at(-2), { data: { result: { content: [{ type: 'text', text: 'counted to 5' }] } } });
  t.like(events.at(-1), { data: { status: 'completed' } });
  t.deepEqual(
    events.filter((event) => event.event_type === 'progress').map((event) => (event.data as Frame).progress),
    [0.2, 0.4, 0.6, 0.8, 1],
  );
  const timestamps = events.map((event) => event.timestamp as number);
  t.true(timestamps.every((timestamp, index) => index === 0 || timestamp >= timestamps[index - 1]!));
  // What the socket sent is what the operation recorded.
  t.deepEqual(events, (await api.get<OperationAnswer>(`/operations/${id}`)).body.events);
});

test('a "*" subscriber sees operations started after it subscribed, from REST and from registry_invoke_stream', async (t) => {
  const { url } = await startMathHangar(t);
  const api = apiClient(url);
  const watcher = await connectOperations(t, url);
  t.deepEqual(await watcher.reply({ command: 'subscribe', operation_id: '*' }), { status: 'subscribed', operation_id: '*' });

  const restId = await startSlowCount(api, 3, 20);
  const mcp = await connectClient(t, url);
  const result = (await mcp.callTool({
    name: 'registry_invoke_stream',
    arguments: { mcp_server: 'math', tool: 'slow_count', arguments: { steps: 2, delay_ms: 20 } },
  })) as CallToolResult;
  const mcpId = (result._meta?.['hangar/invocation'] as Frame | undefined)?.operation_id as string;
  t.is(typeof mcpId, 'string');
  t.not(mcpId, restId);
  await Promise.all([watcher.waitForEnd(restId), watcher.waitForEnd(mcpId)]);

  for (const [id, steps] of [
    [restId, 3],
    [mcpId, 2],
  ] as const) {
    const events = watcher.eventsOf(id);
    t.like(events[0], { event_type: 'status', data: { status: 'running' } }, id);
    t.is(events.filter((event) => event.event_type === 'progress').length, steps, id);
    t.deepEqual(typesOf(events.slice(-2)), ['result', 'completed'], id);
  }
  t.like(await watcher.reply({ command: 'get_operation', operation_id: mcpId }), {
    status: 'ok',
    operation: { operation_id: mcpId, source: 'mcp', tool: 'slow_count', mcp_server: 'math', status: 'completed' },
  });
});

test('subscribing to a finished operation replays its events', async (t) => {
  const { url } = await startMathHangar(t);
  const api = apiClient(url);
  const live = await connectOperations(t, url);
  await live.reply({ command: 'subscribe', operation_id: '*' });
  const id = await startSlowCount(api, 3, 10);
  await live.waitForEnd(id);

  const late = await connectOperations(t, url);
  t.deepEqual(await late.reply({ command: 'subscribe', operation_id: id }), { status: 'subscribed', operation_id: id });
  await late.waitForEnd(id);
  const ack = late.frames.findIndex((frame) => frame.status === 'subscribed');
  t.deepEqual(late.frames.slice(ack + 1), live.eventsOf(id));
  t.deepEqual(late.eventsOf(id), (await api.get<OperationAnswer>(`/operations/${id}`)).body.events);
});

test('get_operation answers the operation, get_stats the counts, and unsubscribe stops its events', async (t) => {
  const { url } = await startMathHangar(t);
  const api = apiClient(url);
  const client = await connectOperations(t, url);
  const witness = await connectOperations(t, url);
  const id = await startSlowCount(api, 1000, 20);
  await client.reply({ command: 'subscribe', operation_id: id });
  await witness.reply({ command: 'subscribe', operation_id: id });
  await witness.reply({ command: 'subscribe', operation_id: '*' });
  await client.waitFor(() => client.eventsOf(id).some((event) => event.event_type === 'progress'), 'a progress event');

  const { operation } = await client.reply({ command: 'get_operation', operation_id: id });
  t.like(operation, { operation_id: id, operation_type: 'tool_call', status: 'running', mcp_server: 'math', tool: 'slow_count' });
  t.like((await api.get<OperationAnswer>(`/operations/${id}`)).body.operation, {
    operation_id: id,
    started_at: (operation as Frame).started_at,
    source: 'rest',
  });
  t.deepEqual(await client.reply({ command: 'get_stats' }), {
    status: 'ok',
    stats: { connected_clients: 2, active_operations: 1, total_operations: 1, subscriptions: 3 },
  });

  t.deepEqual(await client.reply({ command: 'unsubscribe', operation_id: id }), { status: 'unsubscribed', operation_id: id });
  const unsubscribedAt = client.frames.length;
  // The operation goes on (the witness sees three more steps), but none of it reaches the client.
  const seen = witness.eventsOf(id).length;
  await witness.waitFor(() => witness.eventsOf(id).length >= seen + 3, 'three more events');
  // Replies keep their place among events: whatever was sent before this answer has arrived.
  t.like(await client.reply({ command: 'get_stats' }), { stats: { subscriptions: 2 } });
  t.deepEqual(
    client.frames.slice(unsubscribedAt).filter((frame) => 'event_type' in frame),
    [],
  );
  t.is((await api.post(`/operations/${id}/cancel`)).status, 200);
});

test('unknown commands, unknown operations and bad JSON get an error frame and the socket keeps working', async (t) => {
  const { url } = await startMathHangar(t);
  const api = apiClient(url);
  const client = await connectOperations(t, url);
  t.like(await client.reply('this is not JSON'), { status: 'error', error: 'InvalidJSONError' });
  const unknown = await client.reply({ command: 'launch', operation_id: 'x' });
  t.like(unknown, { status: 'error', error: 'ValidationError' });
  t.regex(unknown.message as string, /Unknown command: "launch"/);
  t.like(await client.reply({ command: 'subscribe' }), { status: 'error', error: 'ValidationError' });
  t.like(await client.reply({ command: 'subscribe', operation_id: 'no-such-operation' }), {
    status: 'error',
    error: 'OperationNotFoundError',
  });
  t.like(await client.reply({ command: 'get_operation', operation_id: 'no-such-operation' }), {
    status: 'error',
    error: 'OperationNotFoundError',
  });
  t.like(await client.reply({ command: 'get_stats' }), { status: 'ok', stats: { connected_clients: 1 } });
  const id = await startSlowCount(api, 2, 10);
  await client.reply({ command: 'subscribe', operation_id: id });
  await client.waitForEnd(id);
  t.deepEqual(typesOf(client.eventsOf(id).slice(-2)), ['result', 'completed']);
  t.is(client.socket.readyState, client.socket.OPEN);
});

test('cancelling over REST ends the operation cancelled and stops the upstream call', async (t) => {
  const { url } = await startMathHangar(t);
  const api = apiClient(url);
  const client = await connectOperations(t, url);
  // A thousand 50 ms steps: the call would run for 50 s if the cancel did not reach the server.
  const id = await startSlowCount(api, 1000, 50);
  await client.reply({ command: 'subscribe', operation_id: id });
  await client.waitFor(
    () => client.eventsOf(id).filter((event) => event.event_type === 'progress').length >= 2,
    'two progress events',
  );

  const cancelled = await api.post(`/operations/${id}/cancel`);
  t.is(cancelled.status, 200, cancelled.text);
  t.deepEqual(cancelled.body, { operation_id: id, cancelled: true, status: 'cancelled' });
  await client.waitForEnd(id);
  const events = client.eventsOf(id);
  t.deepEqual(typesOf(events.slice(-2)), ['status', 'error']);
  t.like(events.at(-2), { data: { status: 'cancelled' } });
  t.like(events.at(-1), { data: { error_type: 'CallCancelledError' } });
  t.false(events.some((event) => event.event_type === 'result'));
  t.like(await client.reply({ command: 'get_operation', operation_id: id }), {
    operation: { status: 'cancelled', error: { error_type: 'CallCancelledError' } },
  });

  // The server's slow_count handler itself returned, aborted, long before its thousand steps.
  const logs = await eventually(async () => {
    const { body } = await api.get<LogsAnswer>('/mcp_servers/math/logs?lines=1000');
    const lines = body.logs.map((entry) => entry.line);
    return lines.some((line) => /^tool-tap slow_count ended \S+ aborted=true$/.test(line)) ? lines : undefined;
  }, 'the upstream handler to stop');
  t.is(logs.filter((line) => line.startsWith('tool-tap slow_count started')).length, 1);
  t.is((await api.get<Frame>('/mcp_servers/math')).body.in_flight, 0);
  t.is(client.socket.readyState, client.socket.OPEN);
});
