import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import {
  AccessDeniedError,
  McpServerNotFoundError,
  McpServerStartError,
  McpServerUnavailableError,
  ToolNotFoundError,
} from '../errors.js';
import type { DomainEvent } from '../events/DomainEvent.js';
import { EventBus } from '../events/EventBus.js';
import type { AccessPolicy } from '../extensions/auth.js';
import type { InvocationContext, InvocationInterceptor, InvocationTarget, TargetResolver } from '../extensions/invocation.js';
import { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import { ManualClock } from '../services/ManualClock.js';
import { nodeSpawner } from '../services/ProcessSpawner.js';
import { createSubprocessTransport } from '../transports/subprocessTransport.js';
import { PolicyAuthorizer } from './PolicyAuthorizer.js';
import { ToolInvoker } from './ToolInvoker.js';

const ECHO = path.resolve(import.meta.dirname, '../../../test/fixtures/echo-server.mjs');
const silent = pino({ level: 'silent' });
const ECHO_TOOL = { name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } };
const echo = (extra: Record<string, unknown> = {}) => ({ mode: 'subprocess', command: ['node', ECHO], ...extra });
/** A server that cannot start, but whose predefined tools make it look callable. */
const broken = { mode: 'subprocess', command: ['node', '-e', 'process.exit(3)'], tools: [ECHO_TOOL] };
const textOf = (result: { content: unknown }) => (result.content as { text: string }[])[0]!.text;

interface Options {
  interceptors?: InvocationInterceptor[];
  /** Built once the registry exists. */
  resolvers?: (registry: McpServerRegistry) => TargetResolver[];
  policies?: AccessPolicy[];
}

function setup(t: ExecutionContext, options: Options = {}) {
  const events: DomainEvent[] = [];
  const eventBus = EventBus.inMemory([{ name: 'collect', handle: (event) => void events.push(event) }], silent);
  const registry = new McpServerRegistry({
    transports: [createSubprocessTransport({ stdinGraceMs: 200, termGraceMs: 500 })],
    spawn: nodeSpawner,
    clock: new ManualClock(),
    eventBus,
    logger: silent,
    clientInfo: { name: 'hangar-test', version: '0.0.0' },
  });
  t.teardown(() => registry.stopAll());
  const reads = { interceptors: 0, resolvers: 0 };
  const resolvers = options.resolvers?.(registry) ?? [];
  const invoker = new ToolInvoker({
    registry,
    eventBus,
    logger: silent,
    clock: new ManualClock(),
    authorizer: new PolicyAuthorizer(() => options.policies ?? [], silent, false),
    interceptors: () => (reads.interceptors++, options.interceptors ?? []),
    targetResolvers: () => (reads.resolvers++, resolvers),
  });
  const invocations = async () => {
    await tick();
    return events
      .filter((event) => event.event_type.startsWith('ToolInvocation'))
      .map((event) => `${event.mcp_server_id}:${event.event_type.slice('ToolInvocation'.length)}`);
  };
  return { registry, invoker, invocations, reads };
}

/** A group of servers that selects the first member not tried yet. */
function pair(registry: McpServerRegistry, members: string[]): TargetResolver {
  const target: InvocationTarget = {
    id: 'pair',
    kind: 'group',
    invokePermission: { action: 'group:invoke', resource: 'group:pair' },
    tools: () => registry.find(members[0]!)?.tools ?? [],
    select: (_tool, exclude) =>
      members.map((id) => registry.find(id)).find((server) => server !== undefined && !exclude.has(server.id)),
  };
  return { name: 'test.pair', resolve: (name) => (name === 'pair' ? target : undefined), list: () => [target] };
}

/** Calls `next` again after any failure, up to `attempts` times in all. */
function retrying(attempts: number): InvocationInterceptor {
  return {
    name: 'test.retry',
    order: 300,
    intercept: async (_ctx, next) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next();
        } catch (error) {
          if (attempt >= attempts) throw error;
        }
      }
    },
  };
}

test('contributions are read once, on the first call, not when the invoker is built', async (t) => {
  const { registry, invoker, reads } = setup(t);
  t.deepEqual(reads, { interceptors: 0, resolvers: 0 });
  registry.register('echo', echo(), 'api');
  await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'a' } });
  await invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'b' } });
  t.deepEqual(reads, { interceptors: 1, resolvers: 1 });
});

test('an interceptor sees the call and the answering server, and shares attributes along the chain', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const outer: InvocationInterceptor = {
    name: 'test.outer',
    order: 100,
    intercept: async (ctx, next) => {
      ctx.attributes.set('test.outer', 'was here');
      const result = await next();
      seen.push({ server: ctx.server?.id, exclude: [...ctx.exclude], aborted: ctx.signal.aborted });
      return result;
    },
  };
  const inner: InvocationInterceptor = {
    name: 'test.inner',
    order: 200,
    intercept: (ctx: InvocationContext, next) => {
      const { principal, target, tool, arguments: args, correlation_id, door } = ctx;
      seen.push({ principal: principal.id, target: target.id, kind: target.kind, tool, args, correlation_id, door });
      seen.push({ outer: ctx.attributes.get('test.outer') });
      return next();
    },
  };
  const { registry, invoker } = setup(t, { interceptors: [inner, outer] });
  registry.register('echo', echo(), 'api');
  const outcome = await invoker.invoke({
    mcp_server: 'echo',
    tool: 'echo',
    arguments: { text: 'hi' },
    correlation_id: 'c-1',
    door: 'mcp',
  });
  t.is(textOf(outcome.result), 'hi');
  t.is(outcome.mcp_server_id, 'echo');
  t.deepEqual(seen, [
    {
      principal: 'anonymous',
      target: 'echo',
      kind: 'mcp_server',
      tool: 'echo',
      args: { text: 'hi' },
      correlation_id: 'c-1',
      door: 'mcp',
    },
    { outer: 'was here' },
    { server: 'echo', exclude: ['echo'], aborted: false },
  ]);
});

