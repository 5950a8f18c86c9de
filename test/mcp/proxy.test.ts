import test from 'ava';
import { ErrorCode, McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, deferred, startEchoHangar, textOf } from './helpers.js';

test('resources and templates are listed as hangar://<server>/<uri> and read back through that name', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  t.deepEqual((await client.listResources()).resources, [], 'a server that never ran has no known resources');
  await client.callTool({ name: 'registry_start', arguments: { mcp_server: 'echo' } });

  const { resources } = await client.listResources();
  t.deepEqual(
    resources.map((resource) => resource.uri),
    ['hangar://echo/echo://static'],
  );
  const { resourceTemplates } = await client.listResourceTemplates();
  t.deepEqual(
    resourceTemplates.map((template) => template.uriTemplate),
    ['hangar://echo/echo://item/{id}'],
  );

  const item = await client.readResource({ uri: 'hangar://echo/echo://item/42' });
  t.deepEqual(item.contents, [{ uri: 'hangar://echo/echo://item/42', mimeType: 'text/plain', text: 'item 42' }]);
  const stat = await client.readResource({ uri: 'hangar://echo/echo://static' });
  t.like(stat.contents[0], { text: 'static' });
});

test('reading a resource starts its server lazily', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const read = await client.readResource({ uri: 'hangar://echo/echo://static' });
  t.is(read.contents[0]?.uri, 'hangar://echo/echo://static');
});

test('unknown resources and prompts are InvalidParams errors', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const resource = await t.throwsAsync(client.readResource({ uri: 'echo://static' }), { instanceOf: McpError });
  t.is(resource.code, ErrorCode.InvalidParams);
  const server = await t.throwsAsync(client.readResource({ uri: 'hangar://ghost/x://y' }), { instanceOf: McpError });
  t.is(server.code, ErrorCode.InvalidParams);
  const prompt = await t.throwsAsync(client.getPrompt({ name: 'ghost__greet' }), { instanceOf: McpError });
  t.is(prompt.code, ErrorCode.InvalidParams);
});

test('prompts are listed as <server>__<name>, fetched and completed through that name', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  await client.callTool({ name: 'registry_start', arguments: { mcp_server: 'echo' } });
  const { prompts } = await client.listPrompts();
  t.deepEqual(
    prompts.map((prompt) => prompt.name),
    ['echo__greet'],
  );
  const greeting = await client.getPrompt({ name: 'echo__greet', arguments: { name: 'Ada' } });
  t.deepEqual(greeting.messages, [{ role: 'user', content: { type: 'text', text: 'Hello, Ada!' } }]);

  const names = await client.complete({
    ref: { type: 'ref/prompt', name: 'echo__greet' },
    argument: { name: 'name', value: 'b' },
  });
  t.deepEqual(names.completion.values, ['bob']);
  const ids = await client.complete({
    ref: { type: 'ref/resource', uri: 'hangar://echo/echo://item/{id}' },
    argument: { name: 'id', value: '4' },
  });
  t.deepEqual(ids.completion.values, ['42']);
});

test('a resource subscription is forwarded upstream and updates arrive with the namespaced URI', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const updated = deferred<string>();
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => updated.resolve(notification.params.uri));
  await client.subscribeResource({ uri: 'hangar://echo/echo://static' });
  t.is(textOf(await client.callTool({ name: 'echo__touch', arguments: { uri: 'echo://static' } })), 'updated');
  t.is(await updated.promise, 'hangar://echo/echo://static');
  await client.unsubscribeResource({ uri: 'hangar://echo/echo://static' });
});
