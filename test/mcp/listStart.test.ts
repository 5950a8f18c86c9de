// Listings start the servers whose lists are unknown (never started, no predefined tools, no last-known list),
// bounded by list_start_timeout_s; servers with known lists are never started by a listing.
import test from 'ava';
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { mcpServersRef } from '@hangar/core';
import { connectClient, ECHO_SERVER, echoServerYaml, eventually, jsonOf, startEchoHangar, textOf } from './helpers.js';

test('a server slower than list_start_timeout_s is left out of the first tools/list, then announced to every session', async (t) => {
  const config = [
    'list_start_timeout_s: 1',
    'mcp_servers:',
    echoServerYaml('known'),
    echoServerYaml('slow', { predefined: false, env: { ECHO_INIT_DELAY_MS: '3000' } }),
    '',
  ].join('\n');
  const { hangar, url, records } = await startEchoHangar(t, config);
  const client = await connectClient(t, url);
  const other = await connectClient(t, url);
  const seen = { tools: 0, prompts: 0, resources: 0, otherTools: 0 };
  let announced = false;
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    seen.tools++;
    // What a client does on list_changed: list again.
    try {
      if ((await client.listTools()).tools.some((tool) => tool.name === 'slow__echo')) announced = true;
    } catch {
      // the client closed at test end
    }
  });
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void seen.prompts++);
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void seen.resources++);
  other.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.otherTools++);

  const first = (await client.listTools()).tools.map((tool) => tool.name);
  t.true(first.includes('known__echo'), 'predefined tools are listed');
  t.false(
    first.some((name) => name.startsWith('slow__')),
    'still starting at the deadline: left out',
  );
  t.true(
    records.some((record) => /MCP server 'slow' is left out of the list: still starting/.test(String(record.msg))),
    'a warning names the server left out',
  );

  await eventually(() => (announced ? true : undefined), 'list_changed, after which tools/list shows slow__echo', 600);
  await eventually(
    () => (seen.prompts > 0 && seen.resources > 0 && seen.otherTools > 0 ? true : undefined),
    'prompts and resources list_changed, and tools list_changed on the other session',
  );
  t.true((await other.listTools()).tools.some((tool) => tool.name === 'slow__echo'));
  t.true((await client.listPrompts()).prompts.some((prompt) => prompt.name === 'slow__greet'));
  const known = hangar.container.resolve(mcpServersRef).get('known');
  t.is(known.state, 'cold', 'a server with predefined tools is never started by a listing');
});

test('flat naming: a call of a name no known list holds starts the never-started servers before it is unknown', async (t) => {
  const config = ['tool_naming: flat', 'mcp_servers:', echoServerYaml('echo', { predefined: false }), ''].join('\n');
  const { url } = await startEchoHangar(t, config);
  const client = await connectClient(t, url);
  // No listing first: the name is only found once the server has started.
  const whoami = jsonOf<{ pid: number }>(await client.callTool({ name: 'whoami', arguments: {} }));
  t.true(whoami.pid > 0);
  const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).then(
    (result) => textOf(result),
    (error: Error) => error.message,
  );
  t.regex(unknown, /Unknown tool no_such_tool/);
});

test('prompts/list and registry_tools start a never-started server; once every list is known, listReady is a no-op', async (t) => {
  const config = ['mcp_servers:', echoServerYaml('echo', { predefined: false }), ''].join('\n');
  const { hangar, url } = await startEchoHangar(t, config);
  const registry = hangar.container.resolve(mcpServersRef);
  t.not(registry.listReady(), undefined, 'an unknown list: something to wait for');
  const client = await connectClient(t, url);
  t.true((await client.listPrompts()).prompts.some((prompt) => prompt.name === 'echo__greet'));
  t.is(registry.get('echo').state, 'ready');
  t.is(registry.listReady(), undefined, 'every list known: nothing to wait for, no promise');

  // A server added later has an unknown list again; registry_tools starts it.
  registry.register('late', { mode: 'subprocess', command: [process.execPath, ECHO_SERVER] }, 'api');
  t.not(registry.listReady(), undefined);
  const { tools } = jsonOf<{ tools: { name: string }[] }>(
    await client.callTool({ name: 'registry_tools', arguments: { mcp_server: 'late' } }),
  );
  t.true(tools.some((tool) => tool.name === 'echo'));
  t.is(registry.get('late').state, 'ready');
});
