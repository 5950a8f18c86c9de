import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { echoServerYaml } from '../mcp/helpers.js';
import { captureLogger, writeIn } from '../helpers/hangar.js';
import type { Answer } from '../helpers/api.js';
import { bootWithConfig } from './configHelpers.js';

interface ReloadAnswer {
  status: string;
  result: {
    config_path: string;
    graceful: boolean;
    added: string[];
    removed: string[];
    updated: string[];
    unchanged: string[];
    restarted: string[];
    failed: { mcp_server_id: string; error: string }[];
    restart_required: string[];
  };
}
interface ErrorBody {
  error: string;
  message: string;
  status_code: number;
}
interface Detail {
  pid?: number;
  alive: boolean;
  origin: string;
  description: string | null;
}

/** A config of echo servers; `extra` lines are appended under the last one. */
function servers(ids: string[], extra: Record<string, string[]> = {}): string {
  return [
    'mcp_servers:',
    ...ids.map((id) => [echoServerYaml(id), ...(extra[id] ?? []).map((l) => `    ${l}`)].join('\n')),
    '',
  ].join('\n');
}

type Api = Awaited<ReturnType<typeof bootWithConfig>>['api'];

async function ids(api: Api): Promise<string[]> {
  const { body } = await api.get<{ mcp_servers: { mcp_server: string }[] }>('/mcp_servers');
  return body.mcp_servers.map((s) => s.mcp_server).sort();
}

async function startedPid(api: Api, id: string): Promise<number> {
  const started = await api.post(`/mcp_servers/${id}/start`);
  if (started.status !== 200) throw new Error(`start ${id}: ${started.text}`);
  return (await detail(api, id)).pid!;
}

async function detail(api: Api, id: string): Promise<Detail> {
  return (await api.get<Detail>(`/mcp_servers/${id}`)).body;
}

test('a reload adds, removes and updates servers, and the reloaded file is clean against memory', async (t) => {
  const { api, configFile } = await bootWithConfig(t, servers(['a', 'b', 'c']));
  await writeFile(configFile, servers(['a', 'b', 'd'], { b: ['description: B changed'] }));
  const { status, body } = await api.post<ReloadAnswer>('/config/reload');
  t.is(status, 200);
  t.is(body.status, 'reloaded');
  t.like(body.result, {
    config_path: configFile,
    graceful: true,
    added: ['d'],
    removed: ['c'],
    updated: ['b'],
    unchanged: ['a'],
    restarted: [],
    failed: [],
    restart_required: [],
  });
  t.deepEqual(await ids(api), ['a', 'b', 'd']);
  t.is((await detail(api, 'b')).description, 'B changed');
  t.deepEqual((await api.get('/config/diff')).body, { diff: '', has_changes: false });
});

test('a graceful reload keeps an unchanged running server and restarts a changed running one', async (t) => {
  const { api, configFile } = await bootWithConfig(t, servers(['steady', 'changing']));
  const steadyPid = await startedPid(api, 'steady');
  const changingPid = await startedPid(api, 'changing');
  await writeFile(configFile, servers(['steady', 'changing'], { changing: ['env: { ECHO_NAME: renamed }'] }));

  const { body } = await api.post<ReloadAnswer>('/config/reload', { graceful: true });
  t.deepEqual(body.result.unchanged, ['steady']);
  t.deepEqual(body.result.updated, ['changing']);
  t.deepEqual(body.result.restarted, ['changing']);
  const steady = await detail(api, 'steady');
  const changing = await detail(api, 'changing');
  t.is(steady.pid, steadyPid, 'same process');
  t.true(changing.alive);
  t.not(changing.pid, undefined);
  t.not(changing.pid, changingPid, 'a new process with the new env');
});

test('a non-graceful reload restarts every running config server, changed or not', async (t) => {
  const { api } = await bootWithConfig(t, servers(['one', 'two', 'cold']));
  const before = { one: await startedPid(api, 'one'), two: await startedPid(api, 'two') };
  const { body } = await api.post<ReloadAnswer>('/config/reload', { graceful: false });
  t.like(body.result, { graceful: false, unchanged: ['cold', 'one', 'two'], updated: [], restarted: ['one', 'two'] });
  for (const id of ['one', 'two'] as const) {
    const after = await detail(api, id);
    t.true(after.alive, id);
    t.not(after.pid, before[id], id);
  }
  t.false((await detail(api, 'cold')).alive, 'a server that was not running is not started');
});

