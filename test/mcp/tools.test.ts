import test from 'ava';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { mcpServersRef } from '@hangar/core';
import { connectClient, echoServerYaml, startEchoHangar, textOf } from './helpers.js';

const META_TOOLS = [
  'registry_list',
  'registry_start',
  'registry_stop',
  'registry_invoke',
  'registry_invoke_ex',
  'registry_invoke_stream',
  'registry_tools',
  'registry_health',
  'registry_status',
  'registry_discover',
  'registry_sources',
  'registry_warm',
];

test('tools/list shows the meta tools and the predefined upstream tools without starting the server', async (t) => {
  const { hangar, url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const { tools } = await client.listTools();
  const names = tools.map((tool) => tool.name);
  t.deepEqual(names.slice(0, META_TOOLS.length), META_TOOLS);
  t.true(names.includes('echo__echo'));
  const echo = tools.find((tool) => tool.name === 'echo__echo');
  t.is(echo?.description, 'Returns its text');
  t.deepEqual(echo?.inputSchema.required, ['text']);
  t.is(hangar.container.resolve(mcpServersRef).get('echo').state, 'cold');
});

test('calling echo__echo starts the server and answers; the real tool list replaces the predefined one', async (t) => {
  const { hangar, url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'hello' } });
  t.is(textOf(result), 'hello');
  t.is(hangar.container.resolve(mcpServersRef).get('echo').state, 'ready');
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  for (const tool of ['echo__echo', 'echo__progress_burst', 'echo__slow', 'echo__sample']) t.true(names.includes(tool), tool);
});

test('a server id with single underscores splits at the first double underscore', async (t) => {
  const { url } = await startEchoHangar(t, `mcp_servers:\n${echoServerYaml('my_echo')}\n`);
  const client = await connectClient(t, url);
  t.true((await client.listTools()).tools.some((tool) => tool.name === 'my_echo__echo'));
  t.is(textOf(await client.callTool({ name: 'my_echo__echo', arguments: { text: 'underscored' } })), 'underscored');
});

test('an unknown server, an unknown tool and bad arguments are JSON-RPC InvalidParams errors that say why', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);

  const noServer = await t.throwsAsync(client.callTool({ name: 'nope__echo', arguments: {} }), { instanceOf: McpError });
  t.is(noServer.code, ErrorCode.InvalidParams);
  t.regex(noServer.message, /no MCP server 'nope'/);

  const noSeparator = await t.throwsAsync(client.callTool({ name: 'echo', arguments: {} }), { instanceOf: McpError });
  t.is(noSeparator.code, ErrorCode.InvalidParams);
  t.regex(noSeparator.message, /<mcp_server>__<tool>/);

  const noTool = await t.throwsAsync(client.callTool({ name: 'echo__nope', arguments: {} }), { instanceOf: McpError });
  t.is(noTool.code, ErrorCode.InvalidParams);
  t.regex(noTool.message, /Tool 'nope' not found on MCP server 'echo'/);
  t.is(noTool.message.match(/MCP error -32602/g)?.length, 1, 'the code is shown once, not once per layer');

  const badArgs = await t.throwsAsync(client.callTool({ name: 'echo__echo', arguments: { text: 5 } }), { instanceOf: McpError });
  t.is(badArgs.code, ErrorCode.InvalidParams);
  t.regex(badArgs.message, /text/);
});

test('an upstream isError result passes through; an upstream JSON-RPC error keeps its code and message', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const failed = await client.callTool({ name: 'echo__fail', arguments: { message: 'boom' } });
  t.true(failed.isError);
  t.regex(textOf(failed), /boom/);

  const rpc = await t.throwsAsync(client.callTool({ name: 'echo__rpc_error', arguments: {} }), { instanceOf: McpError });
  t.is(rpc.code, -32602);
  t.regex(rpc.message, /bad thing/);
});

test('a server that cannot start answers an isError result naming the start error', async (t) => {
  const config = [
    'mcp_servers:',
    '  broken:',
    '    mode: subprocess',
    `    command: [${JSON.stringify(process.execPath)}, -e, "process.exit(3)"]`,
    '    tools: [{ name: noop }]',
    '',
  ].join('\n');
  const { url } = await startEchoHangar(t, config);
  const client = await connectClient(t, url);
  const result = await client.callTool({ name: 'broken__noop', arguments: {} });
  t.true(result.isError);
  t.is(JSON.parse(textOf(result)).error, 'McpServerStartError');
});

test('tool_access of the config hides tools from the listing and from calls', async (t) => {
  const config = `mcp_servers:\n${echoServerYaml('echo')}\n    tool_access: { deny_list: ["ech*"] }\n`;
  const { url } = await startEchoHangar(t, config);
  const client = await connectClient(t, url);
  t.false((await client.listTools()).tools.some((tool) => tool.name === 'echo__echo'));
  const denied = await t.throwsAsync(client.callTool({ name: 'echo__echo', arguments: { text: 'x' } }), { instanceOf: McpError });
  t.is(denied.code, ErrorCode.InvalidParams);
});
