import test from 'ava';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, eventually, startEchoHangar, textOf } from './helpers.js';

test('an upstream sampling request during a call is answered by the calling client', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url, { capabilities: { sampling: {} } });
  const prompts: string[] = [];
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    const content = request.params.messages[0]?.content;
    prompts.push(content && 'text' in content ? String(content.text) : '');
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'forty-two' } };
  });
  const result = await client.callTool({ name: 'echo__sample', arguments: { prompt: 'meaning of life?' } });
  t.is(textOf(result), 'forty-two');
  t.deepEqual(prompts, ['meaning of life?']);
});

test('an upstream elicitation request is relayed to the client and its answer returned', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    t.is(request.params.message, 'your name?');
    return { action: 'accept', content: { answer: 'Ada' } };
  });
  const result = await client.callTool({ name: 'echo__elicit', arguments: { message: 'your name?' } });
  t.deepEqual(JSON.parse(textOf(result)), { action: 'accept', content: { answer: 'Ada' } });
});

test('an upstream roots/list request is answered with the client roots', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url, { capabilities: { roots: { listChanged: true } } });
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
  const result = await client.callTool({ name: 'echo__roots', arguments: {} });
  t.deepEqual(JSON.parse(textOf(result)), { roots: [{ uri: 'file:///work', name: 'work' }] });
});

test('a client without the sampling capability makes the upstream request fail, not hang', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const result = await client.callTool({ name: 'echo__sample', arguments: { prompt: 'anyone?' } });
  t.true(result.isError);
  t.regex(textOf(result), /sampl/i);
});

test('sampling works over the legacy SSE transport too', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url, { capabilities: { sampling: {} }, transport: 'sse' });
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: 'assistant',
    model: 'm',
    content: { type: 'text', text: 'over sse' },
  }));
  const result = await client.callTool({ name: 'echo__sample', arguments: { prompt: 'hi' } });
  t.is(textOf(result), 'over sse');
});

test('a client roots/list_changed notification reaches the running upstreams', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url, { capabilities: { roots: { listChanged: true } } });
  await client.callTool({ name: 'registry_start', arguments: { mcp_server: 'echo' } });
  await client.sendRootsListChanged();
  const logs = await eventually(async () => {
    const body = (await (await fetch(`${url}/api/mcp_servers/echo/logs`)).json()) as { logs: { line: string }[] };
    return body.logs.some((entry) => entry.line === 'roots changed') ? body.logs : undefined;
  }, 'roots changed in the upstream log');
  t.truthy(logs);
});
