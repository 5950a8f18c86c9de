import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import test from 'ava';
import sqlite3 from 'sqlite3';
import { runHttpCli } from '../helpers/cli.js';
import { tempDir, writeIn } from '../helpers/hangar.js';
import { eventually } from '../mcp/helpers.js';

const BURST = path.resolve(import.meta.dirname, '..', 'fixtures', 'events-create-burst.mjs');

function integrityCheck(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (error) => {
      if (error) return reject(error);
      db.get('PRAGMA integrity_check', (checkError, row: { integrity_check: string } | undefined) => {
        db.close();
        if (checkError) reject(checkError);
        else resolve(row?.integrity_check ?? 'no answer');
      });
    });
  });
}

test('kill -9 during a burst of 500 REST creates: every create answered 201 is there after a restart', async (t) => {
  const dataDir = await tempDir(t);
  const config = await writeIn(await tempDir(t), 'hangar.yaml', 'mcp_servers: {}\n');
  const args = ['--config', config, '--data-dir', dataDir];
  const first = await runHttpCli(t, args);

  // A second process creates the servers, printing each id as its 201 arrives.
  const creator = spawn(process.execPath, [BURST, first.url, '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void creator.kill('SIGKILL'));
  let printed = '';
  creator.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const creatorExit = once(creator, 'exit');
  // Kill Hangar mid-burst, once a good number of creates were answered.
  await eventually(() => (printed.split('\n').length > 120 ? true : undefined), '120 answered creates', 1200);
  first.child.kill('SIGKILL');
  await first.exited;
  await creatorExit;
  const answered = printed.split('\n').filter((line) => line !== '');
  t.true(answered.length >= 120 && answered.length < 500, `answered ${answered.length}`);

  // The store opens as it was left: SQLite's own check passes before Hangar touches it again.
  t.is(await integrityCheck(path.join(dataDir, 'events.db')), 'ok');

  const second = await runHttpCli(t, args);
  const response = await fetch(`${second.url}/api/mcp_servers`);
  const ids = new Set(
    ((await response.json()) as { mcp_servers: { mcp_server: string }[] }).mcp_servers.map((s) => s.mcp_server),
  );
  const missing = answered.filter((id) => !ids.has(id));
  t.deepEqual(missing, [], 'every create answered 201 survived');
  t.notRegex(second.stderr, /"level":(50|60)|ERROR|FATAL/);
});
