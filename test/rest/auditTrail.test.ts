import test from 'ava';
import {
  authenticatorsExtensionPoint,
  definePlugin,
  eventBusRef,
  operationsRef,
  policiesExtensionPoint,
  type Principal,
} from '@hangar/core';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { ECHO_SERVER } from '../mcp/helpers.js';

/** Callers name themselves in `x-test-user`; nobody else gets in. */
const namedCallers = definePlugin({
  id: 'named-callers',
  coreRange: '*',
  register(env) {
    env.provide(authenticatorsExtensionPoint, {
      name: 'named-callers.header',
      authenticate: (request): Principal | undefined => {
        const user = request.headers['x-test-user'];
        return typeof user === 'string' ? { id: user, type: 'api_key', roles: ['admin'] } : undefined;
      },
    });
    env.init({ run: () => undefined });
  },
});

function as(user: string, url: string) {
  return async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${url}/api${route}`, {
      method,
      headers: { 'x-test-user': user, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

test('events name who created, started, invoked, stopped and deleted a server; operations name who started them', async (t) => {
  const { hangar, url } = await startHangar(t, { extraPlugins: [{ definition: namedCallers }] });
  const ada = as('ada', url);
  const bob = as('bob', url);
  t.is(
    (await ada('POST', '/mcp_servers', { mcp_server_id: 'echo', mode: 'subprocess', command: ['node', ECHO_SERVER] })).status,
    201,
  );
  t.is((await bob('POST', '/mcp_servers/echo/start')).status, 200);
  const invoked = await ada('POST', '/mcp_servers/echo/tools/echo/invoke', { arguments: { text: 'hi' }, async: true });
  t.is(invoked.status, 202);
  const operations = hangar.container.resolve(operationsRef);
  const operation = operations.get(invoked.body.operation_id as string);
  await operation.whenFinished();
  t.is(operation.view().principal_id, 'ada');
  t.is((await bob('POST', '/mcp_servers/echo/stop')).status, 200);
  t.is((await ada('DELETE', '/mcp_servers/echo')).status, 200);

  const bus = hangar.container.resolve(eventBusRef);
  await bus.settled();
  const history = await bus.readStream('mcp_server:echo', 0);
  const actorOf = (type: string, data: Record<string, unknown> = {}) =>
    history
      .filter((event) => event.event_type === type && Object.entries(data).every(([k, v]) => event.data[k] === v))
      .map((event) => event.metadata?.principal_id ?? null);
  t.deepEqual(actorOf('McpServerRegistered'), ['ada']);
  t.deepEqual(actorOf('McpServerStarted'), ['bob']);
  t.deepEqual(actorOf('McpServerStopped', { reason: 'user_request' }), ['bob']);
  t.deepEqual(actorOf('McpServerDeregistered'), ['ada']);
  t.deepEqual(actorOf('ToolInvocationRequested'), ['ada']);
  t.deepEqual(actorOf('ToolInvocationCompleted'), ['ada']);
  // The WebSocket and REST views of the history show it too.
  const page = await ada('GET', '/events?event_type=McpServerRegistered');
  t.like((page.body.events as Record<string, unknown>[])[0], { metadata: { principal_id: 'ada', principal_type: 'api_key' } });
});

test('a policy that throws refuses the request and is logged, naming the policy', async (t) => {
  const broken = definePlugin({
    id: 'broken-policy',
    coreRange: '*',
    register(env) {
      env.provide(policiesExtensionPoint, {
        name: 'broken-policy.always-throws',
        check: () => {
          throw new Error('policy store unreachable');
        },
      });
      env.init({ run: () => undefined });
    },
  });
  const dir = await tempDir(t);
  const configFile = await writeIn(
    dir,
    'hangar.yaml',
    `mcp_servers:\n  echo:\n    mode: subprocess\n    command: [node, ${ECHO_SERVER}]\n`,
  );
  const { url, records } = await startHangar(t, {
    configFile,
    extraPlugins: [{ definition: namedCallers }, { definition: broken }],
  });
  const refused = await as('ada', url)('POST', '/mcp_servers/echo/tools/echo/invoke', { arguments: { text: 'hi' } });
  t.is(refused.status, 403);
  t.is(refused.body.error, 'AccessDeniedError');
  // Logged before the refusal is answered.
  const logged = records.find((record) => record.policy === 'broken-policy.always-throws');
  t.regex(String(logged?.msg), /access policy 'broken-policy.always-throws' failed; the request is refused/);
  t.is(logged?.level, 50);
});

test('a plugin runs its own operation: status lines, progress, a result, watched like a tool call', async (t) => {
  const { hangar, url } = await startHangar(t);
  const operations = hangar.container.resolve(operationsRef);
  const { operation, done } = operations.run(
    { operation_type: 'discovery_scan', source: 'discovery-fs', title: 'scanning ./servers.d' },
    (op) => {
      op.report('reading 2 files');
      op.progress({ progress: 1, total: 2, message: 'a.yaml' });
      op.progress({ progress: 2, total: 2, message: 'b.yaml' });
      return Promise.resolve({ mcp_servers_found: 2 });
    },
  );
  t.deepEqual(await done, { mcp_servers_found: 2 });
  const answer = (await (await fetch(`${url}/api/operations/${operation.id}`)).json()) as {
    operation: Record<string, unknown>;
    events: { event_type: string; data: Record<string, unknown> }[];
  };
  t.like(answer.operation, { operation_type: 'discovery_scan', source: 'discovery-fs', status: 'completed', progress: 1 });
  t.deepEqual(
    answer.events.map((event) => event.event_type),
    ['status', 'status', 'progress', 'progress', 'result', 'completed'],
  );
  t.is(answer.events[0]?.data.message, 'scanning ./servers.d');
  t.deepEqual(answer.events[4]?.data.result, { mcp_servers_found: 2 });
});
