import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { z } from 'zod';
import type { TransportFactory } from '../extensions/transports.js';
import { remoteTransport } from '../transports/remoteTransport.js';
import { subprocessTransport } from '../transports/subprocessTransport.js';
import { loadConfig, validateConfig } from './loadConfig.js';
import { ServerConfigSchema } from './ServerConfigSchema.js';

/** A transport of a mode the kernel does not know, as a plugin would contribute it. */
const boxTransport: TransportFactory = {
  mode: 'box',
  aliases: ['crate'],
  configSchema: z.strictObject({ image: z.string().min(1), network: z.string().default('none') }),
  restartFields: ['image'],
  secretFields: [],
  open: () => Promise.reject(new Error('not used')),
};
const withBox = ServerConfigSchema.from([subprocessTransport, remoteTransport, boxTransport]);

async function fileWith(t: ExecutionContext, name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

test('a YAML config is validated with defaults applied', async (t) => {
  const file = await fileWith(
    t,
    'c.yaml',
    `mcp_servers:\n  math:\n    mode: subprocess\n    command: [node, math.js]\n    description: Math\n`,
  );
  const config = await loadConfig({ file });
  t.deepEqual(config.mcp_servers.math?.command, ['node', 'math.js']);
  t.is(config.mcp_servers.math?.idle_ttl_s, 300);
  t.is(config.mcp_servers.math?.health_check_interval_s, 60);
  t.is(config.mcp_servers.math?.max_consecutive_failures, 3);
  t.is(config.tool_naming, 'namespaced');
  t.is(config.source, file);
});

test('${VAR} and ${VAR:-default} are replaced from the environment', (t) => {
  const config = validateConfig(
    {
      mcp_servers: {
        s: { mode: 'remote', endpoint: 'http://127.0.0.1:${PORT:-9000}/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
      },
    },
    'c.yaml',
    { env: { TOKEN: 'abc' } },
  );
  t.is(config.mcp_servers.s?.endpoint, 'http://127.0.0.1:9000/mcp');
  t.deepEqual(config.mcp_servers.s?.headers, { Authorization: 'Bearer abc' });
});

test('an unset variable without default is an error naming the key path', (t) => {
  const error = t.throws(() =>
    validateConfig({ mcp_servers: { s: { mode: 'subprocess', command: ['x'], env: { K: '${NOPE_UNSET}' } } } }, 'c.yaml', {
      env: {},
    }),
  );
  t.is((error as { code?: string }).code, 'HANGAR_ERR_CONFIG');
  t.regex(error.message, /c\.yaml: mcp_servers\.s\.env\.K: environment variable NOPE_UNSET is not set/);
});

test('an out-of-range value names the file and the key path', async (t) => {
  const file = await fileWith(
    t,
    'bad.yaml',
    `mcp_servers:\n  math:\n    mode: subprocess\n    command: [node]\n    idle_ttl_s: 0\n`,
  );
  const error = await t.throwsAsync(loadConfig({ file }));
  t.regex(error.message, new RegExp(`${file.replace(/[.]/g, '\\.')}: mcp_servers\\.math\\.idle_ttl_s: .*>=1`));
});

test('a subprocess without command is refused naming the field', (t) => {
  const error = t.throws(() => validateConfig({ mcp_servers: { x: { mode: 'subprocess' } } }, 'c.yaml'));
  t.regex(error.message, /mcp_servers\.x\.command: is required for mode subprocess/);
});

test('a server id outside ^[a-zA-Z0-9_-]{1,64}$ is refused', (t) => {
  const error = t.throws(() => validateConfig({ mcp_servers: { 'bad id!': { mode: 'subprocess', command: ['x'] } } }, 'c.yaml'));
  t.regex(error.message, /mcp_servers/);
});

test('providers is accepted as an alias of mcp_servers', (t) => {
  const config = validateConfig({ providers: { db: { mode: 'subprocess', command: 'db-server', args: ['--ro'] } } }, 'c.yaml');
  t.deepEqual(config.mcp_servers.db?.command, ['db-server', '--ro']);
  t.false('args' in config.mcp_servers.db!, 'args is folded into command');
});

test('a mode no transport serves is an error naming the key and the modes available', (t) => {
  const error = t.throws(() => validateConfig({ mcp_servers: { db: { mode: 'docker', image: 'mcp/sqlite' } } }, 'c.yaml'));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_CONFIG');
  t.is(
    error.message,
    "c.yaml: mcp_servers.db.mode: unknown mode 'docker'; available: subprocess, remote (a plugin that provides a 'docker' transport adds it)",
  );
});

test("a transport's schema makes its mode configurable: defaults, aliases and field errors", (t) => {
  const config = validateConfig({ mcp_servers: { db: { mode: 'crate', image: 'mcp/sqlite' } } }, 'c.yaml', {
    servers: withBox,
  });
  t.deepEqual(config.mcp_servers.db, {
    mode: 'box',
    image: 'mcp/sqlite',
    network: 'none',
    idle_ttl_s: 300,
    health_check_interval_s: 60,
    max_consecutive_failures: 3,
  });
  const bad = t.throws(() => validateConfig({ mcp_servers: { x: { mode: 'box', image: '' } } }, 'c.yaml', { servers: withBox }));
  t.regex(bad.message, /^c\.yaml: mcp_servers\.x\.image: /);
  const missing = t.throws(() => validateConfig({ mcp_servers: { x: { mode: 'box' } } }, 'c.yaml', { servers: withBox }));
  t.regex(missing.message, /mcp_servers\.x\.image: /);
});

test('a field of another mode is an error naming it, not a silently ignored key', (t) => {
  const error = t.throws(() =>
    validateConfig({ mcp_servers: { x: { mode: 'remote', endpoint: 'http://127.0.0.1:9/mcp', command: ['node'] } } }, 'c.yaml'),
  );
  t.is(error.message, "c.yaml: mcp_servers.x.command: is a field of mode subprocess, not of mode 'remote'");
  const box = t.throws(() =>
    validateConfig({ mcp_servers: { x: { mode: 'subprocess', command: ['node'], image: 'i' } } }, 'c.yaml', { servers: withBox }),
  );
  t.regex(box.message, /mcp_servers\.x\.image: is a field of mode box, not of mode 'subprocess'/);
});

test('two transports answering one mode name fail naming both', (t) => {
  const clash = { ...boxTransport, mode: 'crate', aliases: [] };
  const error = t.throws(() => ServerConfigSchema.from([boxTransport, clash]));
  t.regex(error.message, /transports 'box' and 'crate' both answer mode 'crate'/);
});

test('auth: the kernel reads enabled; other keys are unknown unless a plugin owns the auth section', (t) => {
  const document = { auth: { enabled: true, users: [{ name: 'ann' }] } };
  const warnings: string[] = [];
  const alone = validateConfig(document, 'c.yaml', { warn: (message) => warnings.push(message) });
  t.deepEqual(alone.auth, { enabled: true });
  t.deepEqual(warnings, ["c.yaml: unknown key 'auth.users' is ignored"]);

  const sections = [
    { key: 'auth', schema: z.strictObject({ users: z.array(z.strictObject({ name: z.string() })).default([]) }) },
  ];
  const owned = validateConfig(document, 'c.yaml', { sections, warn: (message) => warnings.push(message) });
  t.deepEqual(owned.auth, { enabled: true });
  t.deepEqual(owned.sections.auth, { users: [{ name: 'ann' }] });
  t.is(warnings.length, 1, 'nothing more to warn about');
  const bad = t.throws(() => validateConfig({ auth: { users: [{}] } }, 'c.yaml', { sections }));
  t.regex(bad.message, /c\.yaml: auth\.users\.0\.name:/);
});

test('a plugin cannot contribute a section the kernel owns alone', (t) => {
  const error = t.throws(() => validateConfig({}, 'c.yaml', { sections: [{ key: 'mcp_servers', schema: z.unknown() }] }));
  t.regex(error.message, /config section 'mcp_servers' is the kernel's/);
});

test('unknown keys are warned about by their full path and dropped', (t) => {
  const warnings: string[] = [];
  const config = validateConfig(
    { mcp_servers: { m: { mode: 'subprocess', command: ['x'], colour: 'red' } }, telemetry: true },
    'c.yaml',
    { warn: (message) => warnings.push(message) },
  );
  t.deepEqual(warnings.sort(), [
    "c.yaml: unknown key 'mcp_servers.m.colour' is ignored",
    "c.yaml: unknown key 'telemetry' is ignored (no loaded plugin owns it)",
  ]);
  t.false('colour' in (config.mcp_servers.m ?? {}));
});

test('plugin config sections are validated by their own schema', (t) => {
  const sections = [
    { key: 'groups', schema: z.record(z.string(), z.strictObject({ strategy: z.enum(['round_robin', 'random']) })) },
  ];
  const config = validateConfig({ groups: { pool: { strategy: 'random' } } }, 'c.yaml', { sections });
  t.deepEqual(config.sections.groups, { pool: { strategy: 'random' } });
  const error = t.throws(() => validateConfig({ groups: { pool: { strategy: 'fastest' } } }, 'c.yaml', { sections }));
  t.regex(error.message, /c\.yaml: groups\.pool\.strategy:/);
});

test('malformed YAML is reported with its line', async (t) => {
  const file = await fileWith(t, 'broken.yaml', 'mcp_servers:\n  math: [unclosed\n');
  const error = await t.throwsAsync(loadConfig({ file }));
  t.regex(error.message, /not valid YAML at line \d+/);
});

test('a missing file is a config error naming it', async (t) => {
  const error = await t.throwsAsync(loadConfig({ file: '/nonexistent/hangar.yaml' }));
  t.regex(error.message, /\/nonexistent\/hangar\.yaml: cannot read config file \(ENOENT\)/);
});

test('a Claude Desktop JSON file becomes subprocess and remote servers', async (t) => {
  const file = await fileWith(
    t,
    'claude.json',
    JSON.stringify({
      mcpServers: {
        fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'], env: { A: 'b' } },
        web: { url: 'http://127.0.0.1:9000/mcp' },
      },
    }),
  );
  const config = await loadConfig({ file });
  t.deepEqual(config.mcp_servers.fs?.command, ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/tmp']);
  t.deepEqual(config.mcp_servers.fs?.env, { A: 'b' });
  t.is(config.mcp_servers.web?.mode, 'remote');
});
