import test from 'ava';
import { Hangar } from '@hangar/core';
import { apiClient } from '../helpers/api.js';
import { captureLogger, tempDir, writeIn } from '../helpers/hangar.js';
import { ECHO_SERVER, echoServerYaml } from '../mcp/helpers.js';

/** Boots Hangar on `dataDir` with `configFile`; the caller stops it (restart tests stop it mid-test). */
async function boot(dataDir: string, configFile: string) {
  const { logger, records } = captureLogger();
  const hangar = await Hangar.start({ logger, dataDir, configFile, http: { host: '127.0.0.1', port: 0 } });
  return { hangar, url: hangar.url!, records };
}

/** The fields these tests read from the answers. */
interface Body {
  mcp_servers: { mcp_server: string }[];
  state: string;
  config: { description?: string; idle_ttl_s: number; env: Record<string, string> };
  total: number;
  result: unknown;
  tools: unknown[];
  events: Frame[];
  next_position: number;
  diff: string;
  has_changes: boolean;
}

async function api(url: string, method: string, path: string, body?: unknown) {
  return apiClient(url).call<Body>(method, path, body);
}

interface Frame {
  event_type: string;
  mcp_server_id?: string;
  global_position: number;
  config: { env: Record<string, string> };
  _version?: number;
}

const restServer = {
  mcp_server_id: 'made-over-rest',
  mode: 'subprocess',
  command: [process.execPath, ECHO_SERVER],
  description: 'created over REST',
  env: { ECHO_NAME: 'rest', SECRET_TOKEN: 's3cret' },
};

