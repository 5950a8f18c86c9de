import test from 'ava';
import { connectClient, echoServerYaml, startEchoHangar, textOf } from './helpers.js';

const FLAT = [
  'tool_naming: flat',
  'mcp_servers:',
  echoServerYaml('first', { env: { ECHO_NAME: 'first' } }),
  echoServerYaml('second', { env: { ECHO_NAME: 'second' } }),
  '',
].join('\n');

test('flat naming shows upstream names unchanged; a shared name goes to the first server, with one warning', async (t) => {
  const { url, records } = await startEchoHangar(t, FLAT);
  const client = await connectClient(t, url);
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  t.is(names.filter((name) => name === 'echo').length, 1);
  t.false(names.some((name) => name.includes('__')));

  await client.callTool({ name: 'registry_warm', arguments: { mcp_servers: ['first', 'second'] } });
  const whoami = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as { env: Record<string, string> };
  t.is(whoami.env.ECHO_NAME, 'first');
  await client.listTools();

  const warnings = records.filter((record) => /tool 'echo' of MCP server 'second' is refused/.test(String(record.msg)));
  t.is(warnings.length, 1, 'warned once');
  t.regex(String(warnings[0]?.msg), /'first'/);
});

test('flat naming leaves resource URIs and prompt names unchanged', async (t) => {
  const { url } = await startEchoHangar(t, FLAT);
  const client = await connectClient(t, url);
  await client.callTool({ name: 'registry_warm', arguments: { mcp_servers: ['first', 'second'] } });
  t.deepEqual(
    (await client.listResources()).resources.map((resource) => resource.uri),
    ['echo://static'],
  );
  t.deepEqual(
    (await client.listPrompts()).prompts.map((prompt) => prompt.name),
    ['greet'],
  );
  const item = await client.readResource({ uri: 'echo://item/7' });
  t.deepEqual(item.contents[0], { uri: 'echo://item/7', mimeType: 'text/plain', text: 'item 7' });
  const greeting = await client.getPrompt({ name: 'greet', arguments: { name: 'Bo' } });
  t.deepEqual(greeting.messages[0]?.content, { type: 'text', text: 'Hello, Bo!' });
});
