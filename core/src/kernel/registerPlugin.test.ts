import test from 'ava';
import { z } from 'zod';
import { eventSinksExtensionPoint } from '../extensions/eventSinks.js';
import { transportsExtensionPoint, type TransportFactory } from '../extensions/transports.js';
import { definePlugin, type PluginEnv } from './definePlugin.js';
import { ExtensionRegistry } from './ExtensionRegistry.js';
import { serviceRef } from './refs.js';
import { registerPlugin } from './registerPlugin.js';
import { ServiceContainer } from './ServiceContainer.js';

const fakeTransport = (mode: string): TransportFactory => ({
  mode,
  configSchema: z.strictObject({}),
  restartFields: [],
  secretFields: [],
  open: () => Promise.reject(new Error('not used')),
});

test('contributions and services declared in register are recorded', (t) => {
  const extensions = new ExtensionRegistry();
  const container = ServiceContainer.create();
  const greeting = serviceRef<string>('test.greeting');
  const registration = registerPlugin(
    definePlugin({
      id: 'demo',
      coreRange: '*',
      register(env) {
        env.provide(transportsExtensionPoint, fakeTransport('carrier-pigeon'));
        env.provide(greeting, 'hi');
        env.init({ run: () => undefined });
      },
    }),
    {},
    extensions,
    container,
  );
  t.deepEqual(
    extensions.get(transportsExtensionPoint).map((c) => c.mode),
    ['carrier-pigeon'],
  );
  t.is(extensions.entries(transportsExtensionPoint)[0]?.pluginId, 'demo');
  t.is(container.resolve(greeting), 'hi');
  t.truthy(registration.init);
});

test('provide after the register phase throws', (t) => {
  let captured: PluginEnv<unknown> | undefined;
  registerPlugin(
    definePlugin({
      id: 'late',
      coreRange: '*',
      register(env) {
        captured = env;
        env.init({ run: () => undefined });
      },
    }),
    {},
    new ExtensionRegistry(),
    ServiceContainer.create(),
  );
  const error = t.throws(() => captured?.provide(eventSinksExtensionPoint, { name: 'x', handle: () => undefined }));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_PLUGIN_INIT_FAILED');
  t.regex(error.message, /'late' called env.provide\(\) after its register phase/);
  t.throws(() => captured?.init({ run: () => undefined }), { message: /env.init\(\) after/ });
});

test('a plugin that declares no init is refused', (t) => {
  const error = t.throws(() =>
    registerPlugin(
      definePlugin({ id: 'inert', coreRange: '*', register: () => undefined }),
      {},
      new ExtensionRegistry(),
      ServiceContainer.create(),
    ),
  );
  t.is((error as { code?: string }).code, 'HANGAR_ERR_PLUGIN_INIT_FAILED');
  t.regex(error.message, /'inert' declared no init/);
});

test('a second init is refused', (t) => {
  const error = t.throws(() =>
    registerPlugin(
      definePlugin({
        id: 'twice',
        coreRange: '*',
        register(env) {
          env.init({ run: () => undefined });
          env.init({ run: () => undefined });
        },
      }),
      {},
      new ExtensionRegistry(),
      ServiceContainer.create(),
    ),
  );
  t.regex(error.message, /'twice' declared more than one init/);
});

test('an async register is refused', (t) => {
  const error = t.throws(() =>
    registerPlugin(
      // register must be synchronous; this checks the run-time guard that catches plain-JS plugins.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      definePlugin({ id: 'async-reg', coreRange: '*', register: () => Promise.resolve() }),
      {},
      new ExtensionRegistry(),
      ServiceContainer.create(),
    ),
  );
  t.regex(error.message, /register must be synchronous/);
});

test('a keyed extension point refuses a second contribution with the same key', (t) => {
  const extensions = new ExtensionRegistry();
  extensions.add(transportsExtensionPoint, fakeTransport('docker'), 'first');
  const error = t.throws(() => extensions.add(transportsExtensionPoint, fakeTransport('docker'), 'second'));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_EXTENSION_CONFLICT');
  t.regex(error.message, /'docker' is contributed by both 'first' and 'second'/);
});

test('a service provided twice names both providers', (t) => {
  const container = ServiceContainer.create();
  const ref = serviceRef<number>('test.answer');
  container.register(ref, 42, 'one');
  const error = t.throws(() => container.register(ref, 43, 'two'));
  t.regex(error.message, /'test.answer' is provided by both 'one' and 'two'/);
});

test('definePlugin refuses an id that is not kebab-case', (t) => {
  t.throws(() => definePlugin({ id: 'NotKebab', coreRange: '*', register: () => undefined }), { message: /kebab-case/ });
});