test('an invalid or missing file answers 422 naming it and the key, and nothing changes', async (t) => {
  const { api, dir } = await bootWithConfig(t, servers(['a']));
  t.is((await api.post('/mcp_servers', { mcp_server_id: 'rest', mode: 'remote', endpoint: 'http://127.0.0.1:9/x' })).status, 201);
  const pid = await startedPid(api, 'a');
  const configBefore = (await api.get('/config')).text;
  const diffBefore = (await api.get('/config/diff')).text;

  const invalid = await writeIn(dir, 'invalid.yaml', servers(['a', 'b'], { b: ['idle_ttl_s: 0'] }));
  const refused = await api.post<ErrorBody>('/config/reload', { config_path: invalid });
  t.is(refused.status, 422);
  t.is(refused.body.error, 'ValidationError');
  t.true(refused.body.message.includes(invalid), refused.body.message);
  t.true(refused.body.message.includes('mcp_servers.b.idle_ttl_s'), refused.body.message);

  const missing = await api.post<ErrorBody>('/config/reload', { config_path: path.join(dir, 'nope.yaml') });
  t.is(missing.status, 422);
  t.true(missing.body.message.includes('nope.yaml'), missing.body.message);

  const notYaml = await writeIn(dir, 'broken.yaml', 'mcp_servers: [unclosed\n');
  t.is((await api.post('/config/reload', { config_path: notYaml })).status, 422);

  t.deepEqual(await ids(api), ['a', 'rest']);
  t.is((await detail(api, 'a')).pid, pid);
  t.is((await api.get('/config')).text, configBefore);
  t.is((await api.get('/config/diff')).text, diffBefore, 'the on-disk file is still the one Hangar booted from');
});

test('reload bodies are checked field by field', async (t) => {
  const { api } = await bootWithConfig(t, servers(['a']));
  const cases: [unknown, string][] = [
    [{ graceful: 'yes' }, 'graceful'],
    [{ config_path: 5 }, 'config_path'],
    [{ config_path: '' }, 'config_path'],
    [{ gracefull: false }, 'gracefull'],
  ];
  for (const [body, field] of cases) {
    const answer: Answer<ErrorBody> = await api.post<ErrorBody>('/config/reload', body);
    t.is(answer.status, 422, JSON.stringify(body));
    t.true(answer.body.message.startsWith(`${field}:`), answer.body.message);
  }
  t.is((await api.post('/config/reload', [])).status, 422);
});

test('config_path is relative to the working directory, and the loaded file is what later diffs compare with', async (t) => {
  const { api, dir } = await bootWithConfig(t, servers(['a']));
  const other = await writeIn(dir, 'other.yaml', servers(['a', 'b']));
  const { status, body } = await api.post<ReloadAnswer>('/config/reload', { config_path: path.relative(process.cwd(), other) });
  t.is(status, 200, JSON.stringify(body));
  t.is(body.result.config_path, other);
  t.deepEqual(body.result.added, ['b']);
  t.deepEqual((await api.get('/config/diff')).body, { diff: '', has_changes: false });

  await writeFile(other, servers(['a']));
  const diff = await api.get<{ diff: string; has_changes: boolean }>('/config/diff');
  t.true(diff.body.has_changes);
  t.true(diff.body.diff.includes('+  b:'), diff.body.diff);
  // A path-less reload now reads the new file.
  t.deepEqual((await api.post<ReloadAnswer>('/config/reload')).body.result.removed, ['b']);
});

test('a file server takes over the id of a server created over REST, with a warning', async (t) => {
  const { logger, records } = captureLogger();
  const { api, configFile } = await bootWithConfig(t, servers(['a']), { logger });
  t.is((await api.post('/mcp_servers', { mcp_server_id: 'b', mode: 'remote', endpoint: 'http://127.0.0.1:9/x' })).status, 201);
  t.is((await detail(api, 'b')).origin, 'api');
  await writeFile(configFile, servers(['a', 'b']));
  const { body } = await api.post<ReloadAnswer>('/config/reload');
  t.deepEqual(body.result.added, ['b']);
  const b = await detail(api, 'b');
  t.is(b.origin, 'config');
  t.truthy(records.find((r) => r.level === 40 && String(r.msg).includes("declares 'b'")));

  // REST-created servers are not the file's: a reload leaves them alone.
  t.is((await api.post('/mcp_servers', { mcp_server_id: 'c', mode: 'remote', endpoint: 'http://127.0.0.1:9/x' })).status, 201);
  t.deepEqual((await api.post<ReloadAnswer>('/config/reload')).body.result.removed, []);
  t.deepEqual(await ids(api), ['a', 'b', 'c']);
});

