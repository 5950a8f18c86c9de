import Router from '@koa/router';
import test from 'ava';
import { WebSocket } from 'ws';
import {
  AuthenticationError,
  Hangar,
  ValidationError,
  authenticatorsExtensionPoint,
  createEvent,
  definePlugin,
  eventBusRef,
  httpRoutesExtensionPoint,
  type EventBus,
} from '@hangar/core';
import { captureLogger, freePort, startHangar, tempDir } from '../helpers/hangar.js';
import { upgradeStatus } from './accessPlugins.js';

const routesPlugin = definePlugin({
  id: 'routes-under-test',
  coreRange: '*',
  register(env) {
    const router = new Router();
    router.get('/things', (ctx) => (ctx.body = { things: [] }));
    router.post('/things', (ctx) => {
      const body = ctx.request.body as { name?: unknown } | undefined;
      if (typeof body?.name !== 'string') throw new ValidationError("Field 'name' is required and must be a string");
      ctx.status = 201;
      ctx.body = { name: body.name, created: true };
    });
    router.get('/explode', () => {
      throw new Error('secret connection string postgres://admin:hunter2@db');
    });
    env.provide(httpRoutesExtensionPoint, { name: 'things', router });
    env.init({ run: () => undefined });
  },
});

/** The JSON body of an error response; throws if the answer is not JSON at all. */
async function json(response: Response): Promise<unknown> {
  if (!String(response.headers.get('content-type')).includes('application/json')) throw new Error('response is not JSON');
  return response.json();
}

test('unknown routes answer 404 in the error body shape', async (t) => {
  const { url } = await startHangar(t, { extraPlugins: [{ definition: routesPlugin }] });
  const response = await fetch(`${url}/api/nothing-here`);
  t.is(response.status, 404);
  t.deepEqual(await json(response), { error: 'NotFoundError', message: 'No route for GET /api/nothing-here', status_code: 404 });
});

test('a wrong method answers 405 in the error body shape', async (t) => {
  const { url } = await startHangar(t, { extraPlugins: [{ definition: routesPlugin }] });
  const response = await fetch(`${url}/api/things`, { method: 'DELETE' });
  t.is(response.status, 405);
  t.like(await json(response), { error: 'MethodNotAllowedError', status_code: 405 });
});

test('an HTTP method the API does not implement answers 501 in the error body shape', async (t) => {
  const { url } = await startHangar(t, { extraPlugins: [{ definition: routesPlugin }] });
  const response = await fetch(`${url}/api/things`, { method: 'PROPFIND' });
  t.is(response.status, 501);
  t.deepEqual(await json(response), { error: 'NotImplementedError', message: 'HTTP method not implemented', status_code: 501 });
});

test('malformed JSON answers 400 InvalidJSONError', async (t) => {
  const { url } = await startHangar(t, { extraPlugins: [{ definition: routesPlugin }] });
  const response = await fetch(`${url}/api/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name": ',
  });
  t.is(response.status, 400);
  const body = (await json(response)) as { error: string; status_code: number; message: string };
  t.is(body.error, 'InvalidJSONError');
  t.is(body.status_code, 400);
  t.regex(body.message, /^Request body is not valid JSON/);
});

test('a validation error answers 422 naming the field; a good body 201', async (t) => {
  const { url } = await startHangar(t, { extraPlugins: [{ definition: routesPlugin }] });
  const bad = await fetch(`${url}/api/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name": 3}',
  });
  t.is(bad.status, 422);
  t.deepEqual(await json(bad), {
    error: 'ValidationError',
    message: "Field 'name' is required and must be a string",
    status_code: 422,
  });
  const good = await fetch(`${url}/api/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name": "x"}',
  });
  t.is(good.status, 201);
});

test('a body that is not JSON answers 415, an oversized one 413', async (t) => {
  const { url } = await startHangar(t, { extraPlugins: [{ definition: routesPlugin }] });
  const text = await fetch(`${url}/api/things`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=x' });
  t.is(text.status, 415);
  t.like(await json(text), { error: 'UnsupportedMediaTypeError', status_code: 415 });
  const huge = await fetch(`${url}/api/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
  });
  t.is(huge.status, 413);
  t.like(await json(huge), { error: 'PayloadTooLargeError', status_code: 413 });
});

