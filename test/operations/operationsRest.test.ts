import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ROOT } from '../helpers/cli.js';
import { apiClient } from '../helpers/api.js';
import { collectProgress, connectClient, eventually, startEchoHangar } from '../mcp/helpers.js';

const MATH = path.join(ROOT, 'examples', 'servers', 'math.mjs');

interface OperationEvent {
  event_type: string;
  operation_id: string;
  timestamp: number;
  data: Record<string, unknown>;
}
interface OperationView {
  operation_id: string;
  status: string;
  progress: number;
  mcp_server: string;
  tool: string;
  source: string;
  duration: number | null;
  error: { error: string; error_type: string } | null;
}
interface OperationAnswer {
  operation: OperationView;
  events: OperationEvent[];
}

async function bootMath(t: ExecutionContext) {
  const config = `mcp_servers:\n  math:\n    mode: subprocess\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(MATH)}]\n`;
  const hangar = await startEchoHangar(t, config);
  return { hangar, api: apiClient(hangar.url) };
}

type Api = ReturnType<typeof apiClient>;

async function startSlowCount(api: Api, steps: number, delay_ms: number): Promise<string> {
  const answer = await api.post<{ operation_id: string; status: string }>('/mcp_servers/math/tools/slow_count/invoke', {
    arguments: { steps, delay_ms },
    async: true,
  });
  if (answer.status !== 202) throw new Error(`async invoke answered ${answer.status}: ${answer.text}`);
  return answer.body.operation_id;
}

function finished(api: Api, id: string): Promise<OperationAnswer> {
  return eventually(async () => {
    const { body } = await api.get<OperationAnswer>(`/operations/${id}`);
    return body.operation.status === 'running' ? undefined : body;
  }, `operation ${id} to end`);
}

test('an async invoke answers 202 at once and the operation records progress, logs, the result and completion', async (t) => {
  const { api } = await bootMath(t);
  const answer = await api.post('/mcp_servers/math/tools/slow_count/invoke', {
    arguments: { steps: 3, delay_ms: 20 },
    async: true,
  });
  t.is(answer.status, 202, answer.text);
  t.like(answer.body, { mcp_server_id: 'math', tool: 'slow_count', status: 'running' });
  const id = answer.body.operation_id as string;

  const { operation, events } = await finished(api, id);
  t.like(operation, {
    operation_id: id,
    status: 'completed',
    progress: 1,
    mcp_server: 'math',
    tool: 'slow_count',
    source: 'rest',
  });
  t.true(typeof operation.duration === 'number' && operation.duration >= 0);
  const types = events.map((event) => event.event_type);
  t.is(types[0], 'status');
  t.deepEqual(types.slice(-2), ['result', 'completed']);
  t.deepEqual(
    events.filter((event) => event.event_type === 'progress').map((event) => [event.data.progress, event.data.message]),
    [
      [1 / 3, 'step 1 of 3'],
      [2 / 3, 'step 2 of 3'],
      [1, 'step 3 of 3'],
    ],
  );
  t.deepEqual(
    events.filter((event) => event.event_type === 'log').map((event) => event.data.message),
    ['counting to 3, 20 ms a step', 'counted to 3'],
  );
  const result = events.at(-2)!.data.result as { content: { text: string }[] };
  t.is(result.content[0]!.text, 'counted to 3');
  t.true(events.every((event) => event.operation_id === id));

  const listed = await api.get<{ operations: OperationView[]; total: number }>('/operations?status=completed');
  t.deepEqual(
    listed.body.operations.map((view) => view.operation_id),
    [id],
  );
  t.is((await api.get<{ total: number }>('/operations?status=running')).body.total, 0);
  t.like((await api.get('/operations?status=done')).body, { error: 'ValidationError', status_code: 422 });
  t.like((await api.get('/operations/no-such-operation')).body, { error: 'OperationNotFoundError', status_code: 404 });
});

test('cancelling an operation stops the upstream call and ends it cancelled', async (t) => {
  const { api } = await bootMath(t);
  const id = await startSlowCount(api, 1000, 50);
  await eventually(async () => {
    const { body } = await api.get<OperationAnswer>(`/operations/${id}`);
    return body.events.some((event) => event.event_type === 'progress') ? true : undefined;
  }, 'the first progress event');

  const cancel = await api.post(`/operations/${id}/cancel`, { reason: 'no longer needed' });
  t.is(cancel.status, 200, cancel.text);
  t.deepEqual(cancel.body, { operation_id: id, cancelled: true, status: 'cancelled' });

  const { operation, events } = await finished(api, id);
  t.like(operation, { status: 'cancelled', error: { error: 'no longer needed', error_type: 'CallCancelledError' } });
  t.deepEqual(
    events.slice(-2).map((event) => event.event_type),
    ['status', 'error'],
  );
  // The upstream stopped counting: the server has no call in flight and stays usable.
  await eventually(
    async () => ((await api.get('/mcp_servers/math')).body.in_flight === 0 ? true : undefined),
    'no call in flight',
  );
  const add = await api.post('/mcp_servers/math/tools/add/invoke', { arguments: { a: 2, b: 3 } });
  t.is(add.status, 200, add.text);

  t.like((await api.post(`/operations/${id}/cancel`)).body, { error: 'ConflictError', status_code: 409 });
  t.like((await api.post('/operations/nope/cancel')).body, { error: 'OperationNotFoundError', status_code: 404 });
});

test('a timed-out async call ends in error with the error class; bad arguments answer 422 and start nothing', async (t) => {
  const { api } = await bootMath(t);
  const bad = await api.post('/mcp_servers/math/tools/slow_count/invoke', { arguments: { steps: 'many' }, async: true });
  t.like(bad.body, { error: 'ValidationError', status_code: 422 });
  t.is((await api.get<{ total: number }>('/operations')).body.total, 0);

  const id = await startSlowCount(api, 1, 0);
  t.is((await finished(api, id)).operation.status, 'completed');
  const failing = await api.post<{ operation_id: string }>('/mcp_servers/math/tools/slow_count/invoke', {
    arguments: { steps: 2, delay_ms: 5000 },
    timeout_s: 0.2,
    async: true,
  });
  t.is(failing.status, 202, failing.text);
  const ended = await finished(api, failing.body.operation_id);
  t.like(ended.operation, { status: 'error', error: { error_type: 'UpstreamTimeoutError' } });
  t.like(ended.events.at(-1), { event_type: 'error', data: { error_type: 'UpstreamTimeoutError' } });
});

test('registry_invoke_stream runs as an operation: progress reaches the MCP caller and the operation alike', async (t) => {
  const { hangar, api } = await bootMath(t);
  const client = await connectClient(t, hangar.url);
  const progress = collectProgress(client);
  const result = await client.callTool(
    {
      name: 'registry_invoke_stream',
      arguments: { mcp_server: 'math', tool: 'slow_count', arguments: { steps: 4, delay_ms: 10 } },
    },
    undefined,
    { onprogress: () => {} },
  );
  t.falsy(result.isError, JSON.stringify(result));
  const meta = result._meta?.['hangar/invocation'] as { operation_id: string };
  t.is(typeof meta.operation_id, 'string');

  const { operation, events } = await finished(api, meta.operation_id);
  t.like(operation, { status: 'completed', progress: 1, source: 'mcp', tool: 'slow_count' });
  t.is(events.filter((event) => event.event_type === 'progress').length, 4);
  t.deepEqual(
    [...progress.values()].flat().map((update) => update.progress),
    [1, 2, 3, 4],
  );
});
