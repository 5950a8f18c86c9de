import test from 'ava';
import {
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { mcpServersRef } from '@hangar/core';
import { collectProgress, connectClient, deferred, ECHO_SERVER, eventually, startEchoHangar, textOf } from './helpers.js';

test('every upstream progress notification reaches the caller, in order', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const progress = collectProgress(client);
  const result = await client.callTool({ name: 'echo__progress_burst', arguments: { count: 50 } }, undefined, {
    onprogress: () => undefined,
  });
  t.is(textOf(result), 'sent 50');
  const seen = await eventually(() => [...progress.values()].find((list) => list.length === 50), '50 notifications');
  t.deepEqual(
    seen.map((entry) => entry.progress),
    Array.from({ length: 50 }, (_, index) => index + 1),
  );
  t.like(seen[49], { total: 50, message: 'step 50' });
  t.is(progress.size, 1, 'all on the call\u2019s own token');
});

test('registry_invoke_stream forwards the upstream progress to the caller', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const progress = collectProgress(client);
  const result = await client.callTool(
    { name: 'registry_invoke_stream', arguments: { mcp_server: 'echo', tool: 'progress_burst', arguments: { count: 20 } } },
    undefined,
    { onprogress: () => undefined },
  );
  t.is(textOf(result), 'sent 20');
  const seen = await eventually(() => [...progress.values()].find((list) => list.length === 20), '20 notifications');
  t.deepEqual(
    seen.map((entry) => entry.progress),
    Array.from({ length: 20 }, (_, index) => index + 1),
  );
});

test('cancelling a call downstream cancels it upstream', async (t) => {
  const { hangar, url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const controller = new AbortController();
  const running = deferred();
  const call = client.callTool({ name: 'echo__slow', arguments: { ms: 60_000 } }, undefined, {
    signal: controller.signal,
    onprogress: () => running.resolve(),
  });
  await running.promise;
  controller.abort('user gave up');
  await t.throwsAsync(call);
  const echo = hangar.container.resolve(mcpServersRef).get('echo');
  const line = await eventually(
    () => echo.logs(100).find((entry) => entry.line.startsWith('cancelled')),
    'the upstream to log its cancellation',
  );
  t.is(line.stream, 'stderr');
});

test('registering a server sends tools, resources and prompts list_changed, one of each', async (t) => {
  const { hangar, url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const counts = { tools: 0, resources: 0, prompts: 0 };
  const tools = deferred();
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    counts.tools++;
    tools.resolve();
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void counts.resources++);
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void counts.prompts++);
  const registry = hangar.container.resolve(mcpServersRef);
  registry.register('second', { mode: 'subprocess', command: [process.execPath, ECHO_SERVER], tools: [{ name: 'echo' }] }, 'api');
  registry.register('third', { mode: 'subprocess', command: [process.execPath, ECHO_SERVER], tools: [{ name: 'echo' }] }, 'api');
  await tools.promise;
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  t.true(names.includes('second__echo') && names.includes('third__echo'));
  // The list request went out after the notifications on the same session, so they have all arrived.
  await eventually(() => (counts.prompts > 0 && counts.resources > 0 ? true : undefined), 'the other list_changed');
  t.deepEqual(counts, { tools: 1, resources: 1, prompts: 1 });
});

test('logging/setLevel reaches the upstream and its log messages reach the session, below-level ones filtered', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const messages: { level: string; data: unknown; logger?: string }[] = [];
  const errorArrived = deferred();
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    messages.push(notification.params);
    if (notification.params.level === 'error') errorArrived.resolve();
  });
  await client.setLoggingLevel('warning');
  await client.callTool({ name: 'echo__log', arguments: { level: 'info', message: 'too quiet' } });
  await client.callTool({ name: 'echo__log', arguments: { level: 'error', message: 'loud' } });
  await errorArrived.promise;
  t.deepEqual(messages, [{ level: 'error', logger: 'echo', data: 'loud' }]);
});
