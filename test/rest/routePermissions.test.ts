// A policy that denies an action refuses every REST route and WebSocket that declares it, before the handler runs.
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { apiClient } from '../helpers/api.js';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { denyingPolicyPlugin, upgradeStatus } from '../kernel/accessPlugins.js';

const ECHO = path.resolve(import.meta.dirname, '..', 'fixtures', 'echo-server.mjs');

const DENIED = [
  'mcp_servers:write',
  'mcp_servers:write',
  'mcp_servers:write',
  'mcp_servers:start',
  'mcp_servers:stop',
  'operations:read',
  'operations:cancel',
  'events:read',
];

/** Hangar with the echo fixture configured as `echo` (never started) and the denying policy. */
async function boot(t: ExecutionContext) {
  const dir = await tempDir(t);
  const configFile = await writeIn(
    dir,
    'hangar.yaml',
    ['mcp_servers:', '  echo:', '    mode: subprocess', `    command: [node, ${JSON.stringify(ECHO)}]`, ''].join('\n'),
  );
  const { url } = await startHangar(t, { configFile, extraPlugins: [{ definition: denyingPolicyPlugin(DENIED) }] });
  return { url, api: apiClient(url) };
}

const denied = (action: string, resource: string) => ({
  error: 'AccessDeniedError',
  message: `'anonymous' may not ${action} on ${resource}`,
  status_code: 403,
});

test('a denying policy refuses create, update, delete, start and stop of a server with 403', async (t) => {
  const { api } = await boot(t);
  const cases = [
    [
      await api.post('/mcp_servers', { mcp_server_id: 'other', mode: 'subprocess', command: ['node', ECHO] }),
      'mcp_servers:write',
      'global',
    ],
    [await api.put('/mcp_servers/echo', { description: 'changed' }), 'mcp_servers:write', 'mcp_server:echo'],
    [await api.delete('/mcp_servers/echo'), 'mcp_servers:write', 'mcp_server:echo'],
    [await api.post('/mcp_servers/echo/start'), 'mcp_servers:start', 'mcp_server:echo'],
    [await api.post('/mcp_servers/echo/stop'), 'mcp_servers:stop', 'mcp_server:echo'],
  ] as const;
  for (const [answer, action, resource] of cases) {
    t.is(answer.status, 403, action);
    t.deepEqual(answer.body, denied(action, resource), action);
  }
  // Nothing happened: the server is still there, unchanged and cold (health, unlike the detail, starts no server
  // whose tools are unknown); no other server was created.
  const health = await api.get<{ state: string }>('/mcp_servers/echo/health');
  t.is(health.status, 200);
  t.is(health.body.state, 'cold');
  const detail = await api.get<{ state: string; description: string | null }>('/mcp_servers/echo');
  t.is(detail.status, 200);
  t.not(detail.body.description, 'changed');
  t.is((await api.get('/mcp_servers/other')).status, 404);
});

test('a denying policy refuses listing and cancelling operations with 403, before looking the operation up', async (t) => {
  const { api } = await boot(t);
  const list = await api.get('/operations');
  t.is(list.status, 403);
  t.deepEqual(list.body, denied('operations:read', 'global'));
  const one = await api.get('/operations/op_unknown');
  t.deepEqual(one.body, denied('operations:read', 'global'));
  const cancel = await api.post('/operations/op_unknown/cancel');
  t.is(cancel.status, 403);
  t.deepEqual(cancel.body, denied('operations:cancel', 'global'));
  // Actions the policy does not deny still pass.
  t.is((await api.get('/mcp_servers')).status, 200);
  t.is((await api.get('/system')).status, 200);
});

test('a policy denying events:read refuses the /api/ws/events upgrade with HTTP 403, and /api/events', async (t) => {
  const { url, api } = await boot(t);
  t.is(await upgradeStatus(`${url}/api/ws/events`), 403);
  t.is((await api.get('/events')).status, 403);
  // /api/ws/operations needs operations:read, denied too (the next test shows both open without the policy).
  t.is(await upgradeStatus(`${url}/api/ws/operations`), 403);
});

test('without the policy the same WebSocket upgrades are accepted', async (t) => {
  const { url } = await startHangar(t);
  t.is(await upgradeStatus(`${url}/api/ws/events`), 101);
  t.is(await upgradeStatus(`${url}/api/ws/operations`), 101);
});
