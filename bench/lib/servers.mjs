// The upstream MCP servers every scenario uses, and how to reach them directly (the baseline).
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { markedEnv } from './processes.mjs';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** `examples/servers/math.mjs`: add, multiply, slow_count. */
export const MATH = {
  name: 'math',
  command: [process.execPath, path.join(ROOT, 'examples', 'servers', 'math.mjs')],
  tool: 'add',
  arguments: (i) => ({ a: i, b: 1 }),
};

/** `@modelcontextprotocol/server-everything` over stdio: the reference server, `echo` is its trivial tool. */
export const EVERYTHING = {
  name: 'everything',
  command: [
    process.execPath,
    path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js'),
    'stdio',
  ],
  tool: 'echo',
  arguments: (i) => ({ message: `hello ${i}` }),
};

/** The predefined tools of the math server, as a config's `tools:` list (listing needs no spawn). */
export const MATH_TOOLS = ['add', 'multiply'].map((name) => ({
  name,
  description: `${name[0].toUpperCase()}${name.slice(1)} two numbers`,
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
}));

/** An MCP client named for the bench. */
export function benchClient() {
  return new Client({ name: 'hangar-bench', version: '1.0.0' });
}

/**
 * Spawns `server` and connects an SDK stdio client to it: the direct path, our baseline. With
 * `{relay: true}` a byte-copying relay process (lib/stdioRelay.mjs) sits in between: one extra hop.
 */
export async function connectDirect(server, { relay = false } = {}) {
  const [command, ...args] = relay
    ? [process.execPath, path.join(import.meta.dirname, 'stdioRelay.mjs'), ...server.command]
    : server.command;
  const client = benchClient();
  await client.connect(new StdioClientTransport({ command, args, env: markedEnv(getDefaultEnvironment()), stderr: 'ignore' }));
  return client;
}
