import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import type { DomainEvent } from '../events/DomainEvent.js';
import { EventBus } from '../events/EventBus.js';
import { McpServerStartError, McpServerUnavailableError, UpstreamError } from '../errors.js';
import { ManualClock } from '../services/ManualClock.js';
import { nodeSpawner, type ProcessSpawner } from '../services/ProcessSpawner.js';
import { createSubprocessTransport } from '../transports/subprocessTransport.js';
import { McpServerRegistry } from './McpServerRegistry.js';
import { canTransition, MCP_SERVER_STATES } from './McpServerState.js';

const ECHO = path.resolve(import.meta.dirname, '../../../test/fixtures/echo-server.mjs');
const silent = pino({ level: 'silent' });

interface Setup {
  registry: McpServerRegistry;
  clock: ManualClock;
  events: DomainEvent[];
  spawns: string[];
  delivered: () => Promise<void>;
}

function setup(t: ExecutionContext, healthTimeoutMs = 5_000): Setup {
  const events: DomainEvent[] = [];
  const spawns: string[] = [];
  const clock = new ManualClock();
  const spawn: ProcessSpawner = (file, args, options) => {
    spawns.push([file, ...args].join(' '));
    return nodeSpawner(file, args, options);
  };
  const eventBus = EventBus.inMemory([{ name: 'collect', handle: (event) => void events.push(event) }], silent);
  const registry = new McpServerRegistry({
    transports: [createSubprocessTransport({ stdinGraceMs: 200, termGraceMs: 500 })],
    spawn,
    clock,
    eventBus,
    logger: silent,
    clientInfo: { name: 'hangar-test', version: '0.0.0' },
    random: () => 0.5,
    healthTimeoutMs,
  });
  t.teardown(() => registry.stopAll());
  // Events reach sinks once stored: this waits until every event published so far was delivered.
  const delivered = async (): Promise<void> => {
    await eventBus.settled();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { registry, clock, events, spawns, delivered };
}

const echo = (extra: Record<string, unknown> = {}) => ({ mode: 'subprocess', command: ['node', ECHO], ...extra });
const types = (events: DomainEvent[]) => events.map((event) => event.event_type);
const transitions = (events: DomainEvent[]) =>
  events
    .filter((e) => e.event_type === 'McpServerStateChanged')
    .map((e) => `${String(e.data.old_state)}>${String(e.data.new_state)}`);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('the transition table allows exactly the documented moves', (t) => {
  const allowed = MCP_SERVER_STATES.flatMap((from) =>
    MCP_SERVER_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`),
  );
  t.deepEqual(allowed, [
    'cold>initializing',
    'initializing>ready',
    'initializing>degraded',
    'initializing>dead',
    'ready>cold',
    'ready>degraded',
    'ready>dead',
    'degraded>cold',
    'degraded>initializing',
    'dead>initializing',
    'dead>degraded',
  ]);
});

test('twenty concurrent first calls share one spawn and one start', async (t) => {
  const { registry, events, spawns } = setup(t);
  const server = registry.register('echo', echo(), 'config');
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => server.callTool('echo', { text: `call ${i}` })));
  t.is(spawns.length, 1);
  t.deepEqual(
    results.map((r) => (r.content[0] as { text: string }).text),
    Array.from({ length: 20 }, (_, i) => `call ${i}`),
  );
  await Promise.resolve();
  t.is(types(events).filter((type) => type === 'McpServerStarted').length, 1);
  t.deepEqual(transitions(events), ['cold>initializing', 'initializing>ready']);
  const started = events.find((e) => e.event_type === 'McpServerStarted');
  t.like(started, { mcp_server_id: 'echo', data: { mode: 'subprocess', tools_count: server.tools.length } });
  t.is(server.state, 'ready');
});

test("every concurrent caller sees the starter's error; the server is dead after one failure", async (t) => {
  const { registry, spawns } = setup(t);
  const server = registry.register('broken', { mode: 'subprocess', command: ['/nonexistent/hangar-test-binary'] }, 'config');
  const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => server.callTool('x', {})));
  t.is(spawns.length, 1);
  const errors = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error) : undefined));
  t.true(errors.every((e) => e instanceof McpServerStartError));
  t.is(new Set(errors).size, 1, 'all callers get the very same error');
  t.regex(errors[0]!.message, /nonexistent\/hangar-test-binary/);
  t.is(server.state, 'dead');
  t.is(server.health().status, 'unhealthy');
});

test('at max_consecutive_failures the server is degraded; calls answer 503 until the backoff has passed', async (t) => {
  const { registry, clock, events, spawns } = setup(t);
  const server = registry.register(
    'broken',
    { mode: 'subprocess', command: ['/nonexistent/hangar-test-binary'], max_consecutive_failures: 2 },
    'config',
  );
  await t.throwsAsync(server.start(), { instanceOf: McpServerStartError });
  await t.throwsAsync(server.start(), { instanceOf: McpServerStartError });
  t.is(server.state, 'degraded');
  await Promise.resolve();
  t.true(types(events).includes('McpServerDegraded'));
  // backoff after 2 failures: 4 s (random 0.5 → no jitter)
  await t.throwsAsync(server.callTool('x', {}), { instanceOf: McpServerUnavailableError, message: /next start attempt in 4 s/ });
  t.is(spawns.length, 2);
  await clock.advance(4_000);
  await t.throwsAsync(server.callTool('x', {}), { instanceOf: McpServerStartError });
  t.is(spawns.length, 3);
  t.deepEqual(transitions(events), [
    'cold>initializing',
    'initializing>dead',
    'dead>initializing',
    'initializing>degraded',
    'degraded>initializing',
    'initializing>degraded',
  ]);
});

test('a server that exits on its own is noticed at once and recovers after the backoff', async (t) => {
  const { registry, clock, events, spawns } = setup(t);
  const server = registry.register('echo', echo(), 'config');
  await server.start();
  const firstPid = server.pid!;
  await t.throwsAsync(server.callTool('exit', { code: 3 }), { instanceOf: UpstreamError });
  await until(() => server.state === 'dead', 'dead');
  t.false(server.alive);
  t.like(
    events.find((e) => e.event_type === 'McpServerStopped'),
    { data: { reason: 'crashed' } },
  );
  // One failure → 2 s backoff; nothing restarts before it.
  await clock.advance(1_900);
  t.is(spawns.length, 1);
  await clock.advance(200);
  await until(() => server.state === 'ready', 'recovered');
  t.is(spawns.length, 2);
  t.not(server.pid, firstPid);
  t.false(alive(firstPid));
  t.deepEqual(transitions(events), [
    'cold>initializing',
    'initializing>ready',
    'ready>dead',
    'dead>initializing',
    'initializing>ready',
  ]);
  const result = await server.callTool('echo', { text: 'back' });
  t.like(result.content[0], { text: 'back' });
});

test('idle GC stops a ready server after idle_ttl_s, but never while a call is in flight', async (t) => {
  const { registry, clock, events } = setup(t);
  const server = registry.register('echo', echo({ idle_ttl_s: 1 }), 'config');
  await server.start();
  const pid = server.pid!;
  const abort = new AbortController();
  const slow = server.callTool('slow', { ms: 60_000 }, { signal: abort.signal });
  await until(() => server.inFlight === 1, 'call in flight');
  await clock.advance(5_000);
  t.is(server.state, 'ready', 'a server with a call in flight is not idle');
  abort.abort();
  await t.throwsAsync(slow);
  await clock.advance(999);
  t.is(server.state, 'ready');
  await clock.advance(2);
  await until(() => server.state === 'cold', 'idle stop');
  t.false(alive(pid));
  t.true(types(events).includes('McpServerIdleDetected'));
  t.like(
    events.find((e) => e.event_type === 'McpServerStopped'),
    { data: { reason: 'idle' } },
  );
});

test('health checks run on the server interval; consecutive failures degrade it, then a restart brings it back', async (t) => {
  const { registry, clock, events, spawns } = setup(t, 300);
  const server = registry.register('echo', echo({ health_check_interval_s: 5, max_consecutive_failures: 2 }), 'config');
  await server.start();
  const pid = server.pid!;
  t.teardown(() => {
    if (alive(pid)) process.kill(pid, 'SIGCONT');
  });
  await clock.advance(5_000);
  await until(() => types(events).includes('HealthCheckPassed'), 'a passed check');
  t.is(server.health().status, 'healthy');

  process.kill(pid, 'SIGSTOP'); // still connected, but answers nothing
  await clock.advance(5_000);
  await until(() => types(events).includes('HealthCheckFailed'), 'a failed check');
  t.is(server.state, 'ready');
  await clock.advance(5_000);
  await until(() => server.state === 'degraded', 'degraded');
  const failed = events.filter((e) => e.event_type === 'HealthCheckFailed');
  t.deepEqual(
    failed.map((e) => e.data.consecutive_failures),
    [1, 2],
  );
  t.true(types(events).includes('McpServerDegraded'));
  t.is(server.health().status, 'degraded');

  // Recovery: after min(60, 2^2) s the degraded server is restarted with a fresh process.
  process.kill(pid, 'SIGCONT');
  await clock.advance(4_000);
  await until(() => server.state === 'ready', 'restarted');
  t.is(spawns.length, 2);
  t.not(server.pid, pid);
  await until(() => !alive(pid), 'old process gone');
});

test('stopping is explicit, recorded and leaves no process', async (t) => {
  const { registry, events, delivered } = setup(t);
  const server = registry.register('echo', echo(), 'config');
  await server.start();
  const pid = server.pid!;
  const result = await server.stop('user_request');
  await delivered();
  t.deepEqual(result, { mcp_server_id: 'echo', state: 'cold', stopped: true, reason: 'user_request' });
  t.false(alive(pid));
  t.like(
    events.find((e) => e.event_type === 'McpServerStopped'),
    { data: { reason: 'user_request' } },
  );
  t.deepEqual(await server.stop(), { mcp_server_id: 'echo', state: 'cold', stopped: false, reason: 'user_request' });
});

test('predefined tools are listed while cold and replaced by the real list once started', async (t) => {
  const { registry } = setup(t);
  const changes: string[] = [];
  registry.onChange((change) => changes.push(`${change.kind}:${change.mcp_server_id}`));
  const server = registry.register(
    'echo',
    echo({ tools: [{ name: 'echo', description: 'predefined', inputSchema: { type: 'object' } }] }),
    'config',
  );
  t.true(server.toolsPredefined);
  t.deepEqual(
    server.tools.map((tool) => tool.description),
    ['predefined'],
  );
  await server.start();
  t.false(server.toolsPredefined);
  t.true(server.tools.length > 1);
  t.deepEqual(changes, ['servers:echo', 'tools:echo', 'resources:echo', 'prompts:echo']);
  await server.stop();
  t.true(server.tools.length > 1, 'last-known tools stay listed after a stop');
});

test('registry: duplicate ids conflict, bad configs name the field, updates restart only when needed', async (t) => {
  const { registry, events, delivered } = setup(t);
  registry.register('echo', echo(), 'api');
  t.throws(() => registry.register('echo', echo(), 'api'), { message: "MCP server 'echo' already exists" });
  t.throws(() => registry.register('bad id!', echo(), 'api'), { message: /mcp_server_id/ });
  t.throws(() => registry.register('x', { mode: 'subprocess', idle_ttl_s: 0 }, 'api'), { message: /idle_ttl_s/ });
  const server = registry.get('echo');
  await server.start();
  const pid = server.pid;
  await registry.update('echo', { description: 'new words' });
  t.is(server.pid, pid, 'a description change keeps the process');
  await registry.update('echo', { env: { A: '1' } });
  t.is(server.state, 'cold', 'an env change stops the process so the next start uses it');
  await registry.deregister('echo');
  t.throws(() => registry.get('echo'), { message: "MCP server 'echo' not found" });
  await delivered();
  t.deepEqual(
    types(events).filter(
      (type) => type.startsWith('McpServerRe') || type.startsWith('McpServerU') || type.startsWith('McpServerD'),
    ),
    ['McpServerRegistered', 'McpServerUpdated', 'McpServerUpdated', 'McpServerDeregistered'],
  );
});