test('an interceptor that refuses stops the call: the typed error, no event, no server started', async (t) => {
  const deny: InvocationInterceptor = {
    name: 'test.deny',
    order: 100,
    intercept: (ctx) => Promise.reject(new AccessDeniedError(`tool '${ctx.tool}' is not allowed`)),
  };
  const { registry, invoker, invocations } = setup(t, { interceptors: [deny] });
  const server = registry.register('echo', echo({ tools: [ECHO_TOOL] }), 'api');
  await t.throwsAsync(invoker.invoke({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'x' } }), {
    instanceOf: AccessDeniedError,
    message: "tool 'echo' is not allowed",
  });
  t.deepEqual(await invocations(), []);
  t.is(server.state, 'cold');
  // The early check of async invokes does not run the chain.
  await t.notThrowsAsync(invoker.check({ mcp_server: 'echo', tool: 'echo', arguments: { text: 'x' } }));
});

test("a resolver's target is invoked by name; a retrying interceptor fails over to the next member", async (t) => {
  const { registry, invoker, invocations } = setup(t, {
    resolvers: (servers) => [pair(servers, ['a', 'b'])],
    interceptors: [retrying(3)],
  });
  registry.register('a', broken, 'api');
  registry.register('b', echo({ tools: [ECHO_TOOL] }), 'api');
  const outcome = await invoker.invoke({ mcp_server: 'pair', tool: 'echo', arguments: { text: 'failover' } });
  t.is(textOf(outcome.result), 'failover');
  t.is(outcome.mcp_server_id, 'b');
  t.deepEqual(await invocations(), ['a:Requested', 'a:Failed', 'b:Requested', 'b:Completed']);
  t.deepEqual(
    invoker.targets.listed().map((target) => target.id),
    ['pair'],
  );
});

test('a target with no member left answers 503 McpServerUnavailableError; unknown names are still 404', async (t) => {
  const { registry, invoker } = setup(t, {
    resolvers: (servers) => [pair(servers, ['a', 'b'])],
    interceptors: [retrying(5)],
  });
  registry.register('a', broken, 'api');
  registry.register('b', broken, 'api');
  const error = await t.throwsAsync(invoker.invoke({ mcp_server: 'pair', tool: 'echo', arguments: { text: 'x' } }), {
    instanceOf: McpServerUnavailableError,
  });
  t.is(error.message, "group 'pair' has no MCP server left to call tool 'echo'");
  t.is(error.status_code, 503);
  // A server is a target of one: retrying it in the same call finds it tried already.
  registry.register('solo', broken, 'api');
  await t.throwsAsync(invoker.invoke({ mcp_server: 'solo', tool: 'echo', arguments: { text: 'x' } }), {
    instanceOf: McpServerUnavailableError,
    message: "MCP server 'solo' was already tried for this call of tool 'echo'",
  });
  // Without a retrying interceptor the first failure is the answer.
  const plain = setup(t, { resolvers: (servers) => [pair(servers, ['a'])] });
  plain.registry.register('a', broken, 'api');
  await t.throwsAsync(plain.invoker.invoke({ mcp_server: 'pair', tool: 'echo', arguments: { text: 'x' } }), {
    instanceOf: McpServerStartError,
  });
  await t.throwsAsync(plain.invoker.invoke({ mcp_server: 'nope', tool: 'echo' }), { instanceOf: McpServerNotFoundError });
});

test("a target's invokePermission is asked, and a member's own tool_access still hides its tools", async (t) => {
  const policy: AccessPolicy = {
    name: 'test.no-groups-for-eve',
    check: ({ principal, action }) => (principal.id === 'eve' && action === 'group:invoke' ? 'deny' : 'abstain'),
  };
  const { registry, invoker } = setup(t, { resolvers: (servers) => [pair(servers, ['a'])], policies: [policy] });
  registry.register('a', echo({ tools: [ECHO_TOOL], tool_access: { deny_list: ['echo'] } }), 'api');
  const eve = { id: 'eve', type: 'user', roles: [] } as const;
  await t.throwsAsync(invoker.invoke({ mcp_server: 'pair', tool: 'echo', principal: eve }), {
    instanceOf: AccessDeniedError,
    message: "'eve' may not invoke tools of group 'pair'",
  });
  await t.throwsAsync(invoker.invoke({ mcp_server: 'pair', tool: 'echo', arguments: { text: 'x' } }), {
    instanceOf: ToolNotFoundError,
    message: new ToolNotFoundError('pair', 'echo').message,
  });
  t.is(registry.get('a').state, 'cold');
});
