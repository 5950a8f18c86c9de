import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ServerConfigSchema } from '../config/ServerConfigSchema.js';
import type { ServerLogLine, UpstreamConnection } from '../extensions/transports.js';
import { transportContract, type TransportContractUpstream } from '../testing/index.js';
import { createRemoteTransport, remoteTransport } from './remoteTransport.js';

// Retry the dropped GET stream at once so a vanished server is noticed without the SDK's 1 s pause.
const reconnection = { initialReconnectionDelay: 10, maxReconnectionDelay: 50, reconnectionDelayGrowFactor: 1, maxRetries: 2 };
// Connect timeouts generous enough for a loaded 2-core CI box, except where the timeout is the point.
const quick = createRemoteTransport({ reconnection, connectTimeoutMs: 10_000 });
const impatient = createRemoteTransport({ reconnection, connectTimeoutMs: 1_000 });
const serverSchema = ServerConfigSchema.from([remoteTransport]).schema;

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** An HTTP server on 127.0.0.1 that records what it was asked and can vanish on demand (`goAway`). */
async function startHttpServer(handle: Handler) {
  const requests: { method: string; path: string; headers: IncomingMessage['headers'] }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers });
    Promise.resolve()
      .then(() => handle(req, res))
      .catch(() => res.headersSent || res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const goAway = () => {
    server.close();
    server.closeAllConnections();
  };
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, goAway };
}

/** `startHttpServer`, gone when the test ends. */
async function httpServer(t: ExecutionContext, handle: Handler) {
  const server = await startHttpServer(handle);
  t.teardown(server.goAway);
  return server;
}

function echoMcpServer(withWait = false): McpServer {
  const server = new McpServer({ name: 'remote-echo', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  if (withWait) {
    server.registerTool('wait', { inputSchema: { ms: z.number() } }, async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: 'text', text: 'waited' }] };
    });
  }
  return server;
}

/** An MCP server over HTTP, with the sessions it holds open and a way to close them all. */
type McpHttpServer = Awaited<ReturnType<typeof startHttpServer>> & {
  readonly sessions: ReadonlyMap<string, Transport>;
  readonly close: () => Promise<void>;
};

/**
 * A stateful streamable HTTP server at `/mcp`, one SDK transport per session (forgotten once the
 * client DELETEs it); `json` answers POSTs with plain JSON.
 */
async function startStreamableServer(json = false): Promise<McpHttpServer> {
  const sessions = new Map<string, Transport>();
  const server = await startHttpServer(async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (transport === undefined) {
      if (req.method !== 'POST' || sessionId !== undefined) return void res.writeHead(404).end();
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, created),
        onsessionclosed: (id) => void sessions.delete(id),
        enableJsonResponse: json,
      });
      await echoMcpServer(json).connect(created);
      transport = created;
    }
    await (transport as StreamableHTTPServerTransport).handleRequest(req, res);
  });
  return { ...server, sessions, close: () => closeAll(server, sessions) };
}

/**
 * A server that only speaks the legacy protocol: GET /sse opens the stream, POST /messages feeds it.
 * A session is forgotten once its stream is closed.
 */
async function startLegacySseServer(): Promise<McpHttpServer> {
  const sessions = new Map<string, SSEServerTransport>();
  const server = await startHttpServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      res.on('close', () => sessions.delete(transport.sessionId));
      await echoMcpServer().connect(transport);
      return;
    }
    const session = sessions.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && url.pathname === '/messages' && session !== undefined) {
      return session.handlePostMessage(req, res);
    }
    res.writeHead(url.pathname === '/sse' ? 405 : 404, { allow: 'GET' }).end();
  });
  return { ...server, sessions, close: () => closeAll(server, sessions) };
}

async function closeAll(server: { goAway: () => void }, sessions: ReadonlyMap<string, Transport>): Promise<void> {
  await Promise.all([...sessions.values()].map((session) => session.close()));
  server.goAway();
}

