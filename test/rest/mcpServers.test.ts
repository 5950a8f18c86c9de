import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { CORE_VERSION } from '@hangar/core';
import { apiClient, type Answer } from '../helpers/api.js';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { eventually } from '../mcp/helpers.js';

const ECHO = path.resolve(import.meta.dirname, '..', 'fixtures', 'echo-server.mjs');

interface ToolView {
  name: string;
  description: string | null;
}
interface LogEntry {
  timestamp: string;
  line: string;
}
interface HistoryRecord {
  position: number;
  correlation_id: string;
  status: string;
  error_type?: string;
  started_at: string;
  duration_ms: number;
  result_size_bytes?: number;
}
/** The bodies whose fields the tests reach into. */
interface Bodies {
  list: { mcp_servers: { mcp_server: string }[] };
  detail: {
    description: string | null;
    pid?: number;
    in_flight: number;
    tools: ToolView[];
    config: { env: Record<string, string> };
  };
  start: { tools_count: number; startup_duration_ms: number };
  tools: { tools: ToolView[] };
  health: { history: unknown };
  invoke: { correlation_id: string; duration_ms: number; result: { isError?: boolean } };
  logs: { logs: LogEntry[]; count: number; mcp_server_id: string };
  history: { history: HistoryRecord[]; total: number; mcp_server_id: string };
  system: { system: Record<string, unknown> & { uptime_seconds: number } };
}

/** Boots Hangar with the echo fixture configured as `echo`; returns a JSON client for `/api`. */
async function boot(t: ExecutionContext) {
  const dir = await tempDir(t);
  const configFile = await writeIn(
    dir,
    'hangar.yaml',
    [
      'mcp_servers:',
      '  echo:',
      '    mode: subprocess',
      `    command: [node, ${JSON.stringify(ECHO)}]`,
      '    description: Echo fixture',
      '    env: { ECHO_SECRET: hunter2 }',
      '',
    ].join('\n'),
  );
  const { url } = await startHangar(t, { configFile });
  return {
    ...apiClient(url),
    url,
  };
}

type Api = Awaited<ReturnType<typeof boot>>;

/** Asserts the seed-001 error body, and that the message names what it should. */
function isError(t: ExecutionContext, answer: Answer<unknown>, status: number, error: string, mentions?: string): void {
  const body = answer.body as { error: unknown; message: unknown; status_code: unknown };
  t.is(answer.status, status, answer.text);
  t.deepEqual(Object.keys(body).sort(), ['error', 'message', 'status_code'], answer.text);
  t.is(body.error, error, answer.text);
  t.is(body.status_code, status);
  t.is(typeof body.message, 'string');
  if (mentions !== undefined) t.true(String(body.message).includes(mentions), String(body.message));
}

const invoke = (api: Api, tool: string, body: unknown, server = 'echo') =>
  api.post<Bodies['invoke']>(`/mcp_servers/${server}/tools/${tool}/invoke`, body);

test('GET /mcp_servers lists servers in the seed shape (starting those whose tools are unknown) and filters by state', async (t) => {
  const api = await boot(t);
  const list = await api.get<{ mcp_servers: Record<string, unknown>[] }>('/mcp_servers');
  t.is(list.status, 200);
  t.is(list.body.mcp_servers.length, 1);
  const [echo] = list.body.mcp_servers;
  t.deepEqual(Object.keys(echo!).sort(), [
    'alive',
    'description',
    'health_status',
    'mcp_server',
    'mode',
    'state',
    'tools_count',
    'tools_predefined',
  ]);
  // A server that never ran and has no predefined tools is started by the listing, so its tools are counted.
  t.like(echo, { mcp_server: 'echo', state: 'ready', mode: 'subprocess', alive: true, tools_predefined: false });
  t.true((echo!.tools_count as number) > 0);
  t.deepEqual((await api.get('/mcp_servers?state=cold')).body, { mcp_servers: [] });
  t.is((await api.get<Bodies['list']>('/mcp_servers?state=ready')).body.mcp_servers.length, 1);
  isError(t, await api.get('/mcp_servers?state=sleeping'), 422, 'ValidationError', 'state');
  isError(t, await api.get('/mcp_servers?state=cold&state=ready'), 422, 'ValidationError', 'state');
});

