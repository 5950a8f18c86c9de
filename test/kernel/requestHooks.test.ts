// core.requestHooks: ordered onRequest/onResponse around every HTTP path but the probes.
import Router from '@koa/router';
import test from 'ava';
import {
  AccessDeniedError,
  definePlugin,
  httpRoutesExtensionPoint,
  permission,
  requestHooksExtensionPoint,
  type HttpResponseInfo,
  type Principal,
} from '@hangar/core';
import { startHangar } from '../helpers/hangar.js';
import { eventually } from '../mcp/helpers.js';
import { upgradeStatus } from './accessPlugins.js';

interface Seen {
  hook: string;
  phase: 'request' | 'response';
  method: string;
  path: string;
  principal?: Principal | undefined;
  response?: HttpResponseInfo;
}

/** Two hooks contributed out of order; `gate` refuses requests carrying `x-refuse`; a route counts its runs. */
function hooksPlugin(seen: Seen[], handled: { count: number }) {
  return definePlugin({
    id: 'hooks',
    coreRange: '*',
    register(env) {
      env.provide(requestHooksExtensionPoint, {
        name: 'metrics',
        order: 10,
        onRequest: (request) => void seen.push({ hook: 'metrics', phase: 'request', method: request.method, path: request.path }),
        onResponse: (request, response) =>
          void seen.push({
            hook: 'metrics',
            phase: 'response',
            method: request.method,
            path: request.path,
            principal: request.principal,
            response,
          }),
      });
      env.provide(requestHooksExtensionPoint, {
        name: 'gate',
        order: -1,
        async onRequest(request) {
          seen.push({ hook: 'gate', phase: 'request', method: request.method, path: request.path, principal: request.principal });
          request.setHeader('x-request-id', 'req-1');
          await new Promise((resolve) => setImmediate(resolve));
          if (request.headers['x-refuse'] !== undefined) throw new AccessDeniedError('refused by the gate hook');
        },
      });
      const router = new Router();
      router.get('/counted', permission('test:read'), (ctx) => {
        handled.count++;
        ctx.body = { counted: handled.count };
      });
      env.provide(httpRoutesExtensionPoint, { name: 'counted', router });
      env.init({ run: () => undefined });
    },
  });
}

async function boot(t: Parameters<typeof startHangar>[0]) {
  const seen: Seen[] = [];
  const handled = { count: 0 };
  const { url } = await startHangar(t, { extraPlugins: [{ definition: hooksPlugin(seen, handled) }] });
  const responseTo = (path: string, index = 0) =>
    eventually(() => seen.filter((s) => s.phase === 'response' && s.path === path)[index]?.response, `onResponse of ${path}`);
  return { url, seen, handled, responseTo };
}

const initialize = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};

test('hooks see /mcp and /api requests in order, set headers, and get the status and duration', async (t) => {
  const { url, seen, responseTo } = await boot(t);
  const mcp = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize),
  });
  t.is(mcp.status, 200);
  t.is(mcp.headers.get('x-request-id'), 'req-1');
  await mcp.arrayBuffer();
  const api = await fetch(`${url}/api/counted`);
  t.is(api.status, 200);
  t.is(api.headers.get('x-request-id'), 'req-1');
  t.like(await responseTo('/mcp'), { status: 200, completed: true });
  const apiResponse = await responseTo('/api/counted');
  t.like(apiResponse, { status: 200, completed: true });
  t.true(apiResponse.duration_ms >= 0);
  // Order: gate (-1) before metrics (10); the principal is unknown before authentication, known after.
  t.deepEqual(
    seen.filter((s) => s.path === '/api/counted').map((s) => `${s.hook}:${s.phase}`),
    ['gate:request', 'metrics:request', 'metrics:response'],
  );
  t.is(seen.find((s) => s.hook === 'gate' && s.path === '/mcp')?.principal, undefined);
  t.like(seen.find((s) => s.phase === 'response' && s.path === '/mcp')?.principal, { id: 'anonymous' });
});

test('a hook refuses a request with a typed error: status and JSON body, the route never runs, onResponse still does', async (t) => {
  const { url, seen, handled, responseTo } = await boot(t);
  const refused = await fetch(`${url}/api/counted`, { headers: { 'x-refuse': '1' } });
  t.is(refused.status, 403);
  t.deepEqual(await refused.json(), { error: 'AccessDeniedError', message: 'refused by the gate hook', status_code: 403 });
  t.is(handled.count, 0);
  t.like(await responseTo('/api/counted'), { status: 403, completed: true });
  t.false(
    seen.some((s) => s.hook === 'metrics' && s.phase === 'request'),
    'later hooks do not run',
  );
  t.is(seen.find((s) => s.phase === 'response')?.principal, undefined);
  const mcp = await fetch(`${url}/mcp`, { method: 'POST', headers: { 'x-refuse': '1' }, body: '{}' });
  t.is(mcp.status, 403);
});

test('hooks see 404s and WebSocket upgrades, but not the probes', async (t) => {
  const { url, seen, responseTo } = await boot(t);
  t.is((await fetch(`${url}/health`)).status, 200);
  t.is((await fetch(`${url}/ready`)).status, 200);
  t.is((await fetch(`${url}/api/nowhere`)).status, 404);
  t.like(await responseTo('/api/nowhere'), { status: 404 });
  t.is(await upgradeStatus(`${url}/api/ws/events`), 101);
  t.like(await responseTo('/api/ws/events'), { status: 101, completed: true });
  t.is(await upgradeStatus(`${url}/api/ws/events`, { 'x-refuse': '1' }), 403);
  t.like(await responseTo('/api/ws/events', 1), { status: 403 });
  t.false(seen.some((s) => s.path === '/health' || s.path === '/ready'));
});