test('an unexpected error answers a bare 500 with no internals, and is logged', async (t) => {
  const { url, records } = await startHangar(t, { extraPlugins: [{ definition: routesPlugin }] });
  const response = await fetch(`${url}/api/explode`);
  t.is(response.status, 500);
  const text = await response.text();
  t.deepEqual(JSON.parse(text), { error: 'InternalServerError', message: 'Internal server error', status_code: 500 });
  t.false(text.includes('hunter2'));
  t.false(text.includes('at '));
  t.true(records.some((r) => r.msg === 'request failed' && JSON.stringify(r.err).includes('hunter2')));
});

test('/ready is 503 while plugins initialise and 200 once they have started; /health is 200 throughout', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = definePlugin({ id: 'slow', coreRange: '*', register: (env) => env.init({ run: () => gate }) });
  const port = await freePort();
  const { logger } = captureLogger();
  const booting = Hangar.start({
    logger,
    dataDir: await tempDir(t),
    http: { host: '127.0.0.1', port },
    extraPlugins: [{ definition: slow }, { definition: routesPlugin }],
  });
  const base = `http://127.0.0.1:${port}`;
  let ready: Response | undefined;
  for (let i = 0; i < 200 && !ready; i++) {
    ready = await fetch(`${base}/ready`).catch(() => undefined);
    if (!ready) await new Promise((r) => setTimeout(r, 25));
  }
  t.is(ready?.status, 503);
  t.deepEqual(await ready?.json(), { status: 'starting' });
  t.is((await fetch(`${base}/health`)).status, 200);
  const early = await fetch(`${base}/api/things`);
  t.is(early.status, 503);
  t.like(await early.json(), { error: 'ServiceUnavailableError', status_code: 503 });
  release();
  const hangar = await booting;
  t.teardown(() => hangar.stop());
  t.is((await fetch(`${base}/ready`)).status, 200);
  t.is((await fetch(`${base}/api/things`)).status, 200);
});

test('/ready answers 503 while Hangar stops', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slowStop = definePlugin({
    id: 'slow-stop',
    coreRange: '*',
    register: (env) => env.init({ run: () => ({ stop: () => gate }) }),
  });
  const { hangar, url } = await startHangar(t, { extraPlugins: [{ definition: slowStop }] });
  const stopping = hangar.stop();
  const ready = await fetch(`${url}/ready`);
  t.is(ready.status, 503);
  t.deepEqual(await ready.json(), { status: 'stopping' });
  release();
  await stopping;
});

test('/api/ws/events streams published events as flat frames', async (t) => {
  let bus: EventBus | undefined;
  const publisher = definePlugin({
    id: 'publisher',
    coreRange: '*',
    register: (env) => env.init({ deps: { b: eventBusRef }, run: ({ b }) => void (bus = b) }),
  });
  const { url } = await startHangar(t, { extraPlugins: [{ definition: publisher }] });
  const socket = new WebSocket(`${url.replace('http', 'ws')}/api/ws/events`);
  t.teardown(() => socket.terminate());
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const frame = new Promise<Record<string, unknown>>((resolve) =>
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as Record<string, unknown>)),
  );
  bus?.publish(createEvent('McpServerStateChanged', { old_state: 'cold', new_state: 'initializing' }, { mcpServerId: 'math' }));
  t.like(await frame, {
    event_type: 'McpServerStateChanged',
    mcp_server_id: 'math',
    old_state: 'cold',
    new_state: 'initializing',
  });
});

test('a WebSocket upgrade to an unknown path answers HTTP 404', async (t) => {
  const { url } = await startHangar(t);
  const status = await upgradeStatus(`${url}/api/ws/nothing`);
  t.is(status, 404);
});

