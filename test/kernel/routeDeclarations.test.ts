// Every route declares its permission where it is mounted; undeclared routes are refused with auth on.
import path from 'node:path';
import Router from '@koa/router';
import test from 'ava';
import { definePlugin, httpRoutesExtensionPoint, permission, type HangarState, type MountedRoute } from '@hangar/core';
import { startHangar } from '../helpers/hangar.js';
import { keyAuthPlugin, TEST_KEY } from './accessPlugins.js';

const HELLO_PLUGIN = path.resolve(import.meta.dirname, '..', '..', 'examples', 'plugins', 'hello-plugin');

/** One declared and one undeclared route under /api. */
const mixedRoutesPlugin = definePlugin({
  id: 'mixed-routes',
  coreRange: '*',
  register(env) {
    const router = new Router<HangarState>();
    router.get('/declared', permission('mixed:read'), (ctx) => (ctx.body = { declared: true }));
    router.get('/undeclared', (ctx) => (ctx.body = { declared: false }));
    env.provide(httpRoutesExtensionPoint, { name: 'mixed', router });
    env.init({ run: () => undefined });
  },
});

const byPath = (routes: readonly MountedRoute[], method: string, routePath: string) =>
  routes.find((route) => route.path === routePath && route.methods.includes(method));

test('every route of the built-in plugins, the dashboard and hello-plugin declares its access', async (t) => {
  const { hangar } = await startHangar(t, {
    pluginEntries: [{ id: 'dashboard' }, { id: 'hello-plugin', module: HELLO_PLUGIN }],
    extraPlugins: [{ definition: keyAuthPlugin }],
  });
  const routes = hangar.routes();
  const undeclared = routes.filter((route) => route.access.kind === 'undeclared');
  t.deepEqual(
    undeclared.map((route) => `${route.methods.join(',')} ${route.path} (${route.pluginId})`),
    [],
    'routes without a declared permission',
  );
  // Spot checks of what the listing says, including computed resources.
  t.like(byPath(routes, 'DELETE', '/api/mcp_servers/:id'), {
    pluginId: 'core-mcp',
    access: { kind: 'permission', action: 'mcp_servers:write', resource: 'mcp_server:{id}' },
  });
  t.like(byPath(routes, 'POST', '/mcp'), { access: { kind: 'permission', action: 'mcp:connect', resource: 'global' } });
  t.like(byPath(routes, 'POST', '/api/operations/:id/cancel'), { access: { action: 'operations:cancel' } });
  t.like(byPath(routes, 'GET', '/api/ws/events'), { pluginId: 'core-event-stream', access: { action: 'events:read' } });
  t.like(byPath(routes, 'GET', '/api/ws/operations'), { access: { action: 'operations:read' } });
  t.like(byPath(routes, 'GET', '/'), { pluginId: 'dashboard', access: { kind: 'public' } });
  t.like(byPath(routes, 'GET', '/dashboard/:name'), { access: { kind: 'public' } });
  t.like(byPath(routes, 'GET', '/api/dashboard/position'), { access: { action: 'events:read' } });
  t.like(byPath(routes, 'GET', '/api/hello'), { pluginId: 'hello-plugin', access: { action: 'hello:read' } });
  t.like(byPath(routes, 'GET', '/health'), { access: { kind: 'public' } });
});

test('with auth on, declared routes need the key, public ones do not', async (t) => {
  const { url } = await startHangar(t, {
    pluginEntries: [{ id: 'dashboard' }],
    extraPlugins: [{ definition: keyAuthPlugin }],
  });
  t.is((await fetch(`${url}/api/system`)).status, 401);
  t.is((await fetch(`${url}/api/system`, { headers: { 'X-API-Key': TEST_KEY } })).status, 200);
  t.is((await fetch(`${url}/`)).status, 200);
  t.is((await fetch(`${url}/dashboard/app.js`)).status, 200);
  // Public only for the declared method: a POST to the page is a 405 after authentication (here 401).
  t.is((await fetch(`${url}/dashboard/app.js`, { method: 'POST' })).status, 401);
});

test('an undeclared route answers 403 with auth on, and boot warns about it', async (t) => {
  const { url, records } = await startHangar(t, {
    extraPlugins: [{ definition: mixedRoutesPlugin }, { definition: keyAuthPlugin }],
  });
  const headers = { 'X-API-Key': TEST_KEY };
  const refused = await fetch(`${url}/api/undeclared`, { headers });
  t.is(refused.status, 403);
  t.deepEqual(await refused.json(), {
    error: 'AccessDeniedError',
    message: 'GET /api/undeclared declares no permission; such routes are refused while authentication is on',
    status_code: 403,
  });
  t.is((await fetch(`${url}/api/declared`, { headers })).status, 200);
  const warnings = records.filter((r) => r.level === 40 && String(r.msg).includes('declare no permission'));
  t.is(warnings.length, 1);
  t.deepEqual(warnings[0]?.routes, ['HEAD,GET /api/undeclared (mixed-routes)']);
});

test('an undeclared route answers 200 with auth off', async (t) => {
  const { url, hangar } = await startHangar(t, { extraPlugins: [{ definition: mixedRoutesPlugin }] });
  const response = await fetch(`${url}/api/undeclared`);
  t.is(response.status, 200);
  t.deepEqual(await response.json(), { declared: false });
  t.like(byPath(hangar.routes(), 'GET', '/api/undeclared'), { pluginId: 'mixed-routes', access: { kind: 'undeclared' } });
});
