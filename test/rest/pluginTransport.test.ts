import { writeFile } from 'node:fs/promises';
import test, { type ExecutionContext } from 'ava';
import { Hangar } from '@hangar/core';
import { connectEvents } from '../events/wsHelpers.js';
import { captureLogger, tempDir, writeIn } from '../helpers/hangar.js';
import { ECHO_SERVER } from '../mcp/helpers.js';
import { bootWithConfig } from './configHelpers.js';
import { sandboxPlugin } from './sandboxTransport.js';

// A transport contributed by a plugin (`sandbox`, test/rest/sandboxTransport.ts) is configured,
// validated, restarted and redacted by its own declarations, with no change to the kernel.

const sandbox = [{ definition: sandboxPlugin }];

/** A `sandbox` server entry for `mcp_servers` (YAML), with `secrets` and `label` as given. */
function sandboxYaml(id: string, secrets: Record<string, string>, label = 'first', mode = 'sandbox'): string {
  return [
    `  ${id}:`,
    `    mode: ${mode}`,
    `    script: ${JSON.stringify(ECHO_SERVER)}`,
    `    secrets: ${JSON.stringify(secrets)}`,
    `    label: ${label}`,
  ].join('\n');
}

interface Detail {
  mode: string;
  alive: boolean;
  pid?: number;
  config: Record<string, unknown> & { secrets: Record<string, string> };
}
interface Failure {
  error: string;
  message: string;
}

async function bootError(t: ExecutionContext, config: string, withPlugin: boolean): Promise<Error> {
  const { logger } = captureLogger();
  const configFile = await writeIn(await tempDir(t), 'hangar.yaml', config);
  const boot = Hangar.start({ logger, configFile, dataDir: await tempDir(t), extraPlugins: withPlugin ? sandbox : [] });
  return t.throwsAsync(boot);
}

test('without the plugin its mode fails the boot naming the key and the modes available', async (t) => {
  const error = await bootError(t, `mcp_servers:\n${sandboxYaml('box', {})}\n`, false);
  t.is((error as { code?: string }).code, 'HANGAR_ERR_CONFIG');
  t.regex(error.message, /hangar\.yaml: mcp_servers\.box\.mode: unknown mode 'sandbox'; available: subprocess, remote \(/);
});

test('with the plugin its fields are validated by its schema, errors naming the key', async (t) => {
  const error = await bootError(t, `mcp_servers:\n  box:\n    mode: sandbox\n    script: ''\n`, true);
  t.regex(error.message, /hangar\.yaml: mcp_servers\.box\.script: /);
  const foreign = await bootError(t, `mcp_servers:\n${sandboxYaml('box', {})}\n    command: [node]\n`, true);
  t.regex(foreign.message, /mcp_servers\.box\.command: is a field of mode subprocess, not of mode 'sandbox'/);

  const { api } = await bootWithConfig(t, 'mcp_servers: {}\n', { extraPlugins: sandbox });
  const bad = await api.post<Failure>('/mcp_servers', { mcp_server_id: 'b', mode: 'sandbox', script: 42 });
  t.is(bad.status, 422);
  t.regex(bad.body.message, /^script: /);
  const created = await api.post('/mcp_servers', { mcp_server_id: 'b', mode: 'jail', script: ECHO_SERVER });
  t.is(created.status, 201, created.text);
  t.like((await api.get<Detail>('/mcp_servers/b')).body, { mode: 'sandbox', config: { label: '', secrets: {} } });
});

test('its secret fields are masked in GET /api/mcp_servers/{id}, GET /api/config and /api/ws/events frames', async (t) => {
  const secrets = { ECHO_NAME: 'boxed-name', BOX_TOKEN: 'tok-box-1' };
  const { api, url } = await bootWithConfig(t, `mcp_servers:\n${sandboxYaml('box', secrets)}\n`, { extraPlugins: sandbox });
  const detail = await api.get<Detail>('/mcp_servers/box');
  t.deepEqual(detail.body.config.secrets, { ECHO_NAME: '***', BOX_TOKEN: '***' });
  t.like(detail.body.config, { script: ECHO_SERVER, label: 'first' }, 'fields it does not call secret stay visible');
  const config = await api.get<{ config: { mcp_servers: { box: Detail['config'] } } }>('/config');
  t.deepEqual(config.body.config.mcp_servers.box.secrets, { ECHO_NAME: '***', BOX_TOKEN: '***' });
  for (const text of [detail.text, config.text]) t.false(text.includes('tok-box-1'));

  const client = await connectEvents(t, url);
  const created = await api.post('/mcp_servers', {
    mcp_server_id: 'box2',
    mode: 'sandbox',
    script: ECHO_SERVER,
    secrets: { BOX_TOKEN: 'tok-box-2' },
  });
  t.is(created.status, 201);
  t.is((await api.put('/mcp_servers/box2', { secrets: { BOX_TOKEN: 'tok-box-3' } })).status, 200);
  await client.waitFor((frames) => frames.some((f) => f.event_type === 'McpServerUpdated'), 'McpServerUpdated');
  const frames = client.events().filter((f) => f.mcp_server_id === 'box2');
  t.like(
    frames.find((f) => f.event_type === 'McpServerRegistered'),
    { config: { secrets: { BOX_TOKEN: '***' }, label: '' } },
  );
  t.like(
    frames.find((f) => f.event_type === 'McpServerUpdated'),
    { patch: { secrets: { BOX_TOKEN: '***' } } },
  );
  t.false(JSON.stringify(client.frames).includes('tok-box'));
});

test('a change to a restart field restarts a running server; other changes apply live, on update and on reload', async (t) => {
  const { api, configFile } = await bootWithConfig(t, `mcp_servers:\n${sandboxYaml('box', { ECHO_NAME: 'a' })}\n`, {
    extraPlugins: sandbox,
  });
  const pidOf = async () => (await api.get<Detail>('/mcp_servers/box')).body;
  t.is((await api.post('/mcp_servers/box/start')).status, 200);
  const first = (await pidOf()).pid;
  t.not(first, undefined);

  t.is((await api.put('/mcp_servers/box', { label: 'renamed' })).status, 200);
  t.like(await pidOf(), { alive: true, pid: first });
  t.is((await api.put('/mcp_servers/box', { secrets: { ECHO_NAME: 'b' } })).status, 200);
  t.false((await pidOf()).alive, 'a new environment needs a new process');

  t.is((await api.post('/mcp_servers/box/start')).status, 200);
  const second = (await pidOf()).pid;
  await writeFile(configFile, `mcp_servers:\n${sandboxYaml('box', { ECHO_NAME: 'b' }, 'from-file')}\n`);
  const live = await api.post<{ result: { updated: string[]; restarted: string[] } }>('/config/reload');
  t.like(live.body.result, { updated: ['box'], restarted: [] });
  t.like(await pidOf(), { alive: true, pid: second, config: { label: 'from-file' } });
  await writeFile(configFile, `mcp_servers:\n${sandboxYaml('box', { ECHO_NAME: 'c' }, 'from-file')}\n`);
  const restarted = await api.post<{ result: { updated: string[]; restarted: string[] } }>('/config/reload');
  t.like(restarted.body.result, { updated: ['box'], restarted: ['box'] });
  const third = await pidOf();
  t.true(third.alive);
  t.not(third.pid, second);
});