test('create → get → update → delete round trip, with secrets masked', async (t) => {
  const api = await boot(t);
  const created = await api.post('/mcp_servers', {
    mcp_server_id: 'echo2',
    mode: 'subprocess',
    command: ['node', ECHO],
    env: { API_KEY: 's3cret-value' },
    description: 'second echo',
    idle_ttl_s: 120,
  });
  t.is(created.status, 201, created.text);
  t.deepEqual(created.body, { mcp_server_id: 'echo2', created: true });

  // The detail of a server whose tools are unknown starts it first (list_start_timeout_s), so its tools are shown.
  const detail = await api.get<Bodies['detail']>('/mcp_servers/echo2');
  t.is(detail.status, 200);
  t.like(detail.body, {
    mcp_server_id: 'echo2',
    state: 'ready',
    mode: 'subprocess',
    alive: true,
    description: 'second echo',
    tools_predefined: false,
    in_flight: 0,
    config: { env: { API_KEY: '***' }, idle_ttl_s: 120, command: ['node', ECHO] },
    health: { consecutive_failures: 0 },
  });
  t.true(detail.body.tools.some((tool) => tool.name === 'echo'));
  t.false(detail.text.includes('s3cret-value'));
  t.false((await api.get('/mcp_servers/echo')).text.includes('hunter2'));

  const updated = await api.put('/mcp_servers/echo2', { description: 'renamed', idle_ttl_s: 600, env: { OTHER: 'x' } });
  t.is(updated.status, 200, updated.text);
  t.deepEqual(updated.body, { mcp_server_id: 'echo2', updated: true });
  t.like((await api.get('/mcp_servers/echo2')).body, {
    description: 'renamed',
    config: { idle_ttl_s: 600, env: { OTHER: '***' } },
  });
  t.false('API_KEY' in (await api.get<Bodies['detail']>('/mcp_servers/echo2')).body.config.env, 'env is replaced, not merged');

  const deleted = await api.delete('/mcp_servers/echo2');
  t.is(deleted.status, 200);
  t.deepEqual(deleted.body, { mcp_server_id: 'echo2', deleted: true });
  isError(t, await api.get('/mcp_servers/echo2'), 404, 'McpServerNotFoundError', 'echo2');
  t.deepEqual(
    (await api.get<Bodies['list']>('/mcp_servers')).body.mcp_servers.map((s) => s.mcp_server),
    ['echo'],
  );
});

test('creating refuses bad input with 4xx naming the field', async (t) => {
  const api = await boot(t);
  const valid = { mode: 'subprocess', command: ['node', ECHO] };
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 'echo', ...valid }), 409, 'ConflictError', 'echo');
  isError(t, await api.post('/mcp_servers', valid), 422, 'ValidationError', 'mcp_server_id');
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 'bad id!', ...valid }), 422, 'ValidationError', 'mcp_server_id');
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 42, ...valid }), 422, 'ValidationError', 'mcp_server_id');
  isError(
    t,
    await api.post('/mcp_servers', { mcp_server_id: 'x'.repeat(65), ...valid }),
    422,
    'ValidationError',
    'mcp_server_id',
  );
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 'n1', command: ['node'] }), 422, 'ValidationError', 'mode');
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 'n2', mode: 'subprocess' }), 422, 'ValidationError', 'command');
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 'n3', mode: 'warp' }), 422, 'ValidationError', 'mode');
  isError(
    t,
    await api.post('/mcp_servers', { mcp_server_id: 'n4', ...valid, idle_ttl_s: '300' }),
    422,
    'ValidationError',
    'idle_ttl_s',
  );
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 'n5', ...valid, env: ['A=1'] }), 422, 'ValidationError', 'env');
  isError(t, await api.post('/mcp_servers', { mcp_server_id: 'n6', ...valid, bogus: 1 }), 422, 'ValidationError', 'bogus');
  isError(t, await api.post('/mcp_servers', [{ mcp_server_id: 'n7', ...valid }]), 422, 'ValidationError', 'body');
  isError(t, await api.post('/mcp_servers'), 422, 'ValidationError', 'body');
  isError(t, await api.raw('POST', '/mcp_servers', '{"mcp_server_id": "n8",'), 400, 'InvalidJSONError');
  t.is((await api.get<Bodies['list']>('/mcp_servers')).body.mcp_servers.length, 1, 'nothing was created');
});

