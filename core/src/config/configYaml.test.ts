import test from 'ava';
import { parse } from 'yaml';
import { remoteTransport } from '../transports/remoteTransport.js';
import { subprocessTransport } from '../transports/subprocessTransport.js';
import { configToYaml, diffConfigs, exportConfigYaml, maskConfig } from './configYaml.js';
import { interpolate } from './interpolate.js';
import { Redactor } from './redact.js';
import { ServerConfigSchema } from './ServerConfigSchema.js';

const servers = ServerConfigSchema.from([subprocessTransport, remoteTransport]);
const view = { redactor: new Redactor(servers), order: servers };

const server = (extra: Record<string, unknown> = {}) => ({
  command: ['node', 'server.js'],
  mode: 'subprocess',
  env: { B: '2', A: '1' },
  headers: {},
  description: undefined,
  ...extra,
});

test('normalised YAML does not depend on the order servers or keys were written in', (t) => {
  const one = { tool_naming: 'flat', mcp_servers: { b: server(), a: server({ idle_ttl_s: 5 }) } };
  const two = { mcp_servers: { a: { idle_ttl_s: 5, ...server() }, b: server() }, tool_naming: 'flat' };
  t.is(configToYaml(one), configToYaml(two));
  t.false(configToYaml(one).includes('description'), 'undefined is dropped');
  t.true(configToYaml(one).startsWith('mcp_servers:\n  a:\n    mode: subprocess\n'));
});

test('a secret that differs from the reference is shown as changed, never in clear', (t) => {
  const disk = {
    mcp_servers: { r: { mode: 'remote', endpoint: 'http://u:old@h/mcp', headers: { Authorization: 'x' }, env: {} } },
    vault: { token: 'same', nested: { api_key: 'k1' } },
  };
  const memory = {
    mcp_servers: { r: { mode: 'remote', endpoint: 'http://u:new@h/mcp', headers: { Authorization: 'x' }, env: {} } },
    vault: { token: 'same', nested: { api_key: 'k2' } },
  };
  t.deepEqual(maskConfig(memory, view, disk), {
    mcp_servers: { r: { mode: 'remote', endpoint: 'http://u:*** (changed)@h/mcp', env: {}, headers: { Authorization: '***' } } },
    vault: { nested: { api_key: '*** (changed)' }, token: '***' },
  });
  const { diff, has_changes } = diffConfigs(disk, memory, view);
  t.true(has_changes);
  t.true(diff.includes('-    api_key: "***"\n+    api_key: "*** (changed)"'), diff);
  for (const secret of [':old@', ':new@', 'k1', 'k2']) t.false(diff.includes(secret), secret);
  t.deepEqual(diffConfigs(disk, structuredClone(disk), view), { diff: '', has_changes: false });
});

test('the export escapes ${VAR} so loading it gives back the same strings', (t) => {
  const values = ['${HOME}', '$${HOME}', 'a ${X:-d} b', '$5 and ${not valid}'];
  const yaml = exportConfigYaml({ mcp_servers: { s: server({ env: Object.fromEntries(values.map((v, i) => [`V${i}`, v])) }) } });
  const loaded = interpolate(parse(yaml), { HOME: '/home/someone', X: 'x' }, 'export.yaml') as {
    mcp_servers: { s: { env: Record<string, string> } };
  };
  t.deepEqual(Object.values(loaded.mcp_servers.s.env), values);
});

test("a server's fields are written common ones first, then its mode's in the order its transport declares them", (t) => {
  const yaml = configToYaml(
    {
      mcp_servers: { s: { env: { A: '1' }, tools: [], cwd: '/x', command: ['node'], idle_ttl_s: 5, mode: 'subprocess', zz: 1 } },
    },
    servers,
  );
  t.is(
    yaml,
    'mcp_servers:\n  s:\n    mode: subprocess\n    idle_ttl_s: 5\n    tools: []\n    command:\n      - node\n    cwd: /x\n    env:\n      A: "1"\n    zz: 1\n',
  );
});
