import test from 'ava';
import { z } from 'zod';
import {
  authenticatorsExtensionPoint,
  configRef,
  definePlugin,
  eventBusRef,
  eventSinksExtensionPoint,
  factory,
  principalRef,
  serviceRef,
  transportsExtensionPoint,
  type PublishedEvent,
} from '@hangar/core';
import { captureLogger, startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { Hangar } from '@hangar/core';

/** A service of the "provider" plugin, made by a factory from a kernel service. */
const counterRef = serviceRef<{ readonly queueSize: number; count: number; disposed: boolean }>('test.counter');

test('a service factory is made before its plugin init, from its deps, and disposed when the plugin stops', async (t) => {
  const seen: string[] = [];
  let made: { queueSize: number; count: number; disposed: boolean } | undefined;
  const provider = definePlugin({
    id: 'provider',
    coreRange: '*',
    register(env) {
      env.provide(
        counterRef,
        factory({
          deps: { config: configRef },
          create: ({ config }) => {
            seen.push('create');
            made = { queueSize: config.event_stream.queue_size, count: 0, disposed: false };
            return made;
          },
          dispose: (counter) => {
            seen.push('dispose');
            counter.disposed = true;
          },
        }),
      );
      env.init({
        deps: { counter: counterRef },
        run: ({ counter }) => {
          seen.push(`init saw queue ${counter.queueSize}`);
          return { stop: () => void seen.push('stop') };
        },
      });
    },
  });
  // Listed first, so only the dependency puts it after the provider.
  const user = definePlugin({
    id: 'user',
    coreRange: '*',
    register: (env) =>
      env.init({ deps: { counter: counterRef }, run: ({ counter }) => void seen.push(`user saw ${counter.count}`) }),
  });
  const { hangar } = await startHangar(t, { extraPlugins: [{ definition: user }, { definition: provider }] });
  t.deepEqual(seen, ['create', 'init saw queue 1024', 'user saw 0']);
  await hangar.stop();
  t.deepEqual(seen.slice(3), ['stop', 'dispose']);
  t.true(made?.disposed);
});

test('an event sink made by a factory receives events only once its plugin is initialised, boot events included', async (t) => {
  const received: PublishedEvent[] = [];
  let initDone = false;
  const sinkPlugin = definePlugin({
    id: 'late-sink',
    coreRange: '*',
    register(env) {
      env.provide(
        eventSinksExtensionPoint,
        factory({
          create: () => ({
            name: 'late-sink.recorder',
            handle: (event: PublishedEvent) => {
              if (!initDone) throw new Error('an event reached the sink before its plugin init');
              received.push(event);
            },
          }),
        }),
      );
      env.init({ run: () => void (initDone = true) });
    },
  });
  const dir = await tempDir(t);
  const configFile = await writeIn(
    dir,
    'hangar.config.yaml',
    'mcp_servers:\n  echo:\n    mode: subprocess\n    command: [node, test/fixtures/echo-server.mjs]\n',
  );
  const { hangar } = await startHangar(t, { configFile, extraPlugins: [{ definition: sinkPlugin }] });
  await hangar.container.resolve(eventBusRef).settled();
  // The config file's server is registered after every init, so the sink sees its registration.
  t.true(received.some((event) => event.event_type === 'McpServerRegistered' && event.mcp_server_id === 'echo'));
});

test('a plugin that reads an extension point initialises after every plugin contributing to it', async (t) => {
  const order: string[] = [];
  const reader = definePlugin({
    id: 'reader',
    coreRange: '*',
    register: (env) =>
      env.init({
        deps: { authenticators: authenticatorsExtensionPoint },
        run: ({ authenticators }) => void order.push(`reader saw ${authenticators.map((a) => a.name).join(',')}`),
      }),
  });
  const contributor = definePlugin({
    id: 'contributor',
    coreRange: '*',
    register(env) {
      env.provide(
        authenticatorsExtensionPoint,
        factory({ create: () => ({ name: 'contributor.open', authenticate: () => undefined }) }),
      );
      env.init({ run: () => void order.push('contributor init') });
    },
  });
  await startHangar(t, { extraPlugins: [{ definition: reader }, { definition: contributor }] });
  t.deepEqual(order, ['contributor init', 'reader saw contributor.open']);
});

test('a scoped service factory makes one instance per request scope, with that scope’s principal', async (t) => {
  const greetingRef = serviceRef<{ text: string }>('test.greeting');
  let made = 0;
  const plugin = definePlugin({
    id: 'scoped',
    coreRange: '*',
    register(env) {
      env.provide(
        greetingRef,
        factory({
          lifetime: 'scoped',
          deps: { principal: principalRef },
          create: ({ principal }) => {
            made++;
            return { text: `hello ${principal.id}` };
          },
        }),
      );
      env.init({ run: () => undefined });
    },
  });
  const { hangar } = await startHangar(t, { extraPlugins: [{ definition: plugin }] });
  const scope = hangar.container.createScope();
  scope.register(principalRef, { id: 'ada', type: 'user', roles: [] });
  t.is(scope.resolve(greetingRef).text, 'hello ada');
  t.is(scope.resolve(greetingRef), scope.resolve(greetingRef));
  const other = hangar.container.createScope();
  other.register(principalRef, { id: 'bob', type: 'user', roles: [] });
  t.is(other.resolve(greetingRef).text, 'hello bob');
  t.is(made, 2);
});

test('a factory contributed to a point read before any init (transports) fails the boot naming the plugin', async (t) => {
  const plugin = definePlugin({
    id: 'lazy-transport',
    coreRange: '*',
    register(env) {
      env.provide(
        transportsExtensionPoint,
        factory({
          create: () => ({
            mode: 'lazy',
            configSchema: z.object({}),
            restartFields: [],
            secretFields: [],
            open: () => Promise.reject(new Error('unused')),
          }),
        }),
      );
      env.init({ run: () => undefined });
    },
  });
  const { logger } = captureLogger();
  const error = await t.throwsAsync(Hangar.start({ logger, dataDir: await tempDir(t), extraPlugins: [{ definition: plugin }] }));
  t.regex(error?.message ?? '', /plugin 'lazy-transport': contributions to 'core.transports' must be values/);
});

test('auth.enabled: true with no authenticator loaded refuses to boot', async (t) => {
  const dir = await tempDir(t);
  const configFile = await writeIn(dir, 'hangar.config.yaml', 'auth:\n  enabled: true\n');
  const { logger } = captureLogger();
  const error = await t.throwsAsync(Hangar.start({ logger, configFile, dataDir: dir, http: { host: '127.0.0.1', port: 0 } }));
  t.is((error as unknown as { code: string }).code, 'HANGAR_ERR_CONFIG');
  t.regex(error?.message ?? '', /auth\.enabled is true but no plugin provides an authenticator/);
});
