import test from 'ava';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI, ROOT } from '../helpers/cli.js';
import { tempDir, writeIn } from '../helpers/hangar.js';
import { collectProgress, ECHO_SERVER, echoServerYaml, eventually, textOf } from './helpers.js';

/** The compiled CLI in stdio mode as an SDK client transport (plain JS: none of the test runner's loaders). */
function cliOverStdio(config: string, dataDir: string, cwd: string): StdioClientTransport {
  const { NODE_OPTIONS: _loaders, ...env } = process.env;
  return new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--config', config, '--data-dir', dataDir],
    cwd,
    env: env as Record<string, string>,
    stderr: 'pipe',
  });
}

test('stdio mode: the CLI serves one MCP session on stdin/stdout', async (t) => {
  const dir = await tempDir(t);
  const config = await writeIn(dir, 'hangar.yaml', `mcp_servers:\n${echoServerYaml('echo')}\n`);
  const transport = cliOverStdio(config, dir, ROOT);
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
  t.teardown(() => client.close());
  await client.connect(transport);

  const names = (await client.listTools()).tools.map((tool) => tool.name);
  t.true(names.includes('registry_list') && names.includes('echo__echo'), stderr);
  t.is(textOf(await client.callTool({ name: 'echo__echo', arguments: { text: 'over stdio' } })), 'over stdio');

  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: 'assistant',
    model: 'm',
    content: { type: 'text', text: 'stdio sample' },
  }));
  t.is(textOf(await client.callTool({ name: 'echo__sample', arguments: { prompt: 'p' } })), 'stdio sample');

  const progress = collectProgress(client);
  await client.callTool({ name: 'echo__progress_burst', arguments: { count: 5 } }, undefined, { onprogress: () => undefined });
  const seen = await eventually(() => [...progress.values()].find((list) => list.length === 5), '5 notifications');
  t.deepEqual(
    seen.map((entry) => entry.progress),
    [1, 2, 3, 4, 5],
  );
});

test('a Claude Desktop config (mcpServers JSON) works as --config, from any working directory', async (t) => {
  const dir = await tempDir(t);
  const config = await writeIn(dir, 'claude_desktop_config.json', {
    mcpServers: { echo: { command: process.execPath, args: [ECHO_SERVER], env: { ECHO_NAME: 'from-claude' } } },
  });
  const transport = cliOverStdio(config, dir, dir);
  const client = new Client({ name: 'claude-style', version: '1.0.0' });
  t.teardown(() => client.close());
  await client.connect(transport);
  const whoami = JSON.parse(textOf(await client.callTool({ name: 'echo__whoami', arguments: {} }))) as {
    env: Record<string, string>;
  };
  t.is(whoami.env.ECHO_NAME, 'from-claude');
});
