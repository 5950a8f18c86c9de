// The SDK's own streamable HTTP server transport and NodeStreamableHttpTransport, side by side,
// answer the same raw requests: every refusal must match status, JSON-RPC code and message, and
// every accepted request must carry the same JSON-RPC messages (the SDK streams them as SSE,
// ours may answer JSON — the client accepts either).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, LATEST_PROTOCOL_VERSION, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import test, { type ExecutionContext } from 'ava';
import { NodeStreamableHttpTransport } from './NodeStreamableHttpTransport.js';

type Handle = (req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => Promise<void>;

/** An SDK `Server` with one `echo` tool behind `transport`, served on a free port. */
async function serve(t: ExecutionContext, transport: Transport, handle: Handle): Promise<string> {
  const server = new Server({ name: 'parity', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: 'echo', inputSchema: { type: 'object' } }] }));
  server.setRequestHandler(CallToolRequestSchema, (request) => ({
    content: [{ type: 'text', text: String(request.params.arguments?.text) }],
  }));
  await server.connect(transport);
  const http1 = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => void handle(req, res, text === '' ? undefined : (JSON.parse(text) as unknown)));
  });
  await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    await server.close();
    http1.closeAllConnections();
    await new Promise((resolve) => http1.close(resolve));
  });
  return `http://127.0.0.1:${(http1.address() as AddressInfo).port}/mcp`;
}

async function pair(t: ExecutionContext): Promise<{ sdk: string; ours: string }> {
  const sdkTransport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => 'session-1' });
  const ourTransport = new NodeStreamableHttpTransport({ sessionIdGenerator: () => 'session-1' });
  return {
    sdk: await serve(t, sdkTransport, (req, res, body) => sdkTransport.handleRequest(req, res, body)),
    ours: await serve(t, ourTransport, (req, res, body) => ourTransport.handleRequest(req, res, body)),
  };
}

interface Exchange {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What a response carried, in a form both transports can be compared by. */
async function outcome(url: string, exchange: Exchange) {
  const response = await fetch(url, {
    method: exchange.method ?? 'POST',
    headers: exchange.headers ?? headers(),
    body: exchange.body === undefined ? undefined : JSON.stringify(exchange.body),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const messages = type.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as unknown)
    : text === ''
      ? []
      : [JSON.parse(text) as unknown].flat();
  const json = type.startsWith('application/json');
  // The form of a successful answer may differ (JSON or SSE); a refusal is always a JSON body.
  const form = response.status >= 400 ? type : json || type.startsWith('text/event-stream') ? 'json or sse' : type;
  return {
    status: response.status,
    form,
    session: response.headers.get('mcp-session-id'),
    allow: response.headers.get('allow'),
    messages,
  };
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': 'session-1',
    'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
    ...extra,
  };
}

const initialize = (id = 0) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'parity', version: '1' } },
});
const list = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });
const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
const noSession = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Each step runs against both, in order: the session state they build up must stay the same. */
const steps: [string, Exchange][] = [
  ['a request before initialize', { body: list(1) }],
  ['an initialize batch of two', { headers: noSession, body: [initialize(0), list(1)] }],
  ['initialize', { headers: noSession, body: initialize(0) }],
  ['initialize again', { headers: noSession, body: initialize(1) }],
  ['the initialized notification', { body: { jsonrpc: '2.0', method: 'notifications/initialized' } }],
  ['tools/list', { body: list(2) }],
  ['tools/call', { body: call(3) }],
  ['a batch of two requests and a notification', { body: [list(4), call(5), { jsonrpc: '2.0', method: 'notifications/x' }] }],
  ['an empty batch', { body: [] }],
  ['a batch over the limit', { body: Array.from({ length: 101 }, (_, index) => list(100 + index)) }],
  ['not JSON-RPC', { body: { hello: 'world' } }],
  ['Accept without SSE', { headers: headers({ accept: 'application/json' }), body: list(6) }],
  ['Accept without JSON', { headers: headers({ accept: 'text/event-stream' }), body: list(7) }],
  ['a text/plain body', { headers: headers({ 'content-type': 'text/plain' }), body: list(8) }],
  ['JSON with a charset', { headers: headers({ 'content-type': 'application/json; charset=utf-8' }), body: list(9) }],
  ['no session id', { headers: { ...noSession, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION }, body: list(10) }],
  ['another session id', { headers: headers({ 'mcp-session-id': 'session-2' }), body: list(11) }],
  ['an unsupported protocol version', { headers: headers({ 'mcp-protocol-version': '1999-01-01' }), body: list(12) }],
  ['an older supported protocol version', { headers: headers({ 'mcp-protocol-version': '2025-03-26' }), body: list(13) }],
  ['no protocol version', { headers: { ...noSession, 'mcp-session-id': 'session-1' }, body: list(14) }],
  ['PUT', { method: 'PUT', body: list(15) }],
  ['GET without SSE in Accept', { method: 'GET', headers: headers({ accept: 'application/json' }) }],
  ['GET with an unsupported protocol version', { method: 'GET', headers: headers({ 'mcp-protocol-version': 'x' }) }],
  ['DELETE with another session id', { method: 'DELETE', headers: headers({ 'mcp-session-id': 'session-2' }) }],
  ['DELETE', { method: 'DELETE' }],
  ['a request after DELETE', { body: list(16) }],
];

test('every request is answered as the SDK transport answers it', async (t) => {
  const { sdk, ours } = await pair(t);
  for (const [name, exchange] of steps) {
    const [expected, actual] = [await outcome(sdk, exchange), await outcome(ours, exchange)];
    t.deepEqual(actual, expected, name);
  }
});

test('a second GET stream is refused with 409 while the first is open, as by the SDK', async (t) => {
  const { sdk, ours } = await pair(t);
  for (const url of [sdk, ours]) {
    await outcome(url, { headers: noSession, body: initialize() });
    const first = new AbortController();
    const open = await fetch(url, { method: 'GET', headers: headers(), signal: first.signal });
    t.is(open.status, 200);
    t.is(open.headers.get('content-type'), 'text/event-stream');
    t.is(open.headers.get('mcp-session-id'), 'session-1');
    const second = await outcome(url, { method: 'GET' });
    t.like(second, {
      status: 409,
      messages: [{ error: { code: -32000, message: 'Conflict: Only one SSE stream is allowed per session' } }],
    });
    first.abort();
  }
});
