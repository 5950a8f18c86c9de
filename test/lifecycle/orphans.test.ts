import path from 'node:path';
import test from 'ava';
import { tempDir, writeIn } from '../helpers/hangar.js';
import { ROOT, runHttpCli } from '../helpers/cli.js';
import { groupAlive } from '../helpers/processes.js';

const ECHO = path.join(ROOT, 'test', 'fixtures', 'echo-server.mjs');

async function until(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

async function startServer(url: string, id: string): Promise<number> {
  const started = await fetch(`${url}/api/mcp_servers/${id}/start`, { method: 'POST' });
  if (started.status !== 200) throw new Error(await started.text());
  return ((await (await fetch(`${url}/api/mcp_servers/${id}`)).json()) as { pid: number }).pid;
}

test('servers left running by a SIGKILLed Hangar are reaped at the next boot; a live Hangar on the same data dir is left alone', async (t) => {
  const dir = await tempDir(t);
  // The shell outlives node's stdin EOF by sleeping: exactly the orphan a killed gateway leaves behind.
  const config = await writeIn(
    dir,
    'hangar.yaml',
    `mcp_servers:\n  wrapped: { mode: subprocess, command: [sh, -c, ${JSON.stringify(`node ${ECHO}; sleep 600`)}] }\n`,
  );
  const plugins = await writeIn(dir, 'plugins.json', { plugins: [] });
  const args = ['--config', config, '--plugins', plugins, '--data-dir', path.join(dir, 'data')];
  t.teardown(() => {
    for (const pid of pids) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  });
  const pids: number[] = [];

  const first = await runHttpCli(t, args);
  pids.push(await startServer(first.url, 'wrapped'));
  first.child.kill('SIGKILL');
  await first.exited;
  t.true(groupAlive(pids[0]!), 'the killed Hangar could not stop its server');

  const second = await runHttpCli(t, args);
  t.true(await until(() => !groupAlive(pids[0]!)), 'the leftover group is gone');
  t.regex(second.stderr, /left running by a Hangar that did not stop cleanly/);

  pids.push(await startServer(second.url, 'wrapped'));
  const third = await runHttpCli(t, args);
  t.true(groupAlive(pids[1]!), "a running Hangar's server is not touched by another Hangar's boot");
  t.notRegex(third.stderr, /did not stop cleanly/);
});
