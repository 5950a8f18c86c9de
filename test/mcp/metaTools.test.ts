import test from 'ava';
import { mcpServersRef } from '@hangar/core';
import { connectClient, echoServerYaml, jsonOf, startEchoHangar, textOf } from './helpers.js';

test('registry_list answers JSON with the seed 001 list fields and never starts a server', async (t) => {
  const { hangar, url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const listed = jsonOf<{ mcp_servers: Record<string, unknown>[] }>(
    await client.callTool({ name: 'registry_list', arguments: {} }),
  );
  t.like(listed.mcp_servers[0], {
    mcp_server: 'echo',
    state: 'cold',
    mode: 'subprocess',
    alive: false,
    tools_count: 1,
    tools_predefined: true,
    tools: ['echo'],
  });
  t.is(hangar.container.resolve(mcpServersRef).get('echo').state, 'cold');
  const ready = jsonOf<{ mcp_servers: unknown[] }>(
    await client.callTool({ name: 'registry_list', arguments: { state_filter: 'ready' } }),
  );
  t.deepEqual(ready.mcp_servers, []);
});

test('registry_start, registry_tools, registry_health, registry_status and registry_stop', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const started = jsonOf(await client.callTool({ name: 'registry_start', arguments: { mcp_server: 'echo' } }));
  t.like(started, { mcp_server_id: 'echo', state: 'ready', started: true });

  const tools = jsonOf<{ tools: { name: string }[]; tools_predefined: boolean }>(
    await client.callTool({ name: 'registry_tools', arguments: { mcp_server: 'echo' } }),
  );
  t.false(tools.tools_predefined);
  t.true(tools.tools.some((tool) => tool.name === 'progress_burst'));

  const health = jsonOf(await client.callTool({ name: 'registry_health', arguments: { mcp_server: 'echo' } }));
  t.like(health, { mcp_server: 'echo', state: 'ready' });
  t.true('consecutive_failures' in health);

  const status = jsonOf<{ summary: Record<string, unknown> }>(await client.callTool({ name: 'registry_status', arguments: {} }));
  t.like(status.summary, { total_mcp_servers: 1, mcp_servers_by_state: { ready: 1 } });

  const stopped = jsonOf(await client.callTool({ name: 'registry_stop', arguments: { mcp_server: 'echo', reason: 'test' } }));
  t.like(stopped, { mcp_server_id: 'echo', state: 'cold', stopped: true, reason: 'test' });
});

test('`provider` is accepted as an alias of `mcp_server`, and `providers` of `mcp_servers`', async (t) => {
  const config = `mcp_servers:\n${echoServerYaml('echo')}\n${echoServerYaml('echo2')}\n`;
  const { url } = await startEchoHangar(t, config);
  const client = await connectClient(t, url);
  const tools = jsonOf(await client.callTool({ name: 'registry_tools', arguments: { provider: 'echo' } }));
  t.is(tools.mcp_server, 'echo');
  const warmed = jsonOf<{ warmed: number; results: { mcp_server: string; ok: boolean }[] }>(
    await client.callTool({ name: 'registry_warm', arguments: { providers: ['echo', 'echo2', 'ghost'] } }),
  );
  t.is(warmed.warmed, 2);
  t.like(
    warmed.results.find((result) => result.mcp_server === 'ghost'),
    { ok: false, error: 'McpServerNotFoundError' },
  );
});

test('registry_invoke passes the upstream result on with the invocation facts in _meta', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const result = await client.callTool({
    name: 'registry_invoke',
    arguments: { mcp_server: 'echo', tool: 'echo', arguments: { text: 'via meta' } },
  });
  t.is(textOf(result), 'via meta');
  t.like(result._meta?.['hangar/invocation'], { mcp_server: 'echo', tool: 'echo', attempts: 1 });

  const ex = await client.callTool({
    name: 'registry_invoke_ex',
    arguments: { provider: 'echo', tool: 'echo', arguments: { text: 'ex' }, correlation_id: 'corr-1', metadata: { a: 1 } },
  });
  t.is(textOf(ex), 'ex');
  t.like(ex._meta?.['hangar/invocation'], { correlation_id: 'corr-1', metadata: { a: 1 } });
});

test('meta tool errors are isError results carrying the error name and message', async (t) => {
  const { url } = await startEchoHangar(t);
  const client = await connectClient(t, url);
  const missing = await client.callTool({ name: 'registry_start', arguments: { mcp_server: 'ghost' } });
  t.true(missing.isError);
  t.like(JSON.parse(textOf(missing)), { error: 'McpServerNotFoundError', status_code: 404 });

  const invalid = await client.callTool({ name: 'registry_start', arguments: {} });
  t.true(invalid.isError);
  const body = JSON.parse(textOf(invalid)) as { error: string; message: string };
  t.is(body.error, 'ValidationError');
  t.regex(body.message, /mcp_server/);

  const badArgs = await client.callTool({
    name: 'registry_invoke',
    arguments: { mcp_server: 'echo', tool: 'echo', arguments: { text: 1 } },
  });
  t.like(JSON.parse(textOf(badArgs)), { error: 'ValidationError' });
});

test('registry_discover and registry_sources report the configured sources honestly, scanning nothing', async (t) => {
  const config = [
    'mcp_servers: {}',
    'discovery:',
    '  sources:',
    '    - { type: filesystem, mode: additive, config: { paths: ["./x/*.yaml"] } }',
    '',
  ].join('\n');
  const { url } = await startEchoHangar(t, config);
  const client = await connectClient(t, url);
  const discovered = jsonOf<Record<string, unknown>>(await client.callTool({ name: 'registry_discover', arguments: {} }));
  t.like(discovered, {
    scan_triggered: false,
    mcp_servers_found: 0,
    sources: [{ type: 'filesystem', mode: 'additive', enabled: true, factory_available: false }],
  });
  t.regex(String(discovered.note), /nothing was scanned/);
  const sources = jsonOf(await client.callTool({ name: 'registry_sources', arguments: {} }));
  t.deepEqual(sources.available_types, []);
});
