import test, { type ExecutionContext } from 'ava';
import {
  Hangar,
  type HangarOptions,
  configRef,
  configSection,
  configSectionsExtensionPoint,
  definePlugin,
  httpRoutesExtensionPoint,
  serviceRef,
  loggerRef,
} from '@hangar/core';
import Router from '@koa/router';
import { z } from 'zod';
import { eventually } from '../mcp/helpers.js';
import { captureLogger, fixturePlugin, freePort, startHangar, tempDir, writeIn } from '../helpers/hangar.js';

async function bootWith(t: ExecutionContext, plugins: unknown[], extra: Partial<HangarOptions> = {}) {
  const dir = await tempDir(t);
  const pluginsFile = await writeIn(dir, 'hangar.plugins.json', { plugins });
  const { logger } = captureLogger();
  return Hangar.start({ logger, pluginsFile, dataDir: dir, http: { host: '127.0.0.1', port: 0 }, ...extra });
}

async function bootError(t: ExecutionContext, plugins: unknown[], extra = {}): Promise<{ code: string; message: string }> {
  const error = await t.throwsAsync(bootWith(t, plugins, extra));
  return error as unknown as { code: string; message: string };
}

test('{"plugins": []} boots the kernel alone and serves /health and /ready', async (t) => {
  const hangar = await bootWith(t, []);
  t.teardown(() => hangar.stop());
  const health = await fetch(`${hangar.url}/health`);
  t.is(health.status, 200);
  const ready = await fetch(`${hangar.url}/ready`);
  t.is(ready.status, 200);
  t.deepEqual(await ready.json(), { status: 'ready' });
});

