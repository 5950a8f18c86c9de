import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { mcpServersRef } from '@hangar/core';
import { apiClient } from '../../../../test/helpers/api.js';
import { startHangar, tempDir, writeIn } from '../../../../test/helpers/hangar.js';
import { connectClient, echoServerYaml, eventually, jsonOf, textOf } from '../../../../test/mcp/helpers.js';

const PLUGIN_DIR = path.resolve(import.meta.dirname, '..');
const DENIED = {
  error: 'AccessDeniedError',
  message: "call-guard: tool 'log_stderr' of 'echo' is denied (deny_tools)",
  status_code: 403,
};

/** Boots Hangar with one echo server and call-guard loaded from a plugins file with `options`. */
async function bootGuarded(t: ExecutionContext, options: unknown = { deny_tools: ['log_*', 'echo__exit'] }) {
  const dir = await tempDir(t, 'call-guard-');
  const pluginsFile = await writeIn(dir, 'hangar.plugins.json', {
    plugins: [{ id: 'call-guard', module: PLUGIN_DIR, options }],
  });
  const configFile = await writeIn(dir, 'hangar.yaml', `mcp_servers:\n${echoServerYaml('echo')}\n`);
  const { hangar, url, records } = await startHangar(t, { pluginsFile, configFile });
  /** The guard's call lines so far. */
  const calls = () => records.filter((record) => record.msg === 'call-guard: tool call');
  return { hangar, url, api: apiClient(url), calls };
}

test('REST: a denied tool answers 403 and starts nothing; an allowed call is logged with its facts', async (t) => {
  const { hangar, api, calls } = await bootGuarded(t);
  const refused = await api.post('/mcp_servers/echo/tools/log_stderr/invoke', { arguments: { lines: ['x'] } });
  t.is(refused.status, 403);
  t.deepEqual(refused.body, DENIED);
  // Qualified globs match `<target>__<tool>`.
  const exit = await api.post('/mcp_servers/echo/tools/exit/invoke', { arguments: { code: 1 } });
  t.like(exit.body, { error: 'AccessDeniedError', status_code: 403 });
  t.is(hangar.container.resolve(mcpServersRef).get('echo').state, 'cold');

  const answered = await api.post('/mcp_servers/echo/tools/echo/invoke', {
    arguments: { text: 'hi' },
    correlation_id: 'rest-1',
  });
  t.is(answered.status, 200, answered.text);
  t.like(answered.body, { mcp_server_id: 'echo', tool: 'echo', correlation_id: 'rest-1', result: { content: [{ text: 'hi' }] } });

  const [denied, deniedExit, completed] = calls();
  t.like(denied, {
    plugin: 'call-guard',
    door: 'rest',
    target: 'echo',
    target_kind: 'mcp_server',
    tool: 'log_stderr',
    mcp_server: null,
    outcome: 'denied',
  });
  t.like(deniedExit, { tool: 'exit', outcome: 'denied' });
  t.like(completed, { correlation_id: 'rest-1', door: 'rest', target: 'echo', mcp_server: 'echo', outcome: 'completed' });
  t.is(typeof completed?.duration_ms, 'number');
  t.is(calls().length, 3);
});

test('MCP tools/call (namespaced, SDK client over streamable HTTP): a denied tool is an isError AccessDeniedError result', async (t) => {
  const { url, calls } = await bootGuarded(t);
  const client = await connectClient(t, url);
  const refused = await client.callTool({ name: 'echo__log_stderr', arguments: { lines: ['x'] } });
  t.true(refused.isError);
  t.deepEqual(jsonOf(refused), DENIED);
  t.is(textOf(await client.callTool({ name: 'echo__echo', arguments: { text: 'over mcp' } })), 'over mcp');
  t.deepEqual(
    calls().map(({ door, tool, outcome }) => ({ door, tool, outcome })),
    [
      { door: 'mcp', tool: 'log_stderr', outcome: 'denied' },
      { door: 'mcp', tool: 'echo', outcome: 'completed' },
    ],
  );
  // An isError answer from the tool itself is logged as such, not as a failure.
  const failing = await client.callTool({ name: 'echo__fail', arguments: { message: 'nope' } });
  t.true(failing.isError);
  t.like(calls().at(-1), { tool: 'fail', outcome: 'is_error', mcp_server: 'echo' });
});

test('registry_invoke goes through the guard too (door meta)', async (t) => {
  const { url, calls } = await bootGuarded(t);
  const client = await connectClient(t, url);
  const refused = await client.callTool({
    name: 'registry_invoke',
    arguments: { mcp_server: 'echo', tool: 'log_stderr', arguments: { lines: ['x'] } },
  });
  t.true(refused.isError);
  t.deepEqual(jsonOf(refused), DENIED);
  const answered = await client.callTool({
    name: 'registry_invoke',
    arguments: { mcp_server: 'echo', tool: 'echo', arguments: { text: 'meta' } },
  });
  t.is(textOf(answered), 'meta');
  t.deepEqual(
    calls().map(({ door, outcome }) => `${String(door)}:${String(outcome)}`),
    ['meta:denied', 'meta:completed'],
  );
});

test('an async REST invoke of a denied tool is accepted, then its operation ends in error with the error type', async (t) => {
  const { api, calls } = await bootGuarded(t);
  // The early check runs no interceptor: the refusal comes from the call, inside the operation.
  const accepted = await api.post<{ operation_id: string }>('/mcp_servers/echo/tools/log_stderr/invoke', {
    arguments: { lines: ['x'] },
    async: true,
  });
  t.is(accepted.status, 202, accepted.text);
  const operation = await eventually(async () => {
    const { body } = await api.get<{ operation: { status: string; error: Record<string, unknown> | null } }>(
      `/operations/${accepted.body.operation_id}`,
    );
    return body.operation.status === 'running' ? undefined : body.operation;
  }, 'the operation to end');
  t.is(operation.status, 'error');
  t.like(operation.error, { error_type: 'AccessDeniedError' });
  t.like(calls().at(-1), { door: 'operation', tool: 'log_stderr', outcome: 'denied' });
});

test('log_calls false keeps quiet but still refuses; bad options fail the boot naming the field', async (t) => {
  const { api, calls } = await bootGuarded(t, { deny_tools: ['log_stderr'], log_calls: false });
  t.is((await api.post('/mcp_servers/echo/tools/log_stderr/invoke', { arguments: { lines: ['x'] } })).status, 403);
  t.is((await api.post('/mcp_servers/echo/tools/echo/invoke', { arguments: { text: 'x' } })).status, 200);
  t.deepEqual(calls(), []);

  const error = await t.throwsAsync(bootGuarded(t, { deny_tools: 'log_*' }));
  t.is((error as unknown as { code: string }).code, 'HANGAR_ERR_PLUGIN_BAD_OPTIONS');
  t.regex(error.message, /plugin 'call-guard': bad options: options\.deny_tools/);
});
