import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { ROOT } from '../helpers/cli.js';

const ECHO = path.join(ROOT, 'test', 'fixtures', 'echo-server.mjs');

test('a config server runs in the config file folder, so relative commands work from any cwd', async (t) => {
  const dir = await realpath(await tempDir(t));
  await writeIn(dir, 'server.mjs', `await import(${JSON.stringify(pathToFileURL(ECHO).href)});\n`);
  const configFile = await writeIn(
    dir,
    'hangar.yaml',
    'mcp_servers:\n  local: { mode: subprocess, command: [node, ./server.mjs] }\n',
  );
  t.not(process.cwd(), dir);
  const { url } = await startHangar(t, { configFile, pluginEntries: [] });
  const response = await fetch(`${url}/api/mcp_servers/local/tools/whoami/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ arguments: {} }),
  });
  t.is(response.status, 200, await response.clone().text());
  const body = (await response.json()) as { result: { content: { text: string }[] } };
  t.is((JSON.parse(body.result.content[0]!.text) as { cwd: string }).cwd, dir);
});