test('servers created, changed and deleted over REST are rebuilt from the event history at the next boot', async (t) => {
  const dataDir = await tempDir(t);
  const config = await writeIn(
    await tempDir(t),
    'hangar.yaml',
    `mcp_servers:\n${echoServerYaml('from-file')}\n${echoServerYaml('file-deleted')}\n${echoServerYaml('untouched')}\n`,
  );

  const first = await boot(dataDir, config);
  t.teardown(() => first.hangar.stop().then(() => undefined));
  t.is((await api(first.url, 'POST', '/mcp_servers', restServer)).status, 201);
  t.is((await api(first.url, 'POST', '/mcp_servers', { ...restServer, mcp_server_id: 'gone' })).status, 201);
  t.is((await api(first.url, 'DELETE', '/mcp_servers/gone')).status, 200);
  t.is((await api(first.url, 'PUT', '/mcp_servers/made-over-rest', { idle_ttl_s: 120 })).status, 200);
  t.is((await api(first.url, 'PUT', '/mcp_servers/from-file', { description: 'changed over REST' })).status, 200);
  t.is((await api(first.url, 'DELETE', '/mcp_servers/file-deleted')).status, 200);
  const call = await api(first.url, 'POST', '/mcp_servers/made-over-rest/tools/echo/invoke', { arguments: { text: 'hi' } });
  t.is(call.status, 200);
  const historyBefore = (await api(first.url, 'GET', '/mcp_servers/made-over-rest/tools/history')).body;
  t.is(historyBefore.total, 1);
  await first.hangar.stop();

  const second = await boot(dataDir, config);
  t.teardown(() => second.hangar.stop().then(() => undefined));
  const ids = (await api(second.url, 'GET', '/mcp_servers')).body.mcp_servers.map((s) => s.mcp_server);
  t.deepEqual(ids.sort(), ['from-file', 'made-over-rest', 'untouched']);

  const rest = (await api(second.url, 'GET', '/mcp_servers/made-over-rest')).body;
  t.like(rest, { state: 'cold' });
  t.like(rest.config, { description: 'created over REST', idle_ttl_s: 120, env: { ECHO_NAME: '***', SECRET_TOKEN: '***' } });
  // The history survived, and the server still works with its restored env.
  t.deepEqual((await api(second.url, 'GET', '/mcp_servers/made-over-rest/tools/history')).body, historyBefore);
  const whoami = await api(second.url, 'POST', '/mcp_servers/made-over-rest/tools/whoami/invoke', {});
  t.regex(JSON.stringify(whoami.body.result), /rest/);

  // The REST change to a config-file server is kept as an override; the file's other servers are as written.
  t.is((await api(second.url, 'GET', '/mcp_servers/from-file')).body.config.description, 'changed over REST');
  t.is((await api(second.url, 'GET', '/mcp_servers/untouched')).body.config.description, undefined);
  t.true(second.records.some((r) => /file-deleted' stays deleted/.test(String(r.msg))));

  // The config diff shows what the history changed against the file: the override, the deletion
  // and the REST-created server.
  const diff = (await api(second.url, 'GET', '/config/diff')).body;
  t.true(diff.has_changes);
  t.regex(diff.diff, /^\+.*changed over REST/m);
  t.regex(diff.diff, /^-\s+file-deleted:/m);
  t.regex(diff.diff, /^\+\s+made-over-rest:/m);
  t.false(diff.diff.includes('s3cret'));
});

test('a restarted Hangar lists the tools a server had at its last start, without starting it', async (t) => {
  const dataDir = await tempDir(t);
  // No predefined tools: before this change a cold server listed none until it had started once.
  const config = await writeIn(
    await tempDir(t),
    'hangar.yaml',
    `mcp_servers:\n${echoServerYaml('echo', { predefined: false })}\n`,
  );
  const first = await boot(dataDir, config);
  t.teardown(() => first.hangar.stop().then(() => undefined));
  // Its tools are unknown in this first run, so the listing starts it (list_start_timeout_s).
  t.is((await api(first.url, 'GET', '/mcp_servers/echo/health')).body.state, 'cold');
  const tools = (await api(first.url, 'GET', '/mcp_servers/echo/tools')).body.tools;
  t.true(tools.length > 5);
  await first.hangar.stop();

  const second = await boot(dataDir, config);
  t.teardown(() => second.hangar.stop().then(() => undefined));
  t.deepEqual((await api(second.url, 'GET', '/mcp_servers/echo/tools')).body.tools, tools);
  t.is((await api(second.url, 'GET', '/mcp_servers/echo')).body.state, 'cold');
  // Calls find the remembered tool and start the server as usual.
  const call = await api(second.url, 'POST', '/mcp_servers/echo/tools/echo/invoke', { arguments: { text: 'again' } });
  t.is(call.status, 200);
});

test('GET /api/events pages through the stored history; frames are flat and secrets are masked', async (t) => {
  const dataDir = await tempDir(t);
  const config = await writeIn(await tempDir(t), 'hangar.yaml', 'mcp_servers: {}\n');
  const { hangar, url } = await boot(dataDir, config);
  t.teardown(() => hangar.stop().then(() => undefined));
  await api(url, 'POST', '/mcp_servers', restServer);
  await api(url, 'POST', '/mcp_servers/made-over-rest/tools/echo/invoke', { arguments: { text: 'x' } });

  const all = (await api(url, 'GET', '/events?limit=1000')).body;
  const events = all.events;
  const types = events.map((e) => e.event_type);
  t.true(types.includes('McpServerRegistered') && types.includes('ToolInvocationCompleted'));
  const positions = events.map((e) => e.global_position);
  t.deepEqual(
    positions,
    positions.map((_, i) => positions[0]! + i),
  );
  t.is(all.next_position, positions.at(-1)! + 1);

  const registered = events.find((e) => e.event_type === 'McpServerRegistered')!;
  t.like(registered, { mcp_server_id: 'made-over-rest', origin: 'api', mode: 'subprocess' });
  t.deepEqual(registered.config.env, { ECHO_NAME: '***', SECRET_TOKEN: '***' });
  t.false(JSON.stringify(all).includes('s3cret'));
  t.is(registered._version, undefined);
  for (const key of ['event_id', 'event_type', 'timestamp', 'global_position']) t.true(key in registered, key);

  const page = (await api(url, 'GET', `/events?from_position=${positions[1]}&limit=2`)).body;
  t.deepEqual(
    page.events.map((e) => e.global_position),
    positions.slice(1, 3),
  );
  t.is(page.next_position, positions[2]! + 1);
  const filtered = (await api(url, 'GET', '/events?event_type=ToolInvocationCompleted&mcp_server_id=made-over-rest')).body;
  t.is(filtered.events.length, 1);
  t.like(filtered.events[0], { tool: 'echo', mcp_server_id: 'made-over-rest' });
  const empty = (await api(url, 'GET', '/events?from_position=999999')).body;
  t.deepEqual(empty, { events: [], next_position: 999999 });
  t.is((await api(url, 'GET', '/events?limit=0')).status, 422);
  t.is((await api(url, 'GET', '/events?from_position=abc')).status, 422);
  t.is((await api(url, 'GET', '/events?from_position=-1')).status, 422);
  // Seed 001's default offset, 0, reads from the start like 1 does.
  const fromZero = (await api(url, 'GET', '/events?from_position=0&limit=3')).body;
  const fromOne = (await api(url, 'GET', '/events?from_position=1&limit=3')).body;
  t.deepEqual(fromZero.events, fromOne.events);
  t.is(fromZero.events[0]?.global_position, 1);
});

test('a config reload makes the file authoritative again: REST overrides before it do not come back at the next boot', async (t) => {
  const dataDir = await tempDir(t);
  const config = await writeIn(await tempDir(t), 'hangar.yaml', `mcp_servers:\n${echoServerYaml('from-file')}\n`);
  const first = await boot(dataDir, config);
  t.teardown(() => first.hangar.stop().then(() => undefined));
  await api(first.url, 'PUT', '/mcp_servers/from-file', { description: 'changed over REST' });
  await api(first.url, 'DELETE', '/mcp_servers/from-file');
  t.is((await api(first.url, 'POST', '/config/reload', {})).status, 200);
  t.is((await api(first.url, 'GET', '/mcp_servers/from-file')).body.config.description, undefined);
  await first.hangar.stop();

  const second = await boot(dataDir, config);
  t.teardown(() => second.hangar.stop().then(() => undefined));
  t.is((await api(second.url, 'GET', '/mcp_servers/from-file')).body.config.description, undefined);
  t.false((await api(second.url, 'GET', '/config/diff')).body.has_changes);
});

test('a server deleted and created again does not inherit the old one’s last-known tools', async (t) => {
  const dataDir = await tempDir(t);
  const config = await writeIn(await tempDir(t), 'hangar.yaml', 'mcp_servers: {}\n');
  const first = await boot(dataDir, config);
  t.teardown(() => first.hangar.stop().then(() => undefined));
  await api(first.url, 'POST', '/mcp_servers', restServer);
  await api(first.url, 'POST', '/mcp_servers/made-over-rest/start');
  await api(first.url, 'DELETE', '/mcp_servers/made-over-rest');
  await api(first.url, 'POST', '/mcp_servers', restServer);
  await first.hangar.stop();

  const second = await boot(dataDir, config);
  t.teardown(() => second.hangar.stop().then(() => undefined));
  // No last-known list: its tools are unknown, so listing them starts it (a remembered list would leave it cold).
  t.is((await api(second.url, 'GET', '/mcp_servers/made-over-rest/health')).body.state, 'cold');
  t.true((await api(second.url, 'GET', '/mcp_servers/made-over-rest/tools')).body.tools.length > 0);
  t.is((await api(second.url, 'GET', '/mcp_servers/made-over-rest/health')).body.state, 'ready');
});

test('a REST update that moves a config-file server to another mode drops the old mode fields, and survives a restart', async (t) => {
  const dataDir = await tempDir(t);
  const config = await writeIn(await tempDir(t), 'hangar.yaml', `mcp_servers:\n${echoServerYaml('moving')}\n`);
  const first = await boot(dataDir, config);
  t.teardown(() => first.hangar.stop().then(() => undefined));
  const moved = await api(first.url, 'PUT', '/mcp_servers/moving', { mode: 'remote', endpoint: 'http://127.0.0.1:9/mcp' });
  t.is(moved.status, 200, moved.text);
  const detail = (url: string) => apiClient(url).get<{ mode: string; config: Record<string, unknown> }>('/mcp_servers/moving');
  const before = (await detail(first.url)).body;
  t.is(before.mode, 'remote');
  t.false('command' in before.config, 'the subprocess fields went with the old mode');
  t.true('tools' in before.config, 'the common fields stay');
  await first.hangar.stop();

  const second = await boot(dataDir, config);
  t.teardown(() => second.hangar.stop().then(() => undefined));
  t.deepEqual((await detail(second.url)).body.config, before.config);
});
