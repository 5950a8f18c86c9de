import test from 'ava';
import { collectProgress, connectClient, eventually, startEchoHangar, textOf } from './helpers.js';

test('the legacy /sse + /messages transport lists and calls tools', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url, { transport: 'sse' });
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  t.true(names.includes('registry_list') && names.includes('echo__echo'));
  t.is(textOf(await client.callTool({ name: 'echo__echo', arguments: { text: 'legacy' } })), 'legacy');
  const progress = collectProgress(client);
  await client.callTool({ name: 'echo__progress_burst', arguments: { count: 10 } }, undefined, { onprogress: () => undefined });
  const seen = await eventually(() => [...progress.values()].find((list) => list.length === 10), '10 notifications');
  t.deepEqual(
    seen.map((entry) => entry.progress),
    Array.from({ length: 10 }, (_, index) => index + 1),
  );
});

test('/messages answers 404 for an unknown session and 422 without one', async (t) => {
  const { url } = await startEchoHangar(t);
  const unknown = await fetch(`${url}/messages?sessionId=nope`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.is(unknown.status, 404);
  t.like(await unknown.json(), { error: 'NotFoundError' });
  const missing = await fetch(`${url}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.is(missing.status, 422);
});

test('closing the SSE stream ends the session', async (t) => {
  const { url } = await startEchoHangar(t);
  const controller = new AbortController();
  const response = await fetch(`${url}/sse`, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const { value } = await reader.read();
  const endpoint = /data: (\S+)/.exec(new TextDecoder().decode(value))?.[1];
  t.regex(endpoint ?? '', /^\/messages\?sessionId=/);
  controller.abort();
  await eventually(async () => {
    const posted = await fetch(`${url}${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return posted.status === 404 ? true : undefined;
  }, 'the session to be gone');
  t.pass();
});
