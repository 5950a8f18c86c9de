import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  definePlugin,
  invocationInterceptorsExtensionPoint,
  INTERCEPTOR_ORDER,
  mcpServersRef,
  targetResolversExtensionPoint,
  type InvocationInterceptor,
  type InvocationTarget,
  type McpServerRegistry,
  type TargetResolver,
} from '@hangar/core';
import { apiClient } from '../../../../test/helpers/api.js';
import { startHangar, tempDir, writeIn } from '../../../../test/helpers/hangar.js';
import { connectClient, echoServerYaml, eventually, textOf } from '../../../../test/mcp/helpers.js';

const PLUGIN_DIR = path.resolve(import.meta.dirname, '..');

/** A two-server target: its tools are the first member's; `select` picks the first member not tried yet. */
function pairResolver(registry: () => McpServerRegistry): TargetResolver {
  const members = ['a', 'b'];
  const pair: InvocationTarget = {
    id: 'pair',
    kind: 'group',
    invokePermission: { action: 'group:invoke', resource: 'group:pair' },
    tools: () => registry().find('a')?.tools ?? [],
    select: (_tool, exclude) => {
      for (const id of members) {
        const server = registry().find(id);
        if (server !== undefined && !exclude.has(id)) return server;
      }
      return undefined;
    },
  };
  return { name: 'failover-test.pair', resolve: (name) => (name === 'pair' ? pair : undefined), list: () => [pair] };
}

/** Retries once on any failure: `next` again, with the failed server now in `ctx.exclude`. */
const retryOnce: InvocationInterceptor = {
  name: 'failover-test.retry',
  order: INTERCEPTOR_ORDER.circuitBreaker,
  intercept: async (ctx, next) => {
    try {
      return await next();
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return next();
    }
  },
};

const pairPlugin = definePlugin({
  id: 'failover-test',
  coreRange: '*',
  register(env) {
    let registry: McpServerRegistry | undefined;
    env.provide(
      targetResolversExtensionPoint,
      pairResolver(() => registry!),
    );
    env.provide(invocationInterceptorsExtensionPoint, retryOnce);
    env.init({ deps: { registry: mcpServersRef }, run: (deps) => void (registry = deps.registry) });
  },
});

/** Hangar with servers a and b, the inline pair plugin, and call-guard logging calls. */
async function bootPair(t: ExecutionContext) {
  const dir = await tempDir(t, 'call-guard-failover-');
  const pluginsFile = await writeIn(dir, 'hangar.plugins.json', {
    plugins: [{ id: 'call-guard', module: PLUGIN_DIR, options: { log_calls: true } }],
  });
  const configFile = await writeIn(dir, 'hangar.yaml', `mcp_servers:\n${echoServerYaml('a')}\n${echoServerYaml('b')}\n`);
  const booted = await startHangar(t, { pluginsFile, configFile, extraPlugins: [{ definition: pairPlugin }] });
  const registry = booted.hangar.container.resolve(mcpServersRef);
  const calls = () => booted.records.filter((record) => record.msg === 'call-guard: tool call');
  return { ...booted, registry, api: apiClient(booted.url), calls };
}

test("the pair's tools are listed as pair__<tool> over MCP and REST, and a call through it answers", async (t) => {
  const { url, api, calls } = await bootPair(t);
  const client = await connectClient(t, url);
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  t.true(names.includes('a__echo'));
  t.true(names.includes('b__echo'));
  t.true(names.includes('pair__echo'));
  t.like((await api.get('/mcp_servers/pair/tools')).body, { tools: [{ name: 'echo' }] });
  t.is(textOf(await client.callTool({ name: 'pair__echo', arguments: { text: 'via pair' } })), 'via pair');
  t.like(calls().at(-1), { door: 'mcp', target: 'pair', target_kind: 'group', mcp_server: 'a', outcome: 'completed' });
  const rest = await api.post('/mcp_servers/pair/tools/echo/invoke', { arguments: { text: 'rest pair' } });
  t.is(rest.status, 200, rest.text);
  t.like(rest.body, { mcp_server_id: 'pair', result: { content: [{ text: 'rest pair' }] } });
});

test('a killed first member fails the first attempt; the retrying interceptor calls next again and b answers', async (t) => {
  const { registry, url, api, calls } = await bootPair(t);
  const client = await connectClient(t, url);
  const a = registry.get('a');
  await a.start();
  const pid = a.pid!;
  process.kill(pid, 'SIGKILL');
  // Dead, and backing off (about 2 s): a call to it now fails at once.
  await eventually(() => (a.state === 'dead' ? true : undefined), 'a to be seen dead');
  const answer = await client.callTool({ name: 'pair__echo', arguments: { text: 'failed over' } });
  t.is(textOf(answer), 'failed over');
  // The guard (outermost) sees one call, answered by b after a's attempt failed.
  t.like(calls().at(-1), { target: 'pair', mcp_server: 'b', outcome: 'completed' });
  const history = async (id: string) =>
    (await api.get<{ history: Record<string, unknown>[] }>(`/mcp_servers/${id}/tools/history`)).body.history;
  t.like((await history('a')).at(-1), { tool: 'echo', status: 'failed', error_type: 'McpServerUnavailableError' });
  t.like((await history('b')).at(-1), { tool: 'echo', status: 'completed' });
  const [failed, completed] = [(await history('a')).at(-1), (await history('b')).at(-1)];
  t.is(failed?.correlation_id, completed?.correlation_id);
});
