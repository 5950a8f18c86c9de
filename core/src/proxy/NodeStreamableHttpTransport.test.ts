import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, LATEST_PROTOCOL_VERSION, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../services/ManualClock.js';
import { MAX_BACKLOG, NodeStreamableHttpTransport } from './NodeStreamableHttpTransport.js';

type ToolHandler = (
  args: Record<string, unknown>,
  extra: { signal: AbortSignal; sendNotification: Server['notification'] },
) => Promise<CallToolResult>;

interface Harness {
  readonly url: string;
  readonly server: Server;
  readonly transport: NodeStreamableHttpTransport;
  readonly clock: ManualClock;
}

const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-session-id': 's1',
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
};

/** An initialized session on a transport in front of an SDK `Server` whose tool `run` calls `tool`. */
async function harness(t: ExecutionContext, tool: ToolHandler): Promise<Harness> {
  const clock = new ManualClock();
  const transport = new NodeStreamableHttpTransport({ sessionIdGenerator: () => 's1', clock });
  const server = new Server({ name: 'unit', version: '1' }, { capabilities: { tools: { listChanged: true }, logging: {} } });
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    tool(request.params.arguments ?? {}, {
      signal: extra.signal,
      sendNotification: (notification) => extra.sendNotification(notification),
    }),
  );
  await server.connect(transport);
  const listener = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => void transport.handleRequest(req, res, text === '' ? undefined : (JSON.parse(text) as unknown)));
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    await server.close();
    listener.closeAllConnections();
    await new Promise((resolve) => listener.close(resolve));
  });
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp`;
  await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'unit', version: '1' } },
  });
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' });
  return { url, server, transport, clock };
}

function post(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
}

const call = (id: number, args: Record<string, unknown> = {}, progressToken?: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'run', arguments: args, ...(progressToken === undefined ? {} : { _meta: { progressToken } }) },
});

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** The `data:` payloads and comments of an SSE body, in order. */
function frames(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => (block.startsWith(':') ? block : (JSON.parse(block.split('data: ')[1] ?? '') as unknown)));
}

test('answers that come with nothing before them are one JSON body; a batch is an array in request order', async (t) => {
  const { url } = await harness(t, async (args) => {
    await new Promise((resolve) => setTimeout(resolve, Number(args.wait ?? 0)));
    return text(String(args.value));
  });
  const single = await post(url, call(1, { value: 'one' }));
  t.is(single.headers.get('content-type'), 'application/json');
  t.is(single.headers.get('mcp-session-id'), 's1');
  t.like(await single.json(), { id: 1, result: { content: [{ text: 'one' }] } });

  const batch = await post(url, [call(2, { value: 'slow', wait: 30 }), call(3, { value: 'fast' })]);
  t.is(batch.headers.get('content-type'), 'application/json');
  t.like(await batch.json(), [{ id: 2 }, { id: 3 }]);
});

test('the first related message switches the answer to SSE; it ends after the response', async (t) => {
  const { url } = await harness(t, async (_args, extra) => {
    for (const progress of [1, 2]) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: 'p', progress } });
    }
    return text('done');
  });
  const response = await post(url, call(1, {}, 'p'));
  t.is(response.headers.get('content-type'), 'text/event-stream');
  t.is(response.headers.get('cache-control'), 'no-cache, no-transform');
  t.like(frames(await response.text()), [
    { method: 'notifications/progress', params: { progress: 1 } },
    { method: 'notifications/progress', params: { progress: 2 } },
    { id: 1, result: { content: [{ text: 'done' }] } },
  ]);
});

test('an answer silent for a keep-alive interval becomes SSE with keep-alive comments', async (t) => {
  let finish: (value: CallToolResult) => void = () => undefined;
  const { url, clock } = await harness(t, () => new Promise((resolve) => (finish = resolve)));
  const pending = post(url, call(1));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await clock.advance(15_000);
  const response = await pending;
  t.is(response.headers.get('content-type'), 'text/event-stream');
  await clock.advance(15_000);
  finish(text('late'));
  t.like(frames(await response.text()), [': keepalive', ': keepalive', { id: 1, result: { content: [{ text: 'late' }] } }]);
});

test('unrelated messages wait for the GET stream, the oldest dropped beyond the backlog limit', async (t) => {
  const { url, server } = await harness(t, () => Promise.resolve(text('')));
  for (let index = 0; index < MAX_BACKLOG + 5; index += 1) {
    await server.notification({ method: 'notifications/message', params: { level: 'info', data: index } });
  }
  const stream = new AbortController();
  const response = await fetch(url, { headers, signal: stream.signal });
  t.is(response.headers.get('content-type'), 'text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let body = '';
  while ((body.match(/\n\n/g) ?? []).length < MAX_BACKLOG) body += new TextDecoder().decode((await reader.read()).value);
  const data = frames(body).map((message) => (message as { params: { data: number } }).params.data);
  t.deepEqual(
    data,
    Array.from({ length: MAX_BACKLOG }, (_, index) => index + 5),
  );
  // While the stream is open, a message goes straight out.
  await server.sendToolListChanged();
  t.regex(new TextDecoder().decode((await reader.read()).value), /notifications\/tools\/list_changed/);
  stream.abort();
});

test('a client that leaves before the answer cancels its requests', async (t) => {
  let reason: unknown;
  const aborted = new Promise<void>((resolve) => {
    void harness(t, (_args, extra) => {
      return new Promise((done) =>
        extra.signal.addEventListener('abort', () => {
          reason = extra.signal.reason;
          resolve();
          done(text('too late'));
        }),
      );
    }).then(async ({ url }) => {
      const left = new AbortController();
      const pending = post(url, call(1), left.signal).catch(() => undefined);
      await new Promise((wait) => setTimeout(wait, 50));
      left.abort();
      await pending;
    });
  });
  await aborted;
  t.regex(String(reason), /closed the HTTP connection/);
});

test('closing the transport ends open answers and the GET stream', async (t) => {
  let reached!: () => void;
  const called = new Promise<void>((resolve) => (reached = resolve));
  const { url, transport } = await harness(t, () => {
    reached();
    return new Promise<CallToolResult>(() => undefined);
  });
  const stream = await fetch(url, { headers });
  const pending = post(url, call(1));
  // The call is open once the tool handler runs (no fixed wait: under load a POST takes a while).
  await called;
  t.true(transport.busy);
  await transport.close();
  const answer = await pending;
  t.is(answer.headers.get('content-type'), 'text/event-stream');
  t.is(await answer.text(), '');
  t.is(await stream.text(), '');
  t.false(transport.busy);
  t.is((await post(url, call(2))).status, 404);
});
