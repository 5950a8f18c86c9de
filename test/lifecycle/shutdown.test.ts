import path from 'node:path';
import test from 'ava';
import { tempDir, writeIn } from '../helpers/hangar.js';
import { ROOT, runHttpCli } from '../helpers/cli.js';
import { groupAlive } from '../helpers/processes.js';

const ECHO = path.join(ROOT, 'test', 'fixtures', 'echo-server.mjs');

test('after SIGTERM of Hangar no server process survives, wrappers and grandchildren included', async (t) => {
  const dir = await tempDir(t);
  const config = await writeIn(
    dir,
    'hangar.yaml',
    [
      'mcp_servers:',
      `  one: { mode: subprocess, command: [node, ${JSON.stringify(ECHO)}] }`,
      `  two: { mode: subprocess, command: [node, ${JSON.stringify(ECHO)}] }`,
      // A shell wrapper that keeps node as its child (the npx/uvx shape).
      `  wrapped: { mode: subprocess, command: [sh, -c, ${JSON.stringify(`node ${ECHO}; true`)}] }`,
    ].join('\n'),
  );
  const hangar = await runHttpCli(t, ['--config', config, '--plugins', await writeIn(dir, 'plugins.json', { plugins: [] })]);
  const pids: number[] = [];
  for (const id of ['one', 'two', 'wrapped']) {
    const started = await fetch(`${hangar.url}/api/mcp_servers/${id}/start`, { method: 'POST' });
    t.is(started.status, 200, await started.clone().text());
    const detail = (await (await fetch(`${hangar.url}/api/mcp_servers/${id}`)).json()) as { pid: number };
    pids.push(detail.pid);
  }
  t.true(pids.every((pid) => groupAlive(pid)));

  hangar.child.kill('SIGTERM');
  t.is(await hangar.exited, 0, hangar.stderr);
  t.deepEqual(
    pids.filter((pid) => groupAlive(pid)),
    [],
    'every process group is gone',
  );
});
