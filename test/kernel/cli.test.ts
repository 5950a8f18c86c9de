import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { ROOT, runCli, runHttpCli } from '../helpers/cli.js';
import { tempDir, writeIn } from '../helpers/hangar.js';

test('hangar --plugins with {"plugins": []} boots the kernel alone; SIGTERM exits 0', async (t) => {
  const dir = await tempDir(t);
  const plugins = await writeIn(dir, 'plugins.json', { plugins: [] });
  const run = await runHttpCli(t, ['--plugins', plugins, '--data-dir', dir]);
  t.is((await fetch(`${run.url}/health`)).status, 200);
  t.deepEqual(await (await fetch(`${run.url}/ready`)).json(), { status: 'ready' });
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
  t.regex(run.stderr, /SIGTERM: shutting down/);
  t.regex(run.stderr, /Hangar stopped/);
  t.is(run.stdout, '');
});

test('npm start: the bundled config and plugins file serve /health and /ready', async (t) => {
  const dir = await tempDir(t);
  const run = await runHttpCli(t, ['--config', 'hangar.config.yaml', '--data-dir', dir]);
  t.is((await fetch(`${run.url}/health`)).status, 200);
  t.is((await fetch(`${run.url}/ready`)).status, 200);
  t.notRegex(run.stderr, /WARN/);
  run.child.kill('SIGINT');
  t.is(await run.exited, 0);
});

test('a config error exits non-zero naming the file and the key path', async (t) => {
  const dir = await tempDir(t);
  const config = await writeIn(
    dir,
    'bad.yaml',
    'mcp_servers:\n  math:\n    mode: subprocess\n    command: [node]\n    idle_ttl_s: 0\n',
  );
  const run = runCli(t, ['--http', '--port', '0', '--config', config, '--data-dir', dir]);
  t.is(await run.exited, 1);
  t.regex(run.stderr, /hangar: HANGAR_ERR_CONFIG: .*bad\.yaml: mcp_servers\.math\.idle_ttl_s: /);
});

test('a plugin error exits non-zero with its code, plugin id and option field', async (t) => {
  const dir = await tempDir(t);
  const plugins = await writeIn(dir, 'plugins.json', {
    plugins: [{ id: 'needs-options', module: `${process.cwd()}/test/fixtures/plugins/needs-options.mjs`, options: {} }],
  });
  const run = runCli(t, ['--plugins', plugins, '--data-dir', dir]);
  t.is(await run.exited, 1);
  t.regex(run.stderr, /hangar: HANGAR_ERR_PLUGIN_BAD_OPTIONS: plugin 'needs-options': bad options: options\.paths: /);
});

test('a non-loopback --host without auth is refused (exit 2)', async (t) => {
  const dir = await tempDir(t);
  const run = runCli(t, ['--http', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir]);
  t.is(await run.exited, 2);
  t.regex(run.stderr, /refusing to serve 0\.0\.0\.0 without authentication: enable auth or pass --unsafe-no-auth/);
});

test('an unknown flag prints usage and exits 2', async (t) => {
  const run = runCli(t, ['--frobnicate']);
  t.is(await run.exited, 2);
  t.regex(run.stderr, /HANGAR_ERR_CLI_USAGE/);
  t.regex(run.stderr, /Usage: hangar/);
});

test('stdio mode keeps stdout for JSON-RPC: logs go to stderr; closing stdin exits 0', async (t) => {
  const dir = await tempDir(t);
  const plugins = await writeIn(dir, 'plugins.json', { plugins: [] });
  const run = runCli(t, ['--plugins', plugins, '--data-dir', dir, '--log-level', 'debug']);
  for (let i = 0; i < 600 && !run.stderr.includes('Hangar ready (stdio)'); i++) await new Promise((r) => setTimeout(r, 50));
  t.regex(run.stderr, /Hangar ready \(stdio\)/);
  t.regex(run.stderr, /plugin load tree/);
  run.child.stdin.end();
  t.is(await run.exited, 0);
  t.is(run.stdout, '');
});

test('--json-logs writes one JSON object per line', async (t) => {
  const dir = await tempDir(t);
  const plugins = await writeIn(dir, 'plugins.json', { plugins: [] });
  const run = await runHttpCli(t, ['--plugins', plugins, '--data-dir', dir, '--json-logs']);
  run.child.kill('SIGTERM');
  await run.exited;
  const lines = run.stderr.trim().split('\n');
  t.true(lines.length >= 2);
  for (const line of lines) t.notThrows(() => JSON.parse(line) as unknown, line);
  t.true(
    lines.some((line) => (JSON.parse(line) as { msg?: string }).msg?.startsWith('Hangar ready on http://127.0.0.1:') ?? false),
  );
});

test('--version and --help print to stdout', async (t) => {
  const version = runCli(t, ['--version']);
  t.is(await version.exited, 0);
  t.regex(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = runCli(t, ['--help']);
  t.is(await help.exited, 0);
  t.regex(help.stdout, /--unsafe-no-auth/);
});

test('SIGTERM while a plugin is still initialising waits for it, stops it, and exits 0', async (t) => {
  const dir = await tempDir(t);
  const plugins = await writeIn(dir, 'plugins.json', {
    plugins: [{ id: 'slow-init', module: path.join(ROOT, 'test/fixtures/plugins/slow-init.mjs'), options: { ms: 1500 } }],
  });
  const run = runCli(t, ['--http', '--port', '0', '--plugins', plugins, '--data-dir', dir]);
  for (let i = 0; i < 800 && !run.stderr.includes('slow-init waiting'); i++) await new Promise((r) => setTimeout(r, 25));
  t.regex(run.stderr, /slow-init waiting/);
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
  t.regex(run.stderr, /SIGTERM: shutting down/);
  t.regex(run.stderr, /slow-init stopped/);
  t.regex(run.stderr, /Hangar stopped/);
});

test('the hangar bin installed at the root runs (npx hangar)', async (t) => {
  const { stdout } = await promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'hangar'), ['--version']);
  t.regex(stdout, /^\d+\.\d+\.\d+\n$/);
});
