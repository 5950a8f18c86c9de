import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import {
  AccessDeniedError,
  CallCancelledError,
  McpServerNotFoundError,
  ToolNotFoundError,
  UpstreamError,
  UpstreamTimeoutError,
  ValidationError,
} from '../errors.js';
import type { DomainEvent } from '../events/DomainEvent.js';
import { EventBus } from '../events/EventBus.js';
import type { AccessPolicy, Principal } from '../extensions/auth.js';
import { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import { ManualClock } from '../services/ManualClock.js';
import { nodeSpawner } from '../services/ProcessSpawner.js';
import { createSubprocessTransport } from '../transports/subprocessTransport.js';
import { PolicyAuthorizer } from './PolicyAuthorizer.js';
import { ToolInvoker } from './ToolInvoker.js';

const ECHO = path.resolve(import.meta.dirname, '../../../test/fixtures/echo-server.mjs');
const silent = pino({ level: 'silent' });

function setup(t: ExecutionContext, policies: AccessPolicy[] = []) {
  const events: DomainEvent[] = [];
  const spawns: string[] = [];
  const clock = new ManualClock();
  const eventBus = EventBus.inMemory([{ name: 'collect', handle: (event) => void events.push(event) }], silent);
  const registry = new McpServerRegistry({
    transports: [createSubprocessTransport({ stdinGraceMs: 200, termGraceMs: 500 })],
    spawn: (file, args, options) => {
      spawns.push(file);
      return nodeSpawner(file, args, options);
    },
    clock,
    eventBus,
    logger: silent,
    clientInfo: { name: 'hangar-test', version: '0.0.0' },
  });
  t.teardown(() => registry.stopAll());
  const authorizer = new PolicyAuthorizer(() => policies, silent, false);
  const invoker = new ToolInvoker({ registry, eventBus, logger: silent, clock, authorizer });
  /** The ToolInvocation* events so far, once delivered. */
  const invocations = async () => {
    await tick();
    return events.filter((event) => event.event_type.startsWith('ToolInvocation'));
  };
  return { registry, invoker, events, spawns, invocations };
}

const echo = (extra: Record<string, unknown> = {}) => ({ mode: 'subprocess', command: ['node', ECHO], ...extra });
const textOf = (result: { content: unknown }) => (result.content as { text: string }[])[0]!.text;

test('a call answers with the upstream result and records Requested, then Completed', async (t) => {
  const { registry, invoker, invocations } = setup(t);
  registry.register('echo', echo(), 'api');
  const outcome = await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'hi' }, correlation_id: 'c-1' });
  t.is(textOf(outcome.result), 'hi');
  t.is(outcome.correlation_id, 'c-1');
  const [requested, completed, ...rest] = await invocations();
  t.deepEqual(rest, []);
  t.like(requested, {
    event_type: 'ToolInvocationRequested',
    mcp_server_id: 'echo',
    data: { tool: 'echo', correlation_id: 'c-1', arguments_size_bytes: Buffer.byteLength('{"text":"hi"}') },
  });
  t.like(completed, {
    event_type: 'ToolInvocationCompleted',
    mcp_server_id: 'echo',
    data: { tool: 'echo', correlation_id: 'c-1', duration_ms: outcome.duration_ms },
  });
  t.is(completed!.data.result_size_bytes, Buffer.byteLength(JSON.stringify(outcome.result)));
  t.false('is_error' in completed!.data);
});

test('a missing correlation_id is a fresh UUID', async (t) => {
  const { registry, invoker } = setup(t);
  registry.register('echo', echo(), 'api');
  const one = await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'a' } });
  const two = await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'b' } });
  t.regex(one.correlation_id, /^[0-9a-f-]{36}$/);
  t.not(one.correlation_id, two.correlation_id);
});

test('arguments that break the schema are refused before the upstream sees them', async (t) => {
  const { registry, invoker, spawns, invocations } = setup(t);
  // Predefined tools make the server callable while cold; a refused call must not even start it.
  const inputSchema = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
  registry.register('echo', echo({ tools: [{ name: 'echo', inputSchema }] }), 'api');
  const error = await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 5 } }), {
    instanceOf: ValidationError,
  });
  t.is(error.message, 'arguments.text: must be string');
  t.is(registry.get('echo').state, 'cold');
  t.deepEqual(spawns, []);
  const events = await invocations();
  t.deepEqual(
    events.map((e) => e.event_type),
    ['ToolInvocationRequested', 'ToolInvocationFailed'],
  );
  t.like(events[1]!.data, { tool: 'echo', error_type: 'ValidationError', error_message: 'arguments.text: must be string' });
});

