#!/usr/bin/env node
// Example MCP server (stdio): add, multiply, and a slow tool that reports progress and logs.
// Run it through Hangar (see hangar.config.yaml) or directly: `node examples/servers/math.mjs`.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'math', version: '1.0.0' }, { capabilities: { logging: {} } });

server.registerTool('add', { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => ({
  content: [{ type: 'text', text: String(a + b) }],
  structuredContent: { result: a + b },
}));

server.registerTool(
  'multiply',
  { description: 'Multiply two numbers', inputSchema: { a: z.number(), b: z.number() } },
  ({ a, b }) => ({ content: [{ type: 'text', text: String(a * b) }], structuredContent: { result: a * b } }),
);

server.registerTool(
  'slow_count',
  {
    description: 'Count to `steps`, waiting `delay_ms` between steps and reporting progress at each one',
    inputSchema: {
      steps: z.number().int().min(1).max(1000).default(5),
      delay_ms: z.number().int().min(0).max(10000).default(200),
    },
  },
  async ({ steps, delay_ms }, extra) => {
    const token = extra._meta?.progressToken;
    const log = (data) => server.sendLoggingMessage({ level: 'info', logger: 'slow_count', data });
    await log(`counting to ${steps}, ${delay_ms} ms a step`);
    for (let step = 1; step <= steps; step++) {
      if (extra.signal.aborted) throw new Error('cancelled');
      await new Promise((resolve) => setTimeout(resolve, delay_ms));
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: step, total: steps, message: `step ${step} of ${steps}` },
        });
      }
    }
    await log(`counted to ${steps}`);
    return { content: [{ type: 'text', text: `counted to ${steps}` }], structuredContent: { result: steps } };
  },
);

await server.connect(new StdioServerTransport());
process.stderr.write('math server ready\n');
