// Two routes with the same method and path fail the boot, naming both plugins.
import Router from '@koa/router';
import test from 'ava';
import { definePlugin, Hangar, httpRoutesExtensionPoint, permission, type HttpRoutes } from '@hangar/core';
import { captureLogger, tempDir } from '../helpers/hangar.js';

type RouteSpec = { method: 'get' | 'post'; path: string; mount?: HttpRoutes['mount'] };

/** A plugin contributing one router per spec list, each route declared. */
function routesPlugin(id: string, ...routers: RouteSpec[][]) {
  return definePlugin({
    id,
    coreRange: '*',
    register(env) {
      routers.forEach((specs, index) => {
        const router = new Router();
        for (const { method, path } of specs) router[method](path, permission('test:read'), (ctx) => (ctx.body = { id }));
        env.provide(httpRoutesExtensionPoint, { name: `${id}-${index}`, router, mount: specs[0]?.mount });
      });
      env.init({ run: () => undefined });
    },
  });
}

async function bootError(t: Parameters<typeof tempDir>[0], ...plugins: ReturnType<typeof routesPlugin>[]) {
  const error = await t.throwsAsync(
    Hangar.start({
      logger: captureLogger().logger,
      dataDir: await tempDir(t),
      http: { host: '127.0.0.1', port: 0 },
      extraPlugins: plugins.map((definition) => ({ definition })),
    }),
  );
  return error as Error & { code?: string };
}

test('two plugins declaring the same method and path fail the boot naming both', async (t) => {
  const error = await bootError(
    t,
    routesPlugin('first', [{ method: 'get', path: '/same' }]),
    routesPlugin('second', [{ method: 'get', path: '/same' }]),
  );
  t.is(error.code, 'HANGAR_ERR_EXTENSION_CONFLICT');
  t.is(error.message, "HTTP route GET /api/same is declared by both 'first' (first-0) and 'second' (second-0)");
});

test('two routers of one plugin clash too, and parameter names do not hide a clash', async (t) => {
  const error = await bootError(
    t,
    routesPlugin('twice', [{ method: 'post', path: '/things/:id' }], [{ method: 'post', path: '/things/:name' }]),
  );
  t.is(error.code, 'HANGAR_ERR_EXTENSION_CONFLICT');
  t.regex(error.message, /POST \/api\/things\/:name is declared by both 'twice' \(twice-0\) and 'twice' \(twice-1\)/);
});

test('the same path under different mounts or methods is no clash', async (t) => {
  const { logger } = captureLogger();
  const hangar = await Hangar.start({
    logger,
    dataDir: await tempDir(t),
    http: { host: '127.0.0.1', port: 0 },
    extraPlugins: [
      { definition: routesPlugin('api', [{ method: 'get', path: '/same' }]) },
      { definition: routesPlugin('root', [{ method: 'get', path: '/same', mount: 'root' }]) },
      { definition: routesPlugin('poster', [{ method: 'post', path: '/same' }]) },
    ],
  });
  t.teardown(() => hangar.stop());
  t.deepEqual(await (await fetch(`${hangar.url}/api/same`)).json(), { id: 'api' });
  t.deepEqual(await (await fetch(`${hangar.url}/same`)).json(), { id: 'root' });
  t.deepEqual(await (await fetch(`${hangar.url}/api/same`, { method: 'POST' })).json(), { id: 'poster' });
});

test('a route on a probe path fails the boot', async (t) => {
  const error = await bootError(t, routesPlugin('prober', [{ method: 'get', path: '/health', mount: 'root' }]));
  t.is(error.code, 'HANGAR_ERR_EXTENSION_CONFLICT');
  t.regex(error.message, /\/health of 'prober'/);
});

test('a route clashing with a built-in route names the built-in plugin', async (t) => {
  const error = await bootError(t, routesPlugin('copycat', [{ method: 'get', path: '/system' }]));
  t.is(error.message, "HTTP route GET /api/system is declared by both 'core-mcp' (core-system) and 'copycat' (copycat-0)");
});
