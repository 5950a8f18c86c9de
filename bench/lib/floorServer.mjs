// The transport floor for the peers table: an SDK MCP server that answers `echo` itself over
// streamable HTTP (stateful, one transport per session), with no gateway and no upstream. Its
// latency is what the SDK client and server transports cost on their own. `POST /raw` answers a
// fixed JSON body with no MCP at all: the cost of one HTTP round trip.
//   node bench/lib/floorServer.mjs PORT sse|json
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const [port, answers = 'sse'] = process.argv.slice(2);
const sessions = new Map();

async function open() {
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    enableJsonResponse: answers === 'json',
    onsessioninitialized: (id) => sessions.set(id, transport),
  });
  transport.onclose = () => sessions.delete(transport.sessionId);
  const server = new McpServer({ name: 'floor', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes back the input', inputSchema: { message: z.string() } }, ({ message }) => ({
    content: [{ type: 'text', text: `Echo: ${message}` }],
  }));
  await server.connect(transport);
  return transport;
}

http
  .createServer(async (req, res) => {
    if (req.url === '/raw') {
      req.resume().once('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Echo: hello"}]}}');
      });
      return;
    }
    if (!req.url?.startsWith('/mcp')) {
      res.writeHead(req.url === '/healthz' ? 200 : 404).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    const transport = id ? sessions.get(id) : await open();
    if (!transport) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    }
    await transport.handleRequest(req, res);
  })
  .listen(Number(port), '127.0.0.1');
