import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ProgressNotificationSchema,
  type CallToolResult,
  type ClientCapabilities,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import type { HangarOptions } from '@hangar/core';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';

/** The echo fixture server. */
export const ECHO_SERVER = path.resolve(import.meta.dirname, '..', 'fixtures', 'echo-server.mjs');

/** A `mcp_servers` entry (YAML, indented for the map) running the echo fixture, with `echo` predefined. */
export function echoServerYaml(id: string, options: { predefined?: boolean; env?: Record<string, string> } = {}): string {
  const lines = [
    `  ${id}:`,
    '    mode: subprocess',
    `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(ECHO_SERVER)}]`,
  ];
  if (options.env) lines.push(`    env: ${JSON.stringify(options.env)}`);
  if (options.predefined !== false) {
    lines.push(
      '    tools:',
      '      - name: echo',
      '        description: Returns its text',
      '        inputSchema: { type: object, properties: { text: { type: string } }, required: [text] }',
    );
  }
  return lines.join('\n');
}

/** Boots Hangar over HTTP with the given config text (default: one `echo` server). */
export async function startEchoHangar(
  t: ExecutionContext,
  config = `mcp_servers:\n${echoServerYaml('echo')}\n`,
  options: Partial<HangarOptions> = {},
) {
  const configFile = await writeIn(await tempDir(t), 'hangar.yaml', config);
  return startHangar(t, { configFile, ...options });
}

/** An SDK client connected to Hangar's `/mcp` (or `/sse`), closed at test end. */
export async function connectClient(
  t: ExecutionContext,
  url: string,
  options: { capabilities?: ClientCapabilities; transport?: 'streamable' | 'sse'; headers?: Record<string, string> } = {},
): Promise<Client> {
  const client = new Client({ name: 'hangar-test', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  const requestInit = options.headers ? { headers: options.headers } : undefined;
  const transport =
    options.transport === 'sse'
      ? new SSEClientTransport(new URL('/sse', url), { requestInit })
      : new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit });
  await client.connect(transport);
  t.teardown(() => client.close());
  return client;
}

/** The text of a result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  if (content?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result)}`);
  return content.text;
}

/** A meta tool's JSON answer. */
export function jsonOf<T = Record<string, unknown>>(result: unknown): T {
  return JSON.parse(textOf(result)) as T;
}

/** Polls `check` (bounded, no fixed sleeps in assertions) until it returns a value. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  attempts = 200,
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A promise with its resolver, for "this notification arrived" assertions. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Collects every progress notification the client receives, by token. The SDK client's own
 * `onprogress` drops notifications that arrive in the same chunk as the response (SDK #2580), so
 * tests that count notifications read them here instead; pass `onprogress: () => {}` to the call
 * so it carries a progressToken.
 */
export function collectProgress(client: Client): Map<string | number, Progress[]> {
  const byToken = new Map<string | number, Progress[]>();
  client.setNotificationHandler(ProgressNotificationSchema, ({ params: { progressToken, ...progress } }) => {
    byToken.set(progressToken, [...(byToken.get(progressToken) ?? []), progress]);
  });
  return byToken;
}