test('updating refuses bad input with 4xx naming the field', async (t) => {
  const api = await boot(t);
  isError(t, await api.put('/mcp_servers/nope', { description: 'x' }), 404, 'McpServerNotFoundError', 'nope');
  isError(t, await api.put('/mcp_servers/echo', ['description']), 422, 'ValidationError', 'body');
  isError(t, await api.put('/mcp_servers/echo'), 422, 'ValidationError', 'body');
  isError(t, await api.put('/mcp_servers/echo', { idle_ttl_s: 'soon' }), 422, 'ValidationError', 'idle_ttl_s');
  isError(
    t,
    await api.put('/mcp_servers/echo', { health_check_interval_s: 1 }),
    422,
    'ValidationError',
    'health_check_interval_s',
  );
  isError(t, await api.put('/mcp_servers/echo', { mcp_server_id: 'other' }), 422, 'ValidationError', 'mcp_server_id');
  isError(t, await api.raw('PUT', '/mcp_servers/echo', '{nope'), 400, 'InvalidJSONError');
  t.is((await api.get<Bodies['detail']>('/mcp_servers/echo')).body.description, 'Echo fixture');
});

test('start and stop answer their result objects; the detail shows the running server', async (t) => {
  const api = await boot(t);
  const started = await api.post<Bodies['start']>('/mcp_servers/echo/start');
  t.is(started.status, 200, started.text);
  t.like(started.body, { mcp_server_id: 'echo', state: 'ready', started: true });
  t.true(started.body.tools_count > 0);
  t.is(typeof started.body.startup_duration_ms, 'number');

  const detail = (await api.get<Bodies['detail']>('/mcp_servers/echo')).body;
  t.like(detail, { state: 'ready', alive: true, tools_predefined: false });
  t.is(typeof detail.pid, 'number');
  t.deepEqual(
    detail.tools.find((tool) => tool.name === 'echo'),
    {
      name: 'echo',
      description: 'Returns its text',
      inputSchema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
      },
    },
  );
  t.like((await api.post('/mcp_servers/echo/start')).body, { state: 'ready', started: false });

  const stopped = await api.post('/mcp_servers/echo/stop');
  t.is(stopped.status, 200, stopped.text);
  t.deepEqual(stopped.body, { mcp_server_id: 'echo', state: 'cold', stopped: true, reason: 'user_request' });
  await api.post('/mcp_servers/echo/start');
  t.like((await api.post('/mcp_servers/echo/stop', { reason: 'maintenance' })).body, { stopped: true, reason: 'maintenance' });
  isError(t, await api.post('/mcp_servers/echo/stop', { reason: 5 }), 422, 'ValidationError', 'reason');
  isError(t, await api.post('/mcp_servers/echo/stop', 'now'), 422, 'ValidationError', 'body');
});