test('the real tool list is validated against too, once the server runs', async (t) => {
  const { registry, invoker } = setup(t);
  registry.register('echo', echo(), 'api');
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: {} }), {
    instanceOf: ValidationError,
    message: 'arguments.text: is required',
  });
});

test('an isError result counts as completed, marked is_error', async (t) => {
  const { registry, invoker, invocations } = setup(t);
  registry.register('echo', echo(), 'api');
  const { result } = await invoker.invoke({ mcp_server: 'echo', tool: 'fail', arguments: { message: 'nope' } });
  t.true(result.isError);
  const events = await invocations();
  t.like(events.at(-1), { event_type: 'ToolInvocationCompleted', data: { is_error: true } });
  t.like((await invoker.history('echo', { limit: 10, from_position: 0 })).history[0], { status: 'completed', is_error: true });
});

test('an upstream JSON-RPC error is recorded as failed under its class name and rethrown', async (t) => {
  const { registry, invoker, invocations } = setup(t);
  registry.register('echo', echo(), 'api');
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'rpc_error', correlation_id: 'c-9' }), {
    instanceOf: UpstreamError,
  });
  t.like((await invocations()).at(-1), {
    event_type: 'ToolInvocationFailed',
    data: { tool: 'rpc_error', error_type: 'UpstreamError', correlation_id: 'c-9' },
  });
  t.like((await invoker.history('echo', { limit: 10, from_position: 0 })).history[0], {
    status: 'failed',
    error_type: 'UpstreamError',
    correlation_id: 'c-9',
  });
});

test('an unknown server or tool is a 404 and records nothing', async (t) => {
  const { registry, invoker, invocations } = setup(t);
  registry.register('echo', echo(), 'api');
  await t.throwsAsync(invoker.invoke({ mcp_server: 'nope', tool: 'echo' }), { instanceOf: McpServerNotFoundError });
  // A server that never ran is started once to learn its real tools before a name is declared unknown.
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'nope' }), { instanceOf: ToolNotFoundError });
  t.is(registry.get('echo').state, 'ready');
  t.deepEqual(await invocations(), []);
  t.is(invoker.totalCalls, 0);
});

test('a cold server whose predefined list lacks the tool is started to learn the real list', async (t) => {
  const { registry, invoker } = setup(t);
  registry.register('echo', echo({ tools: [{ name: 'other' }] }), 'api');
  const { result } = await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'found' } });
  t.is(textOf(result), 'found');
});

test('after a stop the last-known list is trusted: an unknown tool does not restart the server', async (t) => {
  const { registry, invoker, spawns } = setup(t);
  const server = registry.register('echo', echo(), 'api');
  await server.start();
  await server.stop();
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'nope' }), { instanceOf: ToolNotFoundError });
  t.is(server.state, 'cold');
  t.is(spawns.length, 1);
});

test('a tool hidden by tool_access is indistinguishable from a missing one and starts nothing', async (t) => {
  const { registry, invoker, spawns } = setup(t);
  const server = registry.register('echo', echo({ tool_access: { deny_list: ['ech?'] } }), 'api');
  const error = await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'x' } }), {
    instanceOf: ToolNotFoundError,
  });
  t.is(error.message, new ToolNotFoundError('echo', 'echo').message);
  t.deepEqual(spawns, []);
  await server.start();
  const visible = invoker.visibleTools(server, { id: 'anyone', type: 'user', roles: [] }).map((tool) => tool.name);
  t.true(visible.includes('log_stderr'));
  t.false(visible.includes('echo'));
});

