import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { loadConfig, type PluginDefinition } from '@hangar/core';
import { configManagerRef } from '@hangar/core';
import { normaliseConfig } from '../../core/src/config/configYaml.js';
import { echoServerYaml } from '../mcp/helpers.js';
import { tempDir } from '../helpers/hangar.js';
import { bootWithConfig, vaultSectionPlugin } from './configHelpers.js';

const vault = [{ definition: vaultSectionPlugin as PluginDefinition<unknown> }];

const SECRETS_YAML = [
  'mcp_servers:',
  echoServerYaml('echo', { env: { ECHO_SECRET: 'hunter2' } }),
  '    description: Echo fixture',
  '  search:',
  '    mode: remote',
  '    endpoint: http://alice:s3cret-pw@127.0.0.1:9/mcp',
  '    headers: { Authorization: Bearer abc-123 }',
  'vault:',
  '  url: https://bob:vault-pw@vault.example/',
  '  api_token: tok-456',
  '  accounts: [ { user: carol, password: pw-789 } ]',
  '',
].join('\n');

interface ConfigBody {
  config: {
    mcp_servers: Record<string, Record<string, unknown> & { env: Record<string, string>; headers: Record<string, string> }>;
    vault: { url: string; api_token: string; accounts: { user: string; password: string }[] };
    tool_naming: string;
  };
}

test('GET /api/config masks env values, header values, URL passwords and secret-named keys of plugin sections', async (t) => {
  const { api } = await bootWithConfig(t, SECRETS_YAML, { extraPlugins: vault });
  const { status, body, text } = await api.get<ConfigBody>('/config');
  t.is(status, 200);
  for (const secret of ['hunter2', 'abc-123', 's3cret-pw', 'vault-pw', 'tok-456', 'pw-789'])
    t.false(text.includes(secret), secret);
  const { echo, search } = body.config.mcp_servers;
  t.deepEqual(echo!.env, { ECHO_SECRET: '***' });
  t.is(echo!.description, 'Echo fixture');
  t.is(echo!.mode, 'subprocess');
  t.deepEqual(search!.headers, { Authorization: '***' });
  t.is(search!.endpoint, 'http://alice:***@127.0.0.1:9/mcp');
  t.deepEqual(body.config.vault, {
    url: 'https://bob:***@vault.example/',
    api_token: '***',
    accounts: [{ user: 'carol', password: '***' }],
  });
  t.is(body.config.tool_naming, 'namespaced');
});

test('an exported config boots a new Hangar with the same servers and values', async (t) => {
  const config = [
    'mcp_servers:',
    echoServerYaml('echo', { env: { ECHO_SECRET: 'hunter2', LITERAL: '$${HOME}' } }),
    '    cwd: .',
    '    idle_ttl_s: 120',
    '    tool_access: { deny_list: ["log*"] }',
    'tool_naming: flat',
    'vault: { api_token: tok-456 }',
    '',
  ].join('\n');
  const first = await bootWithConfig(t, config, { extraPlugins: vault });
  const created = await first.api.post('/mcp_servers', {
    mcp_server_id: 'made-over-rest',
    mode: 'remote',
    endpoint: 'http://127.0.0.1:9/mcp',
    headers: { 'X-Key': 'k-1' },
  });
  t.is(created.status, 201);
  const createdCli = await first.api.post('/mcp_servers', {
    mcp_server_id: 'cli-over-rest',
    mode: 'subprocess',
    command: ['node'],
  });
  t.is(createdCli.status, 201);

  const exported = await first.api.post<{ yaml: string }>('/config/export');
  t.is(exported.status, 200);
  t.true(exported.body.yaml.includes('hunter2'), 'the export keeps secrets, so it can be booted from');
  // Booted from another folder than the first config's, so nothing depends on where the file is.
  const second = await bootWithConfig(t, exported.body.yaml, { extraPlugins: vault });

  const servers = await second.api.get<{ mcp_servers: { mcp_server: string }[] }>('/mcp_servers');
  t.deepEqual(servers.body.mcp_servers.map((s) => s.mcp_server).sort(), ['cli-over-rest', 'echo', 'made-over-rest']);
  const current = (hangar: typeof first.hangar) => normaliseConfig(hangar.container.resolve(configManagerRef).current());
  const expected = current(first.hangar);
  // Without a cwd the REST subprocess server ran in Hangar's working directory; the export pins it
  // there. A remote server has no cwd to pin.
  (expected.mcp_servers as Record<string, Record<string, unknown>>)['cli-over-rest']!.cwd = process.cwd();
  t.deepEqual(current(second.hangar), normaliseConfig(expected));
  const echo = (current(second.hangar).mcp_servers as Record<string, { env: Record<string, string>; cwd: string }>).echo!;
  t.is(echo.env.LITERAL, '${HOME}', 'a literal ${VAR} survives the round trip');
  t.is(echo.cwd, first.dir, "the server's cwd stays the first config's folder");
});

