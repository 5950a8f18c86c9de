import test from 'ava';
import { eventBusRef, Hangar, mcpServersRef, type PublishedEvent } from '@hangar/core';
import { apiClient } from '../helpers/api.js';
import { captureLogger, tempDir } from '../helpers/hangar.js';
import { ECHO_SERVER, jsonOf } from '../mcp/helpers.js';
import { recordingSinkPlugin, sandboxPlugin } from '../rest/sandboxTransport.js';

// Event sinks are outside Hangar: they never see a secret. The event store is inside: a restart
// rebuilds the servers created over REST from it, with their real credentials.

const SECRETS = ['s3cret-env', 'rotated-env', 'tok-sandbox', 'Bearer hdr-123'];

async function boot(dataDir: string) {
  const sink = recordingSinkPlugin();
  const { logger } = captureLogger();
  const hangar = await Hangar.start({
    logger,
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    extraPlugins: [{ definition: sandboxPlugin }, { definition: sink.plugin }],
  });
  return { hangar, api: apiClient(hangar.url!), events: sink.events };
}

function envOf(result: unknown): Record<string, string> {
  return jsonOf<{ env: Record<string, string> }>(result).env;
}

test('sinks never see secret env values or headers of REST servers; a restart rebuilds them with the real values', async (t) => {
  const dataDir = await tempDir(t);
  const first = await boot(dataDir);
  t.teardown(() => first.hangar.stop().then(() => undefined));
  const created = [
    { mcp_server_id: 'cli', mode: 'subprocess', command: [process.execPath, ECHO_SERVER], env: { API_KEY: 's3cret-env' } },
    { mcp_server_id: 'web', mode: 'remote', endpoint: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer hdr-123' } },
    { mcp_server_id: 'box', mode: 'sandbox', script: ECHO_SERVER, secrets: { BOX_TOKEN: 'tok-sandbox' } },
  ];
  for (const server of created) t.is((await first.api.post('/mcp_servers', server)).status, 201);
  t.is((await first.api.put('/mcp_servers/cli', { env: { API_KEY: 'rotated-env' } })).status, 200);
  await first.hangar.container.resolve(eventBusRef).settled();

  const seen = (type: string, id: string): PublishedEvent | undefined =>
    first.events.find((event) => event.event_type === type && event.mcp_server_id === id);
  for (const { mcp_server_id: id } of created) t.truthy(seen('McpServerRegistered', id), `the sink saw ${id} registered`);
  t.like(seen('McpServerRegistered', 'cli')?.data, {
    config: { env: { API_KEY: '***' }, command: [process.execPath, ECHO_SERVER] },
  });
  t.like(seen('McpServerRegistered', 'web')?.data, { config: { headers: { Authorization: '***' } } });
  t.like(seen('McpServerRegistered', 'box')?.data, { config: { secrets: { BOX_TOKEN: '***' } } });
  t.like(seen('McpServerUpdated', 'cli')?.data, { patch: { env: { API_KEY: '***' } }, config: { env: { API_KEY: '***' } } });
  const everything = JSON.stringify(first.events);
  for (const secret of SECRETS) t.false(everything.includes(secret), secret);
  await first.hangar.stop();

  const second = await boot(dataDir);
  t.teardown(() => second.hangar.stop().then(() => undefined));
  const cli = await second.api.post<{ result: unknown }>('/mcp_servers/cli/tools/whoami/invoke', {});
  t.is(cli.status, 200, cli.text);
  t.is(envOf(cli.body.result).API_KEY, 'rotated-env', 'the rebuilt server runs with its real, latest env');
  const box = await second.api.post<{ result: unknown }>('/mcp_servers/box/tools/whoami/invoke', {});
  t.is(box.status, 200, box.text);
  t.is(envOf(box.body.result).BOX_TOKEN, 'tok-sandbox', "the plugin mode's secrets are rebuilt too");
  const web = second.hangar.container.resolve(mcpServersRef).get('web');
  t.deepEqual(web.config.headers, { Authorization: 'Bearer hdr-123' });
  for (const secret of SECRETS) t.false(JSON.stringify(second.events).includes(secret), `${secret} after the restart`);
});