test('policies can hide a tool from one principal (404) or refuse the whole server (403)', async (t) => {
  const bob: Principal = { id: 'bob', type: 'user', roles: [] };
  const eve: Principal = { id: 'eve', type: 'user', roles: [] };
  const policy: AccessPolicy = {
    name: 'test',
    check: ({ principal, action, resource }) =>
      principal.id === 'eve' && action === 'tool:invoke' && resource === 'mcp_server:echo' ? 'deny' : 'abstain',
    toolAllowed: (principal, _serverId, tool) => !(principal.id === 'bob' && tool === 'echo'),
  };
  const { registry, invoker } = setup(t, [policy]);
  registry.register('echo', echo(), 'api');
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'x' }, principal: bob }), {
    instanceOf: ToolNotFoundError,
  });
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'x' }, principal: eve }), {
    instanceOf: AccessDeniedError,
  });
  const { result } = await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'x' } });
  t.is(textOf(result), 'x');
});

test('timeout_s must be a positive number of at most 3600 seconds', async (t) => {
  const { registry, invoker, invocations } = setup(t);
  registry.register('echo', echo(), 'api');
  for (const timeout_s of [0, -1, 3601, Number.NaN, Number.POSITIVE_INFINITY]) {
    await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'x' }, timeout_s }), {
      instanceOf: ValidationError,
      message: /^timeout_s: /,
    });
  }
  t.true(
    (await invocations())
      .filter((e) => e.event_type === 'ToolInvocationFailed')
      .every((e) => e.data.error_type === 'ValidationError'),
  );
});

test('timeout_s bounds the upstream call', async (t) => {
  const { registry, invoker, invocations } = setup(t);
  registry.register('echo', echo(), 'api');
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'slow', arguments: { ms: 60_000 }, timeout_s: 0.3 }), {
    instanceOf: UpstreamTimeoutError,
  });
  t.like((await invocations()).at(-1), { event_type: 'ToolInvocationFailed', data: { error_type: 'UpstreamTimeoutError' } });
});

test('progress reaches onProgress and the signal cancels the call', async (t) => {
  const { registry, invoker } = setup(t);
  registry.register('echo', echo(), 'api');
  const abort = new AbortController();
  const progress: number[] = [];
  await t.throwsAsync(
    invoker.invoke({
      mcp_server: 'echo',
      tool: 'slow',
      arguments: {},
      signal: abort.signal,
      // The fixture reports progress 0 once it runs, so the cancel lands mid-call without sleeping.
      onProgress: (update) => {
        progress.push(update.progress);
        abort.abort();
      },
    }),
    { instanceOf: CallCancelledError },
  );
  t.deepEqual(progress, [0]);
  t.like((await invoker.history('echo', { limit: 10, from_position: 0 })).history[0], {
    status: 'failed',
    error_type: 'CallCancelledError',
  });
});

test('history keeps every finished call per server with increasing positions; totalCalls counts them all', async (t) => {
  const { registry, invoker } = setup(t);
  registry.register('echo', echo(), 'api');
  registry.register('echo2', echo(), 'api');
  for (const text of ['a', 'b', 'c']) await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text } });
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 1 } }));
  await invoker.invoke({ mcp_server: 'echo2', tool: 'echo', arguments: { text: 'z' } });

  const all = await invoker.history('echo', { limit: 100, from_position: 0 });
  t.is(all.total, 4);
  t.deepEqual(
    all.history.map((r) => r.status),
    ['completed', 'completed', 'completed', 'failed'],
  );
  // Positions are versions in the server's stream, which holds its other events too.
  const positions = all.history.map((r) => r.position);
  t.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
  );
  t.is(new Set(positions).size, 4);
  t.like(all.history[0], { tool: 'echo', started_at: new Date(Date.parse('2026-01-01T00:00:00Z')).toISOString() });
  t.like(all.history[3], { duration_ms: 0, error_type: 'ValidationError' });
  t.deepEqual(
    (await invoker.history('echo', { limit: 2, from_position: positions[1]! })).history.map((r) => r.position),
    positions.slice(1, 3),
  );
  t.is((await invoker.history('echo2', { limit: 100, from_position: 0 })).total, 1);
  t.is(invoker.totalCalls, 5);
});

test('history belongs to the id: it is an audit trail that outlives removing and re-creating the server', async (t) => {
  const { registry, invoker } = setup(t);
  registry.register('echo', echo(), 'api');
  await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'a' } });
  await registry.deregister('echo');
  registry.register('echo', echo(), 'api');
  await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'b' } });
  t.is((await invoker.history('echo', { limit: 100, from_position: 0 })).total, 2);
});