test('tools are listed with their parameters, health with its history', async (t) => {
  const api = await boot(t);
  // A server that never ran and has no predefined tools is started by the listing (list_start_timeout_s).
  t.is((await api.get<{ state: string }>('/mcp_servers/echo/health')).body.state, 'cold');
  const { tools } = (await api.get<Bodies['tools']>('/mcp_servers/echo/tools')).body;
  t.like(
    tools.find((tool) => tool.name === 'echo'),
    { name: 'echo', description: 'Returns its text', parameters: { type: 'object', required: ['text'] } },
  );
  const health = await api.get<Bodies['health']>('/mcp_servers/echo/health');
  t.is(health.status, 200);
  t.like(health.body, { mcp_server_id: 'echo', state: 'ready', status: 'healthy', consecutive_failures: 0 });
  t.true(Array.isArray(health.body.history));
  t.true('last_check_at' in health.body && 'last_success_at' in health.body);
});

test('invoking a tool answers with its result; errors map to 4xx/5xx in the seed shape', async (t) => {
  const api = await boot(t);
  const ok = await invoke(api, 'echo', { arguments: { text: 'hello' }, correlation_id: 'corr-1' });
  t.is(ok.status, 200, ok.text);
  t.deepEqual(Object.keys(ok.body).sort(), ['correlation_id', 'duration_ms', 'mcp_server_id', 'result', 'tool']);
  t.like(ok.body, {
    mcp_server_id: 'echo',
    tool: 'echo',
    correlation_id: 'corr-1',
    result: { content: [{ type: 'text', text: 'hello' }] },
  });
  t.is(typeof ok.body.duration_ms, 'number');
  t.regex((await invoke(api, 'echo', { arguments: { text: 'x' } })).body.correlation_id, /^[0-9a-f-]{36}$/);

  const failed = await invoke(api, 'fail', { arguments: { message: 'boom' } });
  t.is(failed.status, 200, 'an isError result is a result');
  t.true(failed.body.result.isError);

  isError(t, await invoke(api, 'echo', { arguments: { text: 'x' } }, 'nope'), 404, 'McpServerNotFoundError', 'nope');
  isError(t, await invoke(api, 'nope', { arguments: {} }), 404, 'ToolNotFoundError', 'nope');
  isError(t, await invoke(api, 'echo', { arguments: { text: 5 } }), 422, 'ValidationError', 'arguments.text: must be string');
  isError(t, await invoke(api, 'echo', { arguments: {} }), 422, 'ValidationError', 'arguments.text');
  isError(t, await invoke(api, 'echo', {}), 422, 'ValidationError', 'arguments.text');
  isError(t, await invoke(api, 'echo', { arguments: ['hello'] }), 422, 'ValidationError', 'arguments');
  isError(t, await invoke(api, 'echo', { arguments: 'hello' }), 422, 'ValidationError', 'arguments');
  isError(t, await invoke(api, 'echo', { arguments: null }), 422, 'ValidationError', 'arguments');
  isError(t, await invoke(api, 'echo', { arguments: { text: 'x' }, timeout_s: '10' }), 422, 'ValidationError', 'timeout_s');
  isError(t, await invoke(api, 'echo', { arguments: { text: 'x' }, timeout_s: 0 }), 422, 'ValidationError', 'timeout_s');
  isError(t, await invoke(api, 'echo', { arguments: { text: 'x' }, timeout_s: 3601 }), 422, 'ValidationError', 'timeout_s');
  isError(
    t,
    await invoke(api, 'echo', { arguments: { text: 'x' }, correlation_id: 7 }),
    422,
    'ValidationError',
    'correlation_id',
  );
  isError(t, await invoke(api, 'echo', { arguments: { text: 'x' }, async: 'yes' }), 422, 'ValidationError', 'async');
  isError(t, await invoke(api, 'echo', [{ text: 'x' }]), 422, 'ValidationError', 'body');
  isError(t, await api.raw('POST', '/mcp_servers/echo/tools/echo/invoke', '{"arguments": {'), 400, 'InvalidJSONError');
  isError(t, await invoke(api, 'echo', { arguments: { text: 1 }, async: true }), 422, 'ValidationError', 'text');
  isError(t, await invoke(api, 'nope', { async: true }), 404, 'ToolNotFoundError', 'nope');
  isError(t, await invoke(api, 'rpc_error', {}), 502, 'UpstreamError', 'bad thing');
  isError(t, await invoke(api, 'slow', { arguments: { ms: 60_000 }, timeout_s: 0.3 }), 504, 'UpstreamTimeoutError');
});

