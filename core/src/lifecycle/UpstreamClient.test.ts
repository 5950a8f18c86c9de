import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ServerConfigSchema } from '../config/ServerConfigSchema.js';
import { CallCancelledError, UpstreamError, UpstreamTimeoutError } from '../errors.js';
import type { ServerLogLine } from '../extensions/transports.js';
import { nodeSpawner } from '../services/ProcessSpawner.js';
import { createSubprocessTransport } from '../transports/subprocessTransport.js';
import type { DownstreamPeer, UpstreamProgress } from './DownstreamPeer.js';
import { UpstreamClient, type UpstreamHandlers, type UpstreamMessage } from './UpstreamClient.js';

const echoServer = [process.execPath, fileURLToPath(new URL('../../../test/fixtures/echo-server.mjs', import.meta.url))];
const quick = createSubprocessTransport({ stdinGraceMs: 300, termGraceMs: 300 });
const serverSchema = ServerConfigSchema.from([quick]).schema;
const clientInfo = { name: 'hangar-test', version: '1.0.0' };

/** Values as they arrive, with a way to wait for one that matches. */
function recorder<T>() {
  const items: T[] = [];
  const waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];
  const push = (item: T) => {
    items.push(item);
    for (const waiter of waiters.filter((w) => w.match(item))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(item);
    }
  };
  const waitFor = (match: (item: T) => boolean) =>
    new Promise<T>((resolve) => {
      const seen = items.findIndex(match);
      if (seen === -1) waiters.push({ match, resolve });
      else resolve(items[seen] as T);
    });
  return { items, push, waitFor };
}

async function openConnection(t: ExecutionContext, command = echoServer, env: Record<string, string> = {}) {
  const logs = recorder<ServerLogLine>();
  const config = serverSchema.parse({ mode: 'subprocess', command, env });
  const connection = await quick.open({ serverId: 'echo', config, onLog: logs.push, spawn: nodeSpawner });
  t.teardown(() => connection.stop());
  return { connection, logs };
}

async function connectEcho(
  t: ExecutionContext,
  onRequest: UpstreamHandlers['onRequest'] = () => Promise.reject(new Error('no requests expected')),
  env: Record<string, string> = {},
) {
  const { connection, logs } = await openConnection(t, echoServer, env);
  const notifications = recorder<UpstreamMessage>();
  const unexpectedCloses = recorder<Error | undefined>();
  const handlers: UpstreamHandlers = {
    onRequest,
    onNotification: notifications.push,
    onUnexpectedClose: unexpectedCloses.push,
  };
  const upstream = await UpstreamClient.connect(connection, handlers, { clientInfo, timeoutMs: 10_000 });
  t.teardown(() => upstream.close());
  return { upstream, connection, logs, notifications, unexpectedCloses };
}