test('a refused WebSocket upgrade answers HTTP 401 before any handler runs', async (t) => {
  const denyAll = definePlugin({
    id: 'deny-all',
    coreRange: '*',
    register: (env) => {
      env.provide(authenticatorsExtensionPoint, {
        name: 'deny-all',
        authenticate: (request) => {
          if (request.headers['x-api-key'] !== 'mcp_good') throw new AuthenticationError('Missing or invalid API key');
          return { id: 'tester', type: 'api_key', roles: ['admin'] };
        },
      });
      env.init({ run: () => undefined });
    },
  });
  const { url } = await startHangar(t, { extraPlugins: [{ definition: denyAll }] });
  t.is(await upgradeStatus(`${url}/api/ws/events`), 401);
  const rest = await fetch(`${url}/api/anything`);
  t.is(rest.status, 401);
  t.deepEqual(await rest.json(), { error: 'AuthenticationError', message: 'Missing or invalid API key', status_code: 401 });
  t.is((await fetch(`${url}/health`)).status, 200);
  const socket = new WebSocket(`${url.replace('http', 'ws')}/api/ws/events`, { headers: { 'X-API-Key': 'mcp_good' } });
  t.teardown(() => socket.terminate());
  await t.notThrowsAsync(new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject)));
});

test('a non-loopback host without authentication is refused unless --unsafe-no-auth', async (t) => {
  const { logger } = captureLogger();
  const error = await t.throwsAsync(Hangar.start({ logger, dataDir: await tempDir(t), http: { host: '0.0.0.0', port: 0 } }));
  t.is((error as unknown as { code: string }).code, 'HANGAR_ERR_CLI_USAGE');
  t.regex(error.message, /refusing to serve 0\.0\.0\.0 without authentication/);
});

const mcpPost = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });

test('/mcp goes through the same host steps as any route: readiness, authentication, errors', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = definePlugin({ id: 'slow', coreRange: '*', register: (env) => env.init({ run: () => gate }) });
  const keyed = definePlugin({
    id: 'keyed',
    coreRange: '*',
    register: (env) => {
      env.provide(authenticatorsExtensionPoint, {
        name: 'keyed',
        authenticate: (request) => {
          if (request.channel !== 'http' || request.path !== '/mcp') return undefined;
          if (request.headers['x-api-key'] !== 'good') throw new AuthenticationError('Missing or invalid API key');
          return { id: 'tester', type: 'api_key', roles: [] };
        },
      });
      env.init({ run: () => undefined });
    },
  });
  const port = await freePort();
  const booting = Hangar.start({
    logger: captureLogger().logger,
    dataDir: await tempDir(t),
    http: { host: '127.0.0.1', port },
    extraPlugins: [{ definition: slow }, { definition: keyed }],
  });
  const url = `http://127.0.0.1:${port}`;
  let early: Response | undefined;
  for (let i = 0; i < 200 && !early; i++) {
    early = await mcpPost(url, { 'x-api-key': 'good' }).catch(() => undefined);
    if (!early) await new Promise((r) => setTimeout(r, 25));
  }
  t.is(early?.status, 503);
  t.like(await early?.json(), { error: 'ServiceUnavailableError', status_code: 503 });
  release();
  const hangar = await booting;
  t.teardown(() => hangar.stop());
  const refused = await mcpPost(url);
  t.is(refused.status, 401);
  t.deepEqual(await refused.json(), { error: 'AuthenticationError', message: 'Missing or invalid API key', status_code: 401 });
  const foreign = await mcpPost(url, { 'x-api-key': 'good', origin: 'http://evil.example' });
  t.is(foreign.status, 403);
  t.like(await foreign.json(), { error: 'AccessDeniedError', status_code: 403 });
  const accepted = await mcpPost(url, { 'x-api-key': 'good' });
  t.is(accepted.status, 200);
  t.truthy(accepted.headers.get('mcp-session-id'));
  t.is((await fetch(`${url}/mcp`, { method: 'POST', headers: { 'x-api-key': 'good' }, body: '{' })).status, 400);
});