test('sections that cannot change live are reported as restart_required and shown as the new values', async (t) => {
  const { api, configFile } = await bootWithConfig(t, servers(['a']));
  await writeFile(configFile, `${servers(['a'])}tool_naming: flat\nevent_stream: { queue_size: 16 }\n`);
  const first = await api.post<ReloadAnswer>('/config/reload');
  t.deepEqual(first.body.result.restart_required, ['event_stream', 'tool_naming']);
  const { body } = await api.get<{ config: { tool_naming: string; event_stream: { queue_size: number } } }>('/config');
  t.is(body.config.tool_naming, 'flat');
  t.is(body.config.event_stream.queue_size, 16);
  // Still required on the next reload: the running Hangar uses the values it booted with.
  t.deepEqual((await api.post<ReloadAnswer>('/config/reload')).body.result.restart_required, ['event_stream', 'tool_naming']);
  await writeFile(configFile, servers(['a']));
  t.deepEqual((await api.post<ReloadAnswer>('/config/reload')).body.result.restart_required, []);
});

test('concurrent reloads run one after the other', async (t) => {
  const { api, dir } = await bootWithConfig(t, servers(['a']));
  const first = await writeIn(dir, 'first.yaml', servers(['a', 'b']));
  const second = await writeIn(dir, 'second.yaml', servers(['a', 'b', 'c']));
  const [one, two] = await Promise.all([
    api.post<ReloadAnswer>('/config/reload', { config_path: first }),
    api.post<ReloadAnswer>('/config/reload', { config_path: second }),
  ]);
  t.is(one.status, 200);
  t.is(two.status, 200);
  t.deepEqual(one.body.result.added, ['b']);
  t.deepEqual(two.body.result.added, ['c'], 'the second saw the first one applied');
  t.deepEqual(two.body.result.unchanged, ['a', 'b']);
  t.deepEqual(await ids(api), ['a', 'b', 'c']);
});

test('a reload is recorded as a ConfigurationReloaded event', async (t) => {
  const { api, configFile } = await bootWithConfig(t, servers(['a', 'b']));
  await writeFile(configFile, servers(['a', 'c']));
  t.is((await api.post('/config/reload', { graceful: false })).status, 200);
  const { body } = await api.get<{ events: Record<string, unknown>[] }>('/events?event_type=ConfigurationReloaded');
  t.is(body.events.length, 1);
  t.like(body.events[0], {
    event_type: 'ConfigurationReloaded',
    config_path: configFile,
    graceful: false,
    added: ['c'],
    removed: ['b'],
    updated: [],
    unchanged: ['a'],
    restart_required: [],
  });
  t.is(typeof body.events[0]!.global_position, 'number');
});

test('a changed server that cannot start again is reported in failed, and the rest of the reload applies', async (t) => {
  const { api, configFile } = await bootWithConfig(t, servers(['broken', 'fine']));
  await startedPid(api, 'broken');
  const lines = servers(['broken', 'fine']).split('\n');
  const broken = lines.findIndex((line) => line.startsWith('    command:'));
  lines[broken] = `    command: [${JSON.stringify(path.join(configFile, 'no-such-binary'))}]`;
  await writeFile(configFile, `${lines.join('\n')}${servers(['added']).replace('mcp_servers:\n', '')}`);
  const { status, body } = await api.post<ReloadAnswer>('/config/reload');
  t.is(status, 200);
  t.deepEqual(body.result.updated, ['broken']);
  t.deepEqual(body.result.added, ['added']);
  t.deepEqual(
    body.result.failed.map((f) => f.mcp_server_id),
    ['broken'],
  );
  t.false((await detail(api, 'broken')).alive);
  t.deepEqual(await ids(api), ['added', 'broken', 'fine']);
});
