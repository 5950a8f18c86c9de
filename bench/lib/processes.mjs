// Every process the bench starts goes through here: each runs in its own process group, carries a
// marker in its environment (inherited by whatever it spawns), and is stopped by group. At the
// end `sweepMarked` finds any process still carrying this run's marker, so an orphan is counted
// and ended by pid instead of surviving the run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable that marks this run's processes (and their children). */
export const MARKER_NAME = 'HANGAR_BENCH_RUN';
/** This run's marker value. */
export const MARKER = `${process.pid}-${Date.now().toString(36)}`;

const running = new Set();

/**
 * Spawns `command args` in a new process group with the marker set. `stdio` defaults to ignoring
 * everything but stderr, which is kept (the last 4 KiB) for error messages.
 */
export function spawnTracked(command, args, { cwd, env = process.env, stdio = ['ignore', 'ignore', 'pipe'] } = {}) {
  const child = spawn(command, args, { cwd, env: { ...env, [MARKER_NAME]: MARKER }, stdio, detached: true });
  const tracked = { child, pid: child.pid, stderr: '', exited: false };
  running.add(tracked);
  child.stderr?.setEncoding('utf8').on('data', (chunk) => (tracked.stderr = (tracked.stderr + chunk).slice(-4096)));
  child.once('exit', () => {
    tracked.exited = true;
    running.delete(tracked);
  });
  child.once('error', (error) => (tracked.stderr += `\nspawn failed: ${error.message}`));
  return tracked;
}

/** Stops a tracked process: SIGTERM to its group, SIGKILL to the group after `graceMs`. */
export async function stopTracked(tracked, graceMs = 10_000) {
  if (tracked.exited || tracked.child.exitCode !== null || tracked.child.signalCode !== null) return;
  const exited = once(tracked.child, 'exit');
  signalGroup(tracked.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(tracked.pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The environment an SDK `StdioClientTransport` should give a server: the SDK's default plus the marker. */
export function markedEnv(base) {
  return { ...base, [MARKER_NAME]: MARKER };
}

/** Resident memory of a process in KiB, from /proc. */
export function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** Live processes carrying this run's marker (never this process): `[{pid, cmd}]`. */
export function markedProcesses() {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'latin1');
      if (!environ.split('\0').includes(`${MARKER_NAME}=${MARKER}`)) continue;
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${name}/status`, 'latin1'))) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid: Number(name), cmd });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

/** Ends every process still carrying this run's marker, by pid; returns what it found. */
export function sweepMarked() {
  const leftovers = markedProcesses();
  for (const { pid } of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return leftovers;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

// A crash or Ctrl-C of the bench must not leave its children running.
process.once('exit', () => {
  for (const tracked of running) signalGroup(tracked.pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const tracked of running) signalGroup(tracked.pid, 'SIGKILL');
    sweepMarked();
    process.exit(130);
  });
}
