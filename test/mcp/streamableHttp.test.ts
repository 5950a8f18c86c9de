import test from 'ava';
import { authenticatorsExtensionPoint, definePlugin, type PluginDefinition } from '@hangar/core';
import { mcpServersRef } from '@hangar/core';
import { connectClient, eventually, startEchoHangar } from './helpers.js';
import { initializeBody, mcpHeaders, openRawSession, rawRequest, sseMessages } from './rawHttp.js';

const call = (id: number, name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
const list = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });

test('a foreign Host or Origin is refused with 403 on every MCP endpoint (DNS rebinding)', async (t) => {
  const { url } = await startEchoHangar(t);
  const port = new URL(url).port;
  for (const path of ['/mcp', '/sse', '/messages?sessionId=x']) {
    const method = path === '/sse' ? 'GET' : 'POST';
    const badHost = await rawRequest(`${url}${path}`, {
      method,
      headers: { ...mcpHeaders(), host: `evil.example:${port}` },
      body: method === 'POST' ? initializeBody() : undefined,
    });
    t.is(badHost.status, 403, `${path} host`);
    t.like(JSON.parse(badHost.body), { error: 'AccessDeniedError', status_code: 403 });

    const badOrigin = await rawRequest(`${url}${path}`, {
      method,
      headers: { ...mcpHeaders(), origin: 'http://evil.example' },
      body: method === 'POST' ? initializeBody() : undefined,
    });
    t.is(badOrigin.status, 403, `${path} origin`);
    t.regex((JSON.parse(badOrigin.body) as { message: string }).message, /Origin/);
  }
});

test('loopback Host names and a local Origin are accepted', async (t) => {
  const { url } = await startEchoHangar(t);
  const port = new URL(url).port;
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
    const response = await rawRequest(`${url}/mcp`, {
      method: 'POST',
      headers: { ...mcpHeaders(), host, origin: 'http://localhost:5173' },
      body: initializeBody(),
    });
    t.is(response.status, 200, host);
  }
  const wrongPort = await rawRequest(`${url}/mcp`, {
    method: 'POST',
    headers: { ...mcpHeaders(), host: 'localhost:1' },
    body: initializeBody(),
  });
  t.is(wrongPort.status, 403);
});

test('a POST is answered with one JSON body, or as SSE once something related to it comes first', async (t) => {
  const { url } = await startEchoHangar(t);
  const init = await fetch(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(), body: initializeBody() });
  t.is(init.headers.get('content-type'), 'application/json');
  const sessionId = init.headers.get('mcp-session-id');
  t.truthy(sessionId);
  t.like(await init.json(), { id: 0, result: { serverInfo: { name: 'hangar' } } });

  const listed = await fetch(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(sessionId!), body: list(1) });
  t.is(listed.headers.get('content-type'), 'application/json');
  t.is(listed.headers.get('mcp-session-id'), sessionId);
  t.like(await listed.json(), { id: 1, result: { tools: [{ name: 'registry_list' }] } });

  // A call that reports nothing on the way is one JSON body too.
  const called = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(sessionId!),
    body: call(2, 'echo__echo', { text: 'answered' }),
  });
  t.is(called.headers.get('content-type'), 'application/json');
  t.like(await called.json(), { id: 2, result: { content: [{ type: 'text', text: 'answered' }] } });

  // Progress before the answer turns the response into an SSE stream that ends with the answer.
  const streamed = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(sessionId!),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'echo__progress_burst', arguments: { count: 3 }, _meta: { progressToken: 'p' } },
    }),
  });
  t.is(streamed.headers.get('content-type'), 'text/event-stream');
  t.is(streamed.headers.get('mcp-session-id'), sessionId);
  const messages = [];
  for await (const message of sseMessages(streamed)) messages.push(message);
  t.deepEqual(
    messages.slice(0, -1).map((message) => message.method),
    ['notifications/progress', 'notifications/progress', 'notifications/progress'],
  );
  t.like(messages.at(-1), { id: 3, result: { content: [{ type: 'text', text: 'sent 3' }] } });
});

test('concurrent JSON and SSE requests on one session each get their own mode and answer', async (t) => {
  const { url } = await startEchoHangar(t);
  const sessionId = await openRawSession(url);
  const started = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(sessionId),
    body: call(1, 'registry_start', { mcp_server: 'echo' }),
  });
  await started.text();
  // SSE calls stream progress while JSON lists are answered on the same session at the same time.
  const burst = (id: number) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'echo__progress_burst', arguments: { count: 10 }, _meta: { progressToken: `p${id}` } },
    });
  const requests = Array.from({ length: 40 }, async (_, index) => {
    const id = index + 10;
    const json = index % 2 === 0;
    const response = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: mcpHeaders(sessionId),
      body: json ? list(id) : burst(id),
    });
    const type = response.headers.get('content-type');
    if (json) {
      const answer = (await response.json()) as { id: number; result?: { tools?: unknown[] } };
      return { json, type, ok: answer.id === id && Array.isArray(answer.result?.tools) };
    }
    const messages: Record<string, unknown>[] = [];
    for await (const message of sseMessages(response)) messages.push(message);
    const progress = messages.filter((message) => message.method === 'notifications/progress');
    const mine = progress.every((message) => (message.params as { progressToken: string }).progressToken === `p${id}`);
    const text = (messages.at(-1)?.result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text;
    return { json, type, ok: progress.length === 10 && mine && messages.at(-1)?.id === id && text === 'sent 10' };
  });
  for (const outcome of await Promise.all(requests)) {
    t.is(outcome.type, outcome.json ? 'application/json' : 'text/event-stream');
    t.true(outcome.ok);
  }
});

