import { existsSync } from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { createEvent, definePlugin, eventBusRef, Hangar, type EventBus, type HangarOptions } from '@hangar/core';
import { CLI, runHttpCli } from '../../../../test/helpers/cli.js';
import { captureLogger, tempDir, writeIn } from '../../../../test/helpers/hangar.js';

const PLUGIN_DIR = path.resolve(import.meta.dirname, '..');

/** Writes a hangar.plugins.json listing this plugin by path, with `options`, into a temp dir. */
async function pluginsFileWith(t: ExecutionContext, options: unknown): Promise<{ dir: string; pluginsFile: string }> {
  const dir = await tempDir(t, 'hello-plugin-');
  const pluginsFile = await writeIn(dir, 'hangar.plugins.json', {
    plugins: [{ id: 'hello-plugin', module: PLUGIN_DIR, options }],
  });
  return { dir, pluginsFile };
}

/** Boots Hangar in-process on a free port with this plugin loaded from a plugins file; stopped at test end. */
async function bootHello(t: ExecutionContext, options: unknown, extra: Partial<HangarOptions> = {}) {
  const { dir, pluginsFile } = await pluginsFileWith(t, options);
  const { logger, records } = captureLogger();
  const hangar = await Hangar.start({ logger, pluginsFile, dataDir: dir, http: { host: '127.0.0.1', port: 0 }, ...extra });
  t.teardown(() => hangar.stop().then(() => undefined));
  return { hangar, url: hangar.url!, records };
}

interface HelloBody {
  greeting: string;
  events_seen: number;
  events_by_type: Record<string, number>;
}

async function hello(url: string, query = ''): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/api/hello${query}`);
  return { status: response.status, body: await response.json() };
}

test('GET /api/hello greets with the configured greeting and the name parameter', async (t) => {
  const { url } = await bootHello(t, { greeting: 'Ahoy' });
  const plain = await hello(url);
  t.is(plain.status, 200);
  t.like(plain.body, { greeting: 'Ahoy, world' });
  t.is(typeof (plain.body as HelloBody).events_seen, 'number');
  t.like((await hello(url, '?name=crew')).body, { greeting: 'Ahoy, crew' });
  const longest = 'x'.repeat(64);
  t.like((await hello(url, `?name=${longest}`)).body, { greeting: `Ahoy, ${longest}` });
});

test('without options the greeting defaults to Hello', async (t) => {
  const { url } = await bootHello(t, undefined);
  t.like((await hello(url)).body, { greeting: 'Hello, world' });
});

test('an over-long, empty or repeated name answers 422 ValidationError naming the field', async (t) => {
  const { url } = await bootHello(t, { greeting: 'Ahoy' });
  for (const query of [`?name=${'x'.repeat(65)}`, '?name=', '?name=a&name=b']) {
    const { status, body } = await hello(url, query);
    t.is(status, 422, query);
    t.deepEqual(body, {
      error: 'ValidationError',
      message: "Field 'name' must be a single string of 1 to 64 characters",
      status_code: 422,
    });
  }
});

test('the event sink counts events published on the event bus by event_type', async (t) => {
  let bus: EventBus | undefined;
  const publisher = definePlugin({
    id: 'publisher',
    coreRange: '*',
    register: (env) => env.init({ deps: { bus: eventBusRef }, run: (deps) => void (bus = deps.bus) }),
  });
  const { url } = await bootHello(t, { greeting: 'Ahoy' }, { extraPlugins: [{ definition: publisher }] });
  const before = ((await hello(url)).body as HelloBody).events_seen;
  bus?.publish(createEvent('HelloWaved', { to: 'crew' }));
  bus?.publish(createEvent('HelloWaved', { to: 'captain' }));
  bus?.publish(createEvent('HelloAnswered', {}));
  // Events reach sinks once stored; `settled()` waits for that.
  await bus?.settled();
  const body = (await hello(url)).body as HelloBody;
  t.is(body.events_seen, before + 3);
  t.is(body.events_by_type.HelloWaved, 2);
  t.is(body.events_by_type.HelloAnswered, 1);
});

test('init gets typed services: the plugin logs one line when Hangar has started', async (t) => {
  const { records } = await bootHello(t, { greeting: 'Ahoy' });
  const started = records.filter((r) => r.msg === 'hello-plugin started');
  t.is(started.length, 1);
  t.like(started[0], { plugin: 'hello-plugin', greeting: 'Ahoy' });
});

test('bad options fail the boot with HANGAR_ERR_PLUGIN_BAD_OPTIONS naming options.greeting', async (t) => {
  const error = await t.throwsAsync(bootHello(t, { greeting: 5 }));
  t.is((error as unknown as { code: string }).code, 'HANGAR_ERR_PLUGIN_BAD_OPTIONS');
  t.regex(error.message, /plugin 'hello-plugin': bad options: options\.greeting/);
});

test('the built plugin loads through the compiled CLI, which exits 0 on SIGTERM', async (t) => {
  for (const built of [CLI, path.join(PLUGIN_DIR, 'dist', 'index.js')]) {
    t.true(existsSync(built), `${built} is missing: run npm run build first`);
  }
  const { dir, pluginsFile } = await pluginsFileWith(t, { greeting: 'Ahoy' });
  const run = await runHttpCli(t, ['--plugins', pluginsFile, '--data-dir', path.join(dir, 'data')]);
  const base = run.url;

  const response = await fetch(`${base}/api/hello?name=cli`);
  t.is(response.status, 200);
  t.like(await response.json(), { greeting: 'Ahoy, cli' });

  run.child.kill('SIGTERM');
  t.is(await run.exited, 0, run.stderr);
  t.regex(run.stderr, /hello-plugin started/);
});