test('a plugin listed by module path contributes a route and an event sink', async (t) => {
  const hangar = await bootWith(t, [{ id: 'greeter', module: fixturePlugin('greeter'), options: { greeting: 'ahoy' } }]);
  t.teardown(() => hangar.stop());
  const published = await fetch(`${hangar.url}/api/greeter/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"to":"crew"}',
  });
  t.is(published.status, 202);
  // The event reaches the sink once it is stored.
  const body = await eventually(async () => {
    const seen = (await (await fetch(`${hangar.url}/api/greeter`)).json()) as { greeting: string; events_seen: number };
    return seen.events_seen === 1 ? seen : undefined;
  }, 'the greeter sink to see the event');
  t.is(body.greeting, 'ahoy');
});

test('an option key the plugin does not declare is warned about by name', async (t) => {
  const { records } = await startHangar(t, {
    pluginEntries: [{ id: 'greeter', module: fixturePlugin('greeter'), options: { greting: 'typo' } }],
  });
  t.true(records.some((r) => r.level === 40 && r.msg === "plugin 'greeter': unknown option 'options.greting' is ignored"));
});

test('a plugin owns a config section: validated by its schema, read back typed', async (t) => {
  const section = { key: 'greetings', schema: z.strictObject({ language: z.enum(['en', 'fr']).default('en') }) };
  let seen: { language: string } | undefined;
  const owner = definePlugin({
    id: 'section-owner',
    coreRange: '*',
    register(env) {
      env.provide(configSectionsExtensionPoint, section);
      env.init({ deps: { config: configRef }, run: ({ config }) => void (seen = configSection(config, section)) });
    },
  });
  const dir = await tempDir(t);
  const good = await writeIn(dir, 'good.yaml', 'greetings:\n  language: fr\n');
  await startHangar(t, { configFile: good, extraPlugins: [{ definition: owner }] });
  t.deepEqual(seen, { language: 'fr' });
  await startHangar(t, { extraPlugins: [{ definition: owner }] });
  t.deepEqual(seen, { language: 'en' }, 'an absent section gets its defaults');

  const bad = await writeIn(dir, 'bad.yaml', 'greetings:\n  language: de\n');
  const { logger } = captureLogger();
  const error = await t.throwsAsync(
    Hangar.start({ logger, dataDir: dir, configFile: bad, extraPlugins: [{ definition: owner }] }),
  );
  t.is((error as unknown as { code: string }).code, 'HANGAR_ERR_CONFIG');
  t.regex(error.message, /bad\.yaml: greetings\.language: /);
});

test('a disabled plugin is not loaded', async (t) => {
  const hangar = await bootWith(t, [{ id: 'greeter', module: fixturePlugin('greeter'), enabled: false }]);
  t.teardown(() => hangar.stop());
  t.is((await fetch(`${hangar.url}/api/greeter`)).status, 404);
});

test('HANGAR_ERR_PLUGIN_NOT_FOUND: a module that does not exist', async (t) => {
  const error = await bootError(t, [{ id: 'ghost', module: './does-not-exist.mjs' }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_NOT_FOUND');
  t.regex(error.message, /plugin 'ghost': module '.\/does-not-exist.mjs' not found/);
});

test('HANGAR_ERR_PLUGIN_NOT_FOUND: a built-in id with no such plugin', async (t) => {
  const error = await bootError(t, [{ id: 'no-such-builtin' }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_NOT_FOUND');
  t.regex(error.message, /plugin 'no-such-builtin': no built-in plugin/);
});

test('HANGAR_ERR_PLUGIN_NOT_FOUND: an npm package that is not installed', async (t) => {
  const error = await bootError(t, [{ id: 'acme', module: 'acme-hangar-discovery' }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_NOT_FOUND');
  t.regex(error.message, /package 'acme-hangar-discovery' is not installed/);
});

test('HANGAR_ERR_PLUGIN_NOT_FOUND: a module whose default export is not a plugin', async (t) => {
  const error = await bootError(t, [{ id: 'not-a-plugin', module: fixturePlugin('not-a-plugin') }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_NOT_FOUND');
  t.regex(error.message, /no default export made with definePlugin/);
});

test('HANGAR_ERR_PLUGIN_NOT_FOUND: a module declaring another id', async (t) => {
  const error = await bootError(t, [{ id: 'greeting', module: fixturePlugin('greeter') }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_NOT_FOUND');
  t.regex(error.message, /declares id 'greeter'/);
});

test('HANGAR_ERR_PLUGIN_BAD_OPTIONS names the plugin and the field', async (t) => {
  const error = await bootError(t, [{ id: 'needs-options', module: fixturePlugin('needs-options'), options: { paths: 'x' } }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_BAD_OPTIONS');
  t.regex(error.message, /plugin 'needs-options': bad options: options\.paths: /);
});

test('HANGAR_ERR_PLUGIN_BAD_OPTIONS for a malformed plugins file entry', async (t) => {
  const error = await bootError(t, [{ id: 'Bad_Id' }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_BAD_OPTIONS');
  t.regex(error.message, /hangar\.plugins\.json: plugins\.0\.id: must be kebab-case/);
});

test('HANGAR_ERR_PLUGIN_VERSION_MISMATCH names the range and the core version', async (t) => {
  const error = await bootError(t, [{ id: 'future-core', module: fixturePlugin('future-core') }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_VERSION_MISMATCH');
  t.regex(error.message, /'future-core' needs @hangar\/core \^99\.0\.0, but this is \d+\.\d+\.\d+/);
});

test('HANGAR_ERR_PLUGIN_DUPLICATE: the same id listed twice', async (t) => {
  const error = await bootError(t, [
    { id: 'greeter', module: fixturePlugin('greeter') },
    { id: 'greeter', module: fixturePlugin('greeter') },
  ]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_DUPLICATE');
  t.regex(error.message, /'greeter' is listed twice/);
});

test('HANGAR_ERR_PLUGIN_DUPLICATE: an id of a kernel built-in', async (t) => {
  const error = await bootError(t, [{ id: 'core-transports', module: fixturePlugin('greeter') }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_DUPLICATE');
});

test('HANGAR_ERR_PLUGIN_CYCLE', async (t) => {
  const error = await bootError(t, [
    { id: 'cycle-a', module: fixturePlugin('cycle-a') },
    { id: 'cycle-b', module: fixturePlugin('cycle-b') },
  ]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_CYCLE');
  t.regex(error.message, /cycle-a -> cycle-b -> cycle-a/);
});

test('HANGAR_ERR_PLUGIN_DEPENDENCY_MISSING', async (t) => {
  const error = await bootError(t, [{ id: 'cycle-a', module: fixturePlugin('cycle-a') }]);
  t.is(error.code, 'HANGAR_ERR_PLUGIN_DEPENDENCY_MISSING');
  t.regex(error.message, /'cycle-a' needs 'cycle-b'/);
});

test('HANGAR_ERR_PLUGIN_INIT_FAILED carries the plugin id and the cause, and frees the port', async (t) => {
  const port = await freePort();
  const error = await bootError(t, [{ id: 'init-throws', module: fixturePlugin('init-throws') }], {
    http: { host: '127.0.0.1', port },
  });
  t.is(error.code, 'HANGAR_ERR_PLUGIN_INIT_FAILED');
  t.is(error.message, "plugin 'init-throws': init failed: database unreachable");
  // Nothing is left listening: the same port can be bound again at once.
  const again = await bootWith(t, [], { http: { host: '127.0.0.1', port } });
  t.teardown(() => again.stop());
  t.is((await fetch(`${again.url}/health`)).status, 200);
});

test('HANGAR_ERR_PLUGIN_TIMEOUT when an init never finishes', async (t) => {
  const { logger } = captureLogger();
  const error = await t.throwsAsync(
    Hangar.start({
      logger,
      dataDir: await tempDir(t),
      timeouts: { initMs: 200 },
      extraPlugins: [
        {
          definition: definePlugin({
            id: 'slow-init',
            coreRange: '*',
            register: (env) => env.init({ run: () => new Promise<void>(() => undefined) }),
          }),
        },
      ],
    }),
  );
  t.is((error as unknown as { code: string }).code, 'HANGAR_ERR_PLUGIN_TIMEOUT');
  t.regex(error.message, /plugin 'slow-init': init did not finish within 200 ms/);
});

test('a plugin whose stop hangs is cut off with HANGAR_ERR_PLUGIN_TIMEOUT and the others still stop', async (t) => {
  const stopped: string[] = [];
  const recorder = (id: string) =>
    definePlugin({
      id,
      coreRange: '*',
      register: (env) => env.init({ run: () => ({ stop: () => void stopped.push(id) }) }),
    });
  const { hangar, records } = await startHangar(t, {
    pluginEntries: [{ id: 'stop-hangs', module: fixturePlugin('stop-hangs') }],
    extraPlugins: [{ definition: recorder('first-recorder') }],
    timeouts: { stopMs: 200 },
  });
  const errors = await hangar.stop();
  t.deepEqual(
    errors.map((e) => e.code),
    ['HANGAR_ERR_PLUGIN_TIMEOUT'],
  );
  t.regex(errors[0]!.message, /plugin 'stop-hangs': stop did not finish within 200 ms/);
  t.deepEqual(stopped, ['first-recorder']);
  t.true(records.some((r) => r.code === 'HANGAR_ERR_PLUGIN_TIMEOUT'));
  await t.throwsAsync(fetch(`${hangar.url ?? 'http://127.0.0.1:1'}/health`));
});

test('inits run in dependency order and stops in reverse; deps are typed services', async (t) => {
  const calls: string[] = [];
  const counter = serviceRef<{ next(): number }>('test.counter');
  let n = 0;
  const provider = definePlugin({
    id: 'provider',
    coreRange: '*',
    register(env) {
      env.provide(counter, { next: () => ++n });
      env.init({ run: () => (calls.push('init provider'), { stop: () => void calls.push('stop provider') }) });
    },
  });
  const consumer = definePlugin({
    id: 'consumer',
    coreRange: '*',
    after: ['provider'],
    register(env) {
      const router = new Router();
      let c: { next(): number } | undefined;
      router.get('/count', (ctx) => (ctx.body = { n: c?.next() }));
      env.provide(httpRoutesExtensionPoint, { name: 'count', router });
      env.init({
        deps: { c: counter, logger: loggerRef },
        run: ({ c: resolved, logger }) => {
          c = resolved;
          logger.info('consumer ready');
          calls.push('init consumer');
          return { start: () => void calls.push('start consumer'), stop: () => void calls.push('stop consumer') };
        },
      });
    },
  });
  const { hangar, url, records } = await startHangar(t, { extraPlugins: [{ definition: consumer }, { definition: provider }] });
  t.deepEqual(await (await fetch(`${url}/api/count`)).json(), { n: 1 });
  t.true(records.some((r) => r.msg === 'consumer ready' && r.plugin === 'consumer'));
  await hangar.stop();
  t.deepEqual(calls, ['init provider', 'init consumer', 'start consumer', 'stop consumer', 'stop provider']);
});

test('a plugin initialises after the plugin that provides a service it needs, even without after', async (t) => {
  const calls: string[] = [];
  const clockwork = serviceRef<string>('test.clockwork');
  const user = definePlugin({
    id: 'user',
    coreRange: '*',
    register: (env) => env.init({ deps: { c: clockwork }, run: ({ c }) => void calls.push(`user got ${c}`) }),
  });
  const maker = definePlugin({
    id: 'maker',
    coreRange: '*',
    register(env) {
      env.provide(clockwork, 'tick');
      env.init({ run: () => void calls.push('maker init') });
    },
  });
  const { hangar } = await startHangar(t, { extraPlugins: [{ definition: user }, { definition: maker }] });
  await hangar.stop();
  t.deepEqual(calls, ['maker init', 'user got tick']);
});

test('a dependency on a service nobody provides fails the init naming it', async (t) => {
  const missing = serviceRef<string>('test.missing');
  const { logger } = captureLogger();
  const error = await t.throwsAsync(
    Hangar.start({
      logger,
      dataDir: await tempDir(t),
      extraPlugins: [
        {
          definition: definePlugin({
            id: 'needy',
            coreRange: '*',
            register: (env) => env.init({ deps: { m: missing }, run: () => undefined }),
          }),
        },
      ],
    }),
  );
  t.regex(error.message, /plugin 'needy': dependency 'm' needs service 'test.missing', which nothing provides/);
});

test('--log-level debug logs the plugin load tree with timings', async (t) => {
  const { records } = await startHangar(t, { pluginEntries: [{ id: 'greeter', module: fixturePlugin('greeter') }] });
  const tree = records.find((r) => typeof r.msg === 'string' && r.msg.startsWith('plugin load tree'));
  t.truthy(tree);
  t.regex(String(tree?.msg), /├─ core-transports .*register [\d.]+ ms, init [\d.]+ ms, start [\d.]+ ms/);
  t.regex(String(tree?.msg), /├─ greeter /);
});