/** `start()`'s server, closed when the test ends. */
async function mcpHttpServer(t: ExecutionContext, start: () => Promise<McpHttpServer>): Promise<McpHttpServer> {
  const server = await start();
  t.teardown(server.close);
  return server;
}

const streamableServer = (t: ExecutionContext, json = false) => mcpHttpServer(t, () => startStreamableServer(json));
const legacySseServer = (t: ExecutionContext) => mcpHttpServer(t, startLegacySseServer);

/** The sessions `server` still holds, once it has had a moment to see a closed stream's socket go. */
async function openSessions(server: McpHttpServer): Promise<string[]> {
  for (let waited = 0; server.sessions.size > 0 && waited < 2_000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return [...server.sessions.keys()].map((id) => `session ${id}`);
}

/** An endpoint on 127.0.0.1 nobody listens on (a port that was free a moment ago). */
async function refusedEndpoint(): Promise<string> {
  const { origin, goAway } = await startHttpServer(() => {});
  goAway();
  return `${origin}/mcp`;
}

/** The contract's setup for the remote transport against servers that `start` makes. */
function remoteContract(start: () => Promise<McpHttpServer>, path: string) {
  return {
    factory: remoteTransport,
    spawn: () => {
      throw new Error('the remote transport starts no process');
    },
    upstream: async (): Promise<TransportContractUpstream> => {
      const server = await start();
      return {
        config: serverSchema.parse({ mode: 'remote', endpoint: `${server.origin}${path}` }),
        goAway: () => server.goAway(),
        leftovers: () => openSessions(server),
        cleanup: server.close,
      };
    },
    unstartable: async () => ({
      config: serverSchema.parse({ mode: 'remote', endpoint: await refusedEndpoint() }),
      expectation: { message: /fetch failed|ECONNREFUSED/ },
    }),
  };
}

transportContract(test, 'remote (streamable HTTP)', remoteContract(startStreamableServer, '/mcp'));
transportContract(test, 'remote (legacy SSE)', remoteContract(startLegacySseServer, '/sse'));

async function open(t: ExecutionContext, endpoint: string, factory = quick) {
  const lines: ServerLogLine[] = [];
  const config = serverSchema.parse({ mode: 'remote', endpoint, headers: { 'x-hangar-test': 'yes' } });
  const connection = await factory.open({
    serverId: 'remote',
    config,
    onLog: (line) => lines.push(line),
    spawn: () => {
      throw new Error('the remote transport starts no process');
    },
  });
  t.teardown(() => connection.stop());
  const closed = new Promise<void>((resolve) => (connection.transport.onclose = resolve));
  return { connection, lines, closed };
}

async function connectClient(t: ExecutionContext, connection: UpstreamConnection): Promise<Client> {
  const client = new Client({ name: 'transport-test', version: '1.0.0' });
  await client.connect(connection.transport);
  t.teardown(() => client.close());
  return client;
}

async function echo(client: Client, text: string): Promise<string> {
  const result = await client.callTool({ name: 'echo', arguments: { text } });
  return (result.content as { text?: string }[])[0]?.text ?? '';
}

test('a client lists and calls tools on a streamable HTTP server, sending the configured headers', async (t) => {
  const server = await streamableServer(t);
  const { connection, lines } = await open(t, `${server.origin}/mcp`, remoteTransport);
  const client = await connectClient(t, connection);
  t.deepEqual(
    (await client.listTools()).tools.map((tool) => tool.name),
    ['echo'],
  );
  t.is(await echo(client, 'over http'), 'over http');
  t.true(server.requests.every((request) => request.headers['x-hangar-test'] === 'yes'));
  t.false(lines.some((line) => /legacy SSE/.test(line.line)));
});

test('a legacy SSE-only server is reached by falling back after the 4xx on the first POST', async (t) => {
  const server = await legacySseServer(t);
  const { connection, lines } = await open(t, `${server.origin}/sse`, remoteTransport);
  const client = await connectClient(t, connection);
  t.deepEqual(
    (await client.listTools()).tools.map((tool) => tool.name),
    ['echo'],
  );
  t.is(await echo(client, 'over sse'), 'over sse');
  t.true(lines.some((line) => line.stream === 'system' && /HTTP 405 .* falling back to legacy SSE/.test(line.line)));
  t.deepEqual(
    server.requests.slice(0, 2).map((request) => `${request.method} ${request.path}`),
    ['POST /sse', 'GET /sse'],
  );
  t.true(server.requests.every((request) => request.headers['x-hangar-test'] === 'yes'));
});

test('a vanished streamable HTTP server closes the connection by itself, logged as unreachable', async (t) => {
  const server = await streamableServer(t);
  const { connection, lines, closed } = await open(t, `${server.origin}/mcp`);
  const client = await connectClient(t, connection);
  await client.listTools();
  server.goAway();
  await closed;
  t.true(lines.some((line) => /unreachable/.test(line.line)));
});

test('a vanished legacy SSE server closes the connection by itself, logged as a lost stream', async (t) => {
  const server = await legacySseServer(t);
  const { connection, lines, closed } = await open(t, `${server.origin}/sse`);
  const client = await connectClient(t, connection);
  await client.listTools();
  server.goAway();
  await closed;
  t.true(lines.some((line) => /SSE stream .* lost/.test(line.line)));
});

test('stop() ends the streamable HTTP session with a DELETE', async (t) => {
  const server = await streamableServer(t);
  const { connection } = await open(t, `${server.origin}/mcp`);
  await connectClient(t, connection);
  await connection.stop();
  t.true(server.requests.some((request) => request.method === 'DELETE'));
  t.deepEqual([...server.sessions.keys()], []);
});

test('a 401 is reported as it is, not retried as legacy SSE', async (t) => {
  const server = await httpServer(t, (_req, res) => void res.writeHead(401).end('who are you'));
  const { connection } = await open(t, `${server.origin}/mcp`);
  const error = await t.throwsAsync(connectClient(t, connection));
  t.regex(error.message, /who are you/);
  t.false(server.requests.some((request) => request.method === 'GET'));
});

test('an endpoint that speaks neither protocol fails naming both attempts', async (t) => {
  const server = await httpServer(t, (_req, res) => void res.writeHead(404).end());
  const { connection } = await open(t, `${server.origin}/nothing`);
  const error = await t.throwsAsync(connectClient(t, connection));
  t.regex(error.message, /speaks neither streamable HTTP nor legacy SSE/);
  t.deepEqual(
    server.requests.map((request) => request.method),
    ['POST', 'GET'],
  );
});

// The two tests on the 1 s connect timeout run alone in this file (serial tests run before the
// others): beside the contract's dozen concurrent servers, a loaded worker can miss 1 s on its own.
test.serial('a server that accepts the connection but never answers fails the connect after connectTimeoutMs', async (t) => {
  const server = await httpServer(t, () => {}); // Never responds; goAway() at teardown drops the socket.
  const { connection } = await open(t, `${server.origin}/mcp`, impatient);
  const error = await t.throwsAsync(connectClient(t, connection));
  t.regex(error.message, /did not answer within 1000 ms/);
  t.deepEqual(
    server.requests.map((request) => request.method),
    ['POST'],
  );
});

test.serial('once connected, a call answered in plain JSON may take longer than connectTimeoutMs', async (t) => {
  const server = await streamableServer(t, true);
  const { connection } = await open(t, `${server.origin}/mcp`, impatient);
  const client = await connectClient(t, connection);
  const result = await client.callTool({ name: 'wait', arguments: { ms: 1_500 } });
  t.deepEqual(result.content, [{ type: 'text', text: 'waited' }]);
});

test('thousands of calls on one connection leave no pile of abort listeners (no MaxListenersExceededWarning)', async (t) => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => {
    if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
  };
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const server = await streamableServer(t, true);
  const { connection } = await open(t, `${server.origin}/mcp`, remoteTransport);
  const client = await connectClient(t, connection);
  // undici warns past 1500 listeners on one signal; 1600 sequential calls would cross it.
  for (let i = 0; i < 1600; i++) await echo(client, 'x');
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(warnings, []);
});