test('a client that closes its POST before the answer cancels the upstream call', async (t) => {
  const { hangar, url } = await startEchoHangar(t);
  const sessionId = await openRawSession(url);
  const echo = () => hangar.container.resolve(mcpServersRef).find('echo');
  const cancellations = () =>
    echo()
      ?.logs(100)
      .filter((entry) => entry.line.startsWith('cancelled')).length ?? 0;
  for (const [id, withProgress] of [
    [1, true],
    [2, false],
  ] as const) {
    const before = cancellations();
    const left = new AbortController();
    const pending = fetch(`${url}/mcp`, {
      method: 'POST',
      headers: mcpHeaders(sessionId),
      signal: left.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'echo__slow', arguments: { ms: 60_000 }, ...(withProgress ? { _meta: { progressToken: 's' } } : {}) },
      }),
    });
    if (withProgress) {
      // Progress came first, so the answer is SSE and the call is running upstream.
      t.like((await sseMessages(await pending).next()).value, { method: 'notifications/progress' });
    } else {
      // Nothing related is sent: the JSON answer has not started while the call runs upstream.
      await eventually(() => ((echo()?.inFlight ?? 0) > 0 ? true : undefined), 'the call to reach the upstream');
    }
    left.abort();
    await pending.catch(() => undefined);
    await eventually(() => (cancellations() > before ? true : undefined), 'the upstream to log its cancellation');
    t.pass(withProgress ? 'streamed answer' : 'JSON answer');
  }
});

test('session errors: no session id 400, unknown session 404, DELETE ends the session', async (t) => {
  const { url } = await startEchoHangar(t);
  const noSession = await fetch(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(), body: list(1) });
  t.is(noSession.status, 400);
  t.like(await noSession.json(), { jsonrpc: '2.0', error: { code: -32000 }, id: null });

  const unknown = await fetch(`${url}/mcp`, { method: 'POST', headers: mcpHeaders('no-such-session'), body: list(1) });
  t.is(unknown.status, 404);
  t.like(await unknown.json(), { error: { code: -32001, message: 'Session not found' } });

  const sessionId = await openRawSession(url);
  const deleted = await fetch(`${url}/mcp`, { method: 'DELETE', headers: mcpHeaders(sessionId) });
  t.is(deleted.status, 200);
  const after = await fetch(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(sessionId), body: list(2) });
  t.is(after.status, 404);
});

test('an upstream sampling request goes out on the calling POST request\u2019s own SSE stream', async (t) => {
  const { url } = await startEchoHangar(t);
  const sessionId = await openRawSession(url, { sampling: {} });
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(sessionId),
    body: call(7, 'echo__sample', { prompt: 'on my stream?' }),
  });
  const stream = sseMessages(response);
  const first = (await stream.next()).value as { id: number; method: string };
  t.is(first.method, 'sampling/createMessage');
  const answer = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(sessionId),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: first.id,
      result: { role: 'assistant', model: 'm', content: { type: 'text', text: 'yes' } },
    }),
  });
  t.is(answer.status, 202);
  const result = (await stream.next()).value as { id: number; result: { content: { text: string }[] } };
  t.is(result.id, 7);
  t.is(result.result.content[0]?.text, 'yes');
});

test('a session opened by one principal refuses requests from another (403)', async (t) => {
  const headerAuth = definePlugin<Record<string, never>>({
    id: 'header-auth',
    coreRange: '*',
    register(env) {
      env.provide(authenticatorsExtensionPoint, {
        name: 'x-user',
        authenticate: (request) => {
          const user = request.headers['x-user'];
          return typeof user === 'string' ? { id: user, type: 'user' as const, roles: [] } : undefined;
        },
      });
      env.init({ run: () => undefined });
    },
  }) as unknown as PluginDefinition<unknown>;
  const { url } = await startEchoHangar(t, undefined, { extraPlugins: [{ definition: headerAuth }] });
  const client = await connectClient(t, url, { headers: { 'x-user': 'alice' } });
  await client.listTools();
  const sessionId = (client.transport as { sessionId?: string }).sessionId!;
  const stolen = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...mcpHeaders(sessionId), 'x-user': 'mallory' },
    body: list(1),
  });
  t.is(stolen.status, 403);
  t.like(await stolen.json(), { error: 'AccessDeniedError', status_code: 403 });
});