test('a client that hangs up cancels the upstream call', async (t) => {
  const api = await boot(t);
  const hangUp = new AbortController();
  const pending = fetch(`${api.url}/api/mcp_servers/echo/tools/slow/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ arguments: { ms: 60_000 }, correlation_id: 'gone' }),
    signal: hangUp.signal,
  }).then(
    () => 'answered',
    () => 'hung up',
  );
  await eventually(
    async () => ((await api.get<Bodies['detail']>('/mcp_servers/echo')).body.in_flight === 1 ? true : undefined),
    'the call in flight',
  );
  hangUp.abort();
  t.is(await pending, 'hung up');
  const record = await eventually(
    async () =>
      (await api.get<Bodies['history']>('/mcp_servers/echo/tools/history')).body.history.find((r) => r.correlation_id === 'gone'),
    'the cancelled call in the history',
  );
  t.like(record, { status: 'failed', error_type: 'CallCancelledError' });
  // The fixture writes `cancelled <request id>` once notifications/cancelled reaches it.
  await eventually(async () => {
    const { body } = await api.get<Bodies['logs']>('/mcp_servers/echo/logs');
    return body.logs.some((entry) => entry.line.startsWith('cancelled ')) ? true : undefined;
  }, 'the upstream to see the cancellation');
  t.is((await api.get<Bodies['detail']>('/mcp_servers/echo')).body.in_flight, 0);
});

test('logs show what the server wrote to stderr; lines is an integer from 1 to 1000', async (t) => {
  const api = await boot(t);
  const wrote = await invoke(api, 'log_stderr', { arguments: { lines: ['first line', 'second line'] } });
  t.is(wrote.status, 200, wrote.text);
  // stderr travels on its own pipe, so it may land just after the tool's answer.
  const logs = await eventually(async () => {
    const { body } = await api.get<Bodies['logs']>('/mcp_servers/echo/logs?lines=1000');
    return body.logs.some((entry) => entry.line === 'second line') ? body : undefined;
  }, 'the stderr lines');
  t.is(logs.mcp_server_id, 'echo');
  t.is(logs.count, logs.logs.length);
  t.like(
    logs.logs.find((entry) => entry.line === 'first line'),
    { mcp_server_id: 'echo', stream: 'stderr' },
  );
  t.is(typeof logs.logs[0]?.timestamp, 'string');

  const last = (await api.get<Bodies['logs']>('/mcp_servers/echo/logs?lines=1')).body;
  t.is(last.count, 1);
  t.deepEqual(last.logs[0], logs.logs.at(-1));
  t.is(
    (await api.get<Bodies['logs']>('/mcp_servers/echo/logs')).body.count,
    logs.count,
    'the default (100) covers these few lines',
  );

  for (const lines of ['0', '1001', '-1', '10abc', '1.5', '1e2', '', 'ten']) {
    isError(t, await api.get(`/mcp_servers/echo/logs?lines=${lines}`), 422, 'ValidationError', 'lines');
  }
  isError(t, await api.get('/mcp_servers/nope/logs'), 404, 'McpServerNotFoundError');
});

test('history lists finished invocations with positions; limit and from_position are checked', async (t) => {
  const api = await boot(t);
  t.deepEqual((await api.get('/mcp_servers/echo/tools/history')).body, { mcp_server_id: 'echo', history: [], total: 0 });
  await invoke(api, 'echo', { arguments: { text: 'a' }, correlation_id: 'h-1' });
  await invoke(api, 'echo', { arguments: { text: 'b' }, correlation_id: 'h-2' });
  await invoke(api, 'echo', { arguments: { text: 3 }, correlation_id: 'h-3' });

  const all = (await api.get<Bodies['history']>('/mcp_servers/echo/tools/history')).body;
  t.is(all.mcp_server_id, 'echo');
  t.is(all.total, 3);
  t.deepEqual(
    all.history.map((r: { correlation_id: string; status: string }) => [r.correlation_id, r.status]),
    [
      ['h-1', 'completed'],
      ['h-2', 'completed'],
      ['h-3', 'failed'],
    ],
  );
  // Positions are versions in the server's event stream, which holds its other events too.
  const positions = all.history.map((r) => r.position);
  t.true(positions[0]! < positions[1]! && positions[1]! < positions[2]!);
  t.like(all.history[0], { tool: 'echo' });
  t.is(typeof all.history[0]?.started_at, 'string');
  t.is(typeof all.history[0]?.duration_ms, 'number');
  t.is(typeof all.history[0]?.result_size_bytes, 'number');
  t.like(all.history[2], { error_type: 'ValidationError', error_message: 'arguments.text: must be string' });

  const page = (await api.get<Bodies['history']>(`/mcp_servers/echo/tools/history?limit=1&from_position=${positions[1]! - 1}`))
    .body;
  t.deepEqual(
    page.history.map((r) => r.position),
    [positions[1]],
  );
  t.is(page.total, 3);

  for (const query of [
    'limit=0',
    'limit=501',
    'limit=x',
    'limit=5abc',
    'from_position=-1',
    'from_position=1.5',
    'from_position=abc',
  ]) {
    const answer = await api.get(`/mcp_servers/echo/tools/history?${query}`);
    isError(t, answer, 422, 'ValidationError', query.split('=')[0]);
  }
  isError(t, await api.get('/mcp_servers/nope/tools/history'), 404, 'McpServerNotFoundError');
});

test('GET /system counts servers, tools and calls', async (t) => {
  const api = await boot(t);
  const before = await api.get<Bodies['system']>('/system');
  t.is(before.status, 200);
  t.like(before.body.system, {
    total_mcp_servers: 1,
    mcp_servers_by_state: { cold: 1 },
    total_tools: 0,
    total_tool_calls: 0,
    version: CORE_VERSION,
  });
  t.true(before.body.system.uptime_seconds >= 0);
  t.deepEqual(Object.keys(before.body.system).sort(), [
    'mcp_servers_by_state',
    'total_mcp_servers',
    'total_tool_calls',
    'total_tools',
    'uptime_seconds',
    'version',
  ]);

  await invoke(api, 'echo', { arguments: { text: 'a' } });
  await invoke(api, 'echo', { arguments: { text: 1 } });
  await api.post('/mcp_servers', { mcp_server_id: 'later', mode: 'subprocess', command: ['node', ECHO] });
  const after = (await api.get<Bodies['system']>('/system')).body.system;
  const toolsCount = (await api.get<Bodies['tools']>('/mcp_servers/echo/tools')).body.tools.length;
  t.like(after, {
    total_mcp_servers: 2,
    mcp_servers_by_state: { ready: 1, cold: 1 },
    total_tools: toolsCount,
    total_tool_calls: 2,
  });
});

test('every per-server route answers 404 for an unknown server', async (t) => {
  const api = await boot(t);
  const answers = [
    await api.get('/mcp_servers/ghost'),
    await api.put('/mcp_servers/ghost', {}),
    await api.delete('/mcp_servers/ghost'),
    await api.post('/mcp_servers/ghost/start'),
    await api.post('/mcp_servers/ghost/stop'),
    await api.get('/mcp_servers/ghost/tools'),
    await api.get('/mcp_servers/ghost/health'),
    await api.get('/mcp_servers/ghost/logs'),
    await api.get('/mcp_servers/ghost/tools/history'),
    await invoke(api, 'echo', {}, 'ghost'),
    await api.get('/mcp_servers/%E2%9C%88%20not%20an%20id'),
  ];
  for (const answer of answers) isError(t, answer, 404, 'McpServerNotFoundError');
});
