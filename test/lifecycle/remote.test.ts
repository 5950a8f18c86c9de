import path from 'node:path';
import test from 'ava';
import { mcpServersRef } from '@hangar/core';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { ROOT } from '../helpers/cli.js';
import { startHttpFixture } from '../helpers/httpFixture.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'conformance-server.mjs');

async function invoke(url: string, server: string, tool: string): Promise<Response> {
  return fetch(`${url}/api/mcp_servers/${server}/tools/${tool}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ arguments: {} }),
  });
}

test('a remote server is reached over streamable HTTP; its loss is noticed at once', async (t) => {
  const upstream = await startHttpFixture(t, FIXTURE);
  const configFile = await writeIn(
    await tempDir(t),
    'hangar.yaml',
    `mcp_servers:\n  far: { mode: remote, endpoint: ${JSON.stringify(upstream.url)}, headers: { X-Trace: hangar-test } }\n`,
  );
  const { url, hangar } = await startHangar(t, { configFile, pluginEntries: [] });
  const answered = await invoke(url, 'far', 'test_simple_text');
  t.is(answered.status, 200, await answered.clone().text());
  const body = (await answered.json()) as { result: { content: { text: string }[] } };
  t.is(body.result.content[0]?.text, 'This is a simple text response for testing.');

  const server = hangar.container.resolve(mcpServersRef).get('far');
  t.is(server.state, 'ready');
  upstream.child.kill('SIGKILL');
  // No call needed: the lost connection itself moves the server to dead.
  for (let i = 0; i < 200 && server.state === 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  t.is(server.state, 'dead');
  const failed = await invoke(url, 'far', 'test_simple_text');
  t.is(failed.status, 503, await failed.clone().text());
  t.false(server.alive);
});