function textOf(result: CallToolResult): string {
  const [first] = result.content;
  return first?.type === 'text' ? first.text : '';
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

test('connect initialises the upstream and lists what it offers', async (t) => {
  const { upstream } = await connectEcho(t, undefined, { ECHO_NAME: 'echo-one' });
  t.is(upstream.serverInfo?.name, 'echo-one');
  t.is(upstream.instructions, 'Echo fixture for Hangar tests.');
  t.truthy(upstream.serverCapabilities.tools);
  t.true(isAlive(upstream.pid));
  const tools = await upstream.listTools(5000);
  t.true(['echo', 'progress_burst', 'slow', 'sample', 'rpc_error'].every((name) => tools.some((x) => x.name === name)));
  t.deepEqual(
    (await upstream.listResources(5000)).map((resource) => resource.uri),
    ['echo://static'],
  );
  t.deepEqual(
    (await upstream.listResourceTemplates(5000)).map((template) => template.uriTemplate),
    ['echo://item/{id}'],
  );
  t.deepEqual(
    (await upstream.listPrompts(5000)).map((prompt) => prompt.name),
    ['greet'],
  );
  await upstream.ping(5000);
});

test('callTool returns the result; an isError result passes through', async (t) => {
  const { upstream } = await connectEcho(t);
  t.is(textOf(await upstream.callTool('echo', { text: 'hello' })), 'hello');
  const failed = await upstream.callTool('fail', { message: 'oops' });
  t.true(failed.isError);
  t.is(textOf(failed), 'oops');
});

test('request passes any method through and returns the raw result', async (t) => {
  const { upstream } = await connectEcho(t);
  const read = await upstream.request('resources/read', { uri: 'echo://item/7' });
  t.deepEqual(read.contents, [{ uri: 'echo://item/7', mimeType: 'text/plain', text: 'item 7' }]);
  const completion = await upstream.request('completion/complete', {
    ref: { type: 'ref/prompt', name: 'greet' },
    argument: { name: 'name', value: 'b' },
  });
  t.deepEqual((completion.completion as { values: string[] }).values, ['bob']);
});

// The plain SDK path (client.callTool with `onprogress`) loses most of these: run against this fixture
// in one run it delivered 318 of 3,000 notifications over 1,000 calls of `progress_burst {count: 3}` (SDK #2580).
test('every progress notification of 1,000 bursts arrives, in order, before its call resolves', async (t) => {
  const { upstream } = await connectEcho(t);
  let expected = 0;
  let received = 0;
  for (let call = 0; call < 1000; call++) {
    const count = (call % 5) + 1;
    const seen: UpstreamProgress[] = [];
    const result = await upstream.callTool('progress_burst', { count }, { onProgress: (p) => seen.push(p) });
    t.is(textOf(result), `sent ${count}`);
    // Checked the moment the call resolves: a notification still in flight would be missing here.
    const inOrder = seen.length === count && seen.every((p, i) => p.progress === i + 1 && p.total === count);
    if (!inOrder) t.fail(`call ${call}: got ${JSON.stringify(seen)} for count ${count}`);
    expected += count;
    received += seen.length;
  }
  t.is(received, expected);
});

test('cancelling a call rejects it with CallCancelledError and the upstream sees notifications/cancelled', async (t) => {
  const { upstream, logs } = await connectEcho(t);
  const controller = new AbortController();
  // `slow` reports progress 0 once it runs, so the abort hits a call the upstream is working on.
  const call = upstream.callTool('slow', {}, { signal: controller.signal, onProgress: () => controller.abort() });
  const error = await t.throwsAsync(call, { instanceOf: CallCancelledError });
  t.regex(error.message, /tools\/call/);
  await logs.waitFor((line) => /^cancelled \d+$/.test(line.line));
  t.is(textOf(await upstream.callTool('echo', { text: 'still fine' })), 'still fine');
});

test('an already-aborted signal fails the call before anything is sent', async (t) => {
  const { upstream } = await connectEcho(t);
  await t.throwsAsync(upstream.callTool('echo', { text: 'x' }, { signal: AbortSignal.abort() }), {
    instanceOf: CallCancelledError,
  });
});

test('a call that outlives its timeout fails with UpstreamTimeoutError and is cancelled upstream', async (t) => {
  const { upstream, logs } = await connectEcho(t);
  const error = await t.throwsAsync(upstream.callTool('slow', { ms: 60_000 }, { timeoutMs: 200 }), {
    instanceOf: UpstreamTimeoutError,
  });
  t.is(error.message, 'tools/call timed out after 200 ms');
  await logs.waitFor((line) => /^cancelled \d+$/.test(line.line));
});

test('a JSON-RPC error from the upstream becomes UpstreamError with its code', async (t) => {
  const { upstream } = await connectEcho(t);
  const error = await t.throwsAsync(upstream.callTool('rpc_error', {}), { instanceOf: UpstreamError });
  t.is(error.rpcCode, -32602);
  t.regex(error.message, /bad thing/);
  t.true(error.cause instanceof McpError);
  const unknown = await t.throwsAsync(upstream.request('prompts/get', { name: 'nope' }), { instanceOf: UpstreamError });
  t.is(unknown.rpcCode, -32602);
  t.regex(unknown.message, /Prompt nope not found$/);
});

test("the upstream's sampling request is routed to onRequest with the call's peer, and answered", async (t) => {
  const requests = recorder<{ request: UpstreamMessage; peer: DownstreamPeer | undefined }>();
  const peer: DownstreamPeer = {
    id: 'session-1',
    clientCapabilities: () => ({ sampling: {} }),
    request: () => Promise.reject(new Error('not used')),
  };
  const { upstream } = await connectEcho(t, (request, _signal, context) => {
    requests.push({ request, peer: context.peer });
    const [message] = (request.params?.messages ?? []) as { content: { text: string } }[];
    const text = `answer to ${message?.content.text ?? '?'}`;
    return Promise.resolve({ model: 'test-model', role: 'assistant', content: { type: 'text', text } });
  });
  t.is(textOf(await upstream.callTool('sample', { prompt: 'hi' }, { peer })), 'answer to hi');
  t.is(requests.items.length, 1);
  t.is(requests.items[0]?.request.method, 'sampling/createMessage');
  t.is(requests.items[0]?.peer, peer);
});

test('roots and elicitation requests reach onRequest too', async (t) => {
  const { upstream } = await connectEcho(t, (request) =>
    Promise.resolve(
      request.method === 'roots/list'
        ? { roots: [{ uri: 'file:///work', name: 'work' }] }
        : { action: 'accept', content: { answer: 'yes' } },
    ),
  );
  t.deepEqual(JSON.parse(textOf(await upstream.callTool('roots', {}))), {
    roots: [{ uri: 'file:///work', name: 'work' }],
  });
  t.deepEqual(JSON.parse(textOf(await upstream.callTool('elicit', { message: 'ok?' }))), {
    action: 'accept',
    content: { answer: 'yes' },
  });
});

test('upstream notifications reach onNotification; client notifications reach the upstream', async (t) => {
  const { upstream, notifications, logs } = await connectEcho(t);
  t.is(textOf(await upstream.callTool('log', { level: 'info', message: 'hello log' })), 'logged');
  const log = await notifications.waitFor((n) => n.method === 'notifications/message');
  t.deepEqual(log.params, { level: 'info', logger: 'echo', data: 'hello log' });
  await upstream.request('resources/subscribe', { uri: 'echo://static' });
  t.is(textOf(await upstream.callTool('touch', { uri: 'echo://static' })), 'updated');
  const updated = await notifications.waitFor((n) => n.method === 'notifications/resources/updated');
  t.deepEqual(updated.params, { uri: 'echo://static' });
  t.false(notifications.items.some((n) => n.method === 'notifications/progress'));
  await upstream.notify('notifications/roots/list_changed');
  await logs.waitFor((line) => line.line === 'roots changed');
});

test('a process exit fails the pending call with UpstreamError and calls onUnexpectedClose once', async (t) => {
  const { upstream, unexpectedCloses } = await connectEcho(t);
  const error = await t.throwsAsync(upstream.callTool('exit', { code: 3 }), { instanceOf: UpstreamError });
  t.regex(error.message, /connection closed/);
  await unexpectedCloses.waitFor(() => true);
  await t.throwsAsync(upstream.callTool('echo', { text: 'x' }), { instanceOf: UpstreamError });
  await upstream.close();
  t.is(unexpectedCloses.items.length, 1);
  t.false(isAlive(upstream.pid));
});

test('close() ends the process, is idempotent and does not call onUnexpectedClose', async (t) => {
  const { upstream, unexpectedCloses } = await connectEcho(t);
  const pid = upstream.pid;
  const pending = upstream.callTool('slow', { ms: 60_000 });
  await Promise.all([upstream.close(), upstream.close()]);
  await t.throwsAsync(pending, { instanceOf: UpstreamError, message: /connection closed/ });
  t.false(isAlive(pid));
  t.is(unexpectedCloses.items.length, 0);
  await t.throwsAsync(upstream.ping(1000), { instanceOf: UpstreamError });
});

test('connect rejects with UpstreamTimeoutError and stops a server that never answers initialize', async (t) => {
  const { connection } = await openConnection(t, [process.execPath, '-e', 'setInterval(() => {}, 1000)']);
  const closes = recorder<Error | undefined>();
  const handlers = { onRequest: () => Promise.resolve({}), onNotification: () => {}, onUnexpectedClose: closes.push };
  const error = await t.throwsAsync(UpstreamClient.connect(connection, handlers, { clientInfo, timeoutMs: 300 }), {
    instanceOf: UpstreamTimeoutError,
  });
  t.regex(error.message, /initialize .*300 ms/);
  t.false(isAlive(connection.pid));
  t.is(closes.items.length, 0);
});

test('connect rejects with UpstreamError when the server exits during initialize', async (t) => {
  const { connection } = await openConnection(t, [process.execPath, '-e', 'process.exit(4)']);
  const handlers = { onRequest: () => Promise.resolve({}), onNotification: () => {}, onUnexpectedClose: () => {} };
  const error = await t.throwsAsync(UpstreamClient.connect(connection, handlers, { clientInfo, timeoutMs: 5000 }), {
    instanceOf: UpstreamError,
  });
  // Depending on timing the write of initialize breaks (EPIPE) or the close is seen first.
  t.regex(error.message, /^initialize failed: /);
  t.is(error.rpcCode, undefined);
});
