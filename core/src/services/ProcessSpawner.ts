import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptionsWithoutStdio } from 'node:child_process';
import { serviceRef } from '../kernel/refs.js';

/**
 * Starts OS processes. Injected (like the clock) so tests can count, delay or fail spawns, and so a
 * sandboxing plugin could wrap them. Same contract as `child_process.spawn` with piped stdio.
 */
export type ProcessSpawner = (
  file: string,
  args: readonly string[],
  options: SpawnOptionsWithoutStdio,
) => ChildProcessWithoutNullStreams;

/** The real spawner. */
export const nodeSpawner: ProcessSpawner = (file, args, options) => spawn(file, args, options);

/** The process spawner service (`core.processSpawner`). */
export const processSpawnerRef = serviceRef<ProcessSpawner>('core.processSpawner');
