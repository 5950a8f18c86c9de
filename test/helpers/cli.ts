import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { freePort } from './hangar.js';

/** The project root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The compiled CLI (built by `npm test` before ava runs). */
export const CLI = path.join(ROOT, 'core', 'dist', 'cli', 'main.js');

/** A running `hangar` child with its collected output. */
export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Spawns the compiled CLI from the project root; killed at test end if still running. */
export function runCli(t: ExecutionContext, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  // The compiled CLI runs plain JS: none of the test runner's loaders or export conditions.
  const { NODE_OPTIONS: _loaders, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...inherited, ...env }, stdio: 'pipe' });
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    exited: once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string),
  };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await run.exited;
    }
  });
  return run;
}

/** Starts `hangar --http` on a free port and waits (bounded) until `/ready` answers 200. */
export async function runHttpCli(
  t: ExecutionContext,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun & { url: string }> {
  const port = await freePort();
  const run = runCli(t, ['--http', '--host', '127.0.0.1', '--port', String(port), ...args], env);
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (run.child.exitCode !== null) throw new Error(`hangar exited early (${run.child.exitCode}): ${run.stderr}`);
    const ready = await fetch(`${url}/ready`).catch(() => undefined);
    if (ready?.status === 200) return Object.assign(run, { url });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`hangar did not become ready: ${run.stderr}`);
}
