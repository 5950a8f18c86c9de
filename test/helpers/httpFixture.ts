import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Spawns a process that is killed (its whole output drained) when the test ends. */
export function spawnTracked(t: ExecutionContext, command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(killer);
  });
  return child;
}

/** Starts an MCP fixture (`<fixture> --http 0`) on a port the OS picks and resolves with its /mcp URL (and the process) once it listens. */
export async function startHttpFixture(t: ExecutionContext, fixture: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawnTracked(t, process.execPath, [fixture, '--http', '0']);
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`fixture did not start in 10 s:\n${stderr}`)), 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ url, child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited (${code}) before listening:\n${stderr}`));
    });
  });
}