test('backups are valid YAML files in <data-dir>/backups and only the 10 newest are kept', async (t) => {
  const dataDir = await tempDir(t);
  const { api } = await bootWithConfig(t, `mcp_servers:\n${echoServerYaml('echo')}\n`, { dataDir });
  const paths: string[] = [];
  for (let i = 0; i < 12; i++) {
    const { status, body } = await api.post<{ backup_path: string; created: boolean }>('/config/backup');
    t.is(status, 200);
    t.true(body.created);
    t.is(path.dirname(body.backup_path), path.join(dataDir, 'backups'));
    paths.push(body.backup_path);
  }
  const files = (await readdir(path.join(dataDir, 'backups'))).sort();
  t.deepEqual(
    files,
    paths.slice(2).map((p) => path.basename(p)),
    'the ten newest, in creation order, and no temp file left',
  );
  for (const file of files) {
    const full = path.join(dataDir, 'backups', file);
    t.truthy(parse(await readFile(full, 'utf8')));
    t.is((await stat(full)).mode & 0o777, 0o600, 'a backup holds real credentials: owner-only');
    const loaded = await loadConfig({ file: full });
    t.deepEqual(Object.keys(loaded.mcp_servers), ['echo']);
  }
});

test('the diff is clean right after boot', async (t) => {
  const { api } = await bootWithConfig(t, SECRETS_YAML, { extraPlugins: vault });
  const { status, body } = await api.get('/config/diff');
  t.is(status, 200);
  t.deepEqual(body, { diff: '', has_changes: false });
});

test('the diff shows a server created over REST and a REST update of a config server, secrets masked', async (t) => {
  const { api } = await bootWithConfig(t, SECRETS_YAML, { extraPlugins: vault });
  t.is(
    (await api.post('/mcp_servers', { mcp_server_id: 'extra', mode: 'remote', endpoint: 'http://127.0.0.1:9/x' })).status,
    201,
  );
  t.is(
    (await api.put('/mcp_servers/echo', { description: 'Changed over REST', env: { ECHO_SECRET: 'new-secret' } })).status,
    200,
  );

  const { body } = await api.get<{ diff: string; has_changes: boolean }>('/config/diff');
  t.true(body.has_changes);
  const lines = body.diff.split('\n');
  t.is(lines[0], '--- on-disk');
  t.is(lines[1], '+++ in-memory');
  t.true(lines.includes('+  extra:'), body.diff);
  t.true(lines.includes('-    description: Echo fixture'), body.diff);
  t.true(lines.includes('+    description: Changed over REST'), body.diff);
  t.true(lines.includes('-      ECHO_SECRET: "***"'), body.diff);
  t.true(lines.includes('+      ECHO_SECRET: "*** (changed)"'), body.diff);
  for (const secret of ['hunter2', 'new-secret', 'abc-123', 's3cret-pw', 'tok-456']) t.false(body.diff.includes(secret), secret);
});

test('the diff reads the file again, so an edit on disk shows as a change', async (t) => {
  const { api, configFile } = await bootWithConfig(t, SECRETS_YAML, { extraPlugins: vault });
  await writeFile(configFile, SECRETS_YAML.replace('Echo fixture', 'Edited on disk').replace('tok-456', 'tok-000'));
  const { body } = await api.get<{ diff: string; has_changes: boolean }>('/config/diff');
  t.true(body.has_changes);
  t.true(body.diff.includes('-    description: Edited on disk\n+    description: Echo fixture'), body.diff);
  t.true(body.diff.includes('-  api_token: "***"\n+  api_token: "*** (changed)"'), body.diff);
});

test('a diff against a file that no longer validates answers 422 naming the key', async (t) => {
  const { api, configFile } = await bootWithConfig(t, `mcp_servers:\n${echoServerYaml('echo')}\n`);
  await writeFile(configFile, `mcp_servers:\n${echoServerYaml('echo')}\n    idle_ttl_s: 0\n`);
  const { status, body } = await api.get<{ error: string; message: string }>('/config/diff');
  t.is(status, 422);
  t.is(body.error, 'ValidationError');
  t.true(body.message.includes(configFile) && body.message.includes('mcp_servers.echo.idle_ttl_s'), body.message);
});
