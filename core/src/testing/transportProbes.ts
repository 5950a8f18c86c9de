import type { ServerLogLine, UpstreamConnection } from '../extensions/transports.js';

/** The log lines a connection produced, in arrival order, with a way to wait for some. */
export interface LogRecorder {
  readonly lines: readonly ServerLogLine[];
  /** The `onLog` to hand the transport. */
  readonly onLog: (line: ServerLogLine) => void;
  /** Resolves once a line with each of `texts` has arrived (at once for those already seen). */
  waitForAll(texts: readonly string[]): Promise<void>;
}

/** A fresh `LogRecorder`. */
export function logRecorder(): LogRecorder {
  const lines: ServerLogLine[] = [];
  let wake: () => void = () => {};
  let arrived = new Promise<void>((resolve) => (wake = resolve));
  return {
    lines,
    onLog(line) {
      lines.push(line);
      wake();
      arrived = new Promise<void>((resolve) => (wake = resolve));
    },
    async waitForAll(texts) {
      while (!texts.every((text) => lines.some((line) => line.line === text))) await arrived;
    },
  };
}

/** How often a connection's transport fired `onclose`, and a promise for the first time. */
export interface CloseCounter {
  readonly count: () => number;
  readonly closed: Promise<void>;
}

/**
 * Counts `onclose` calls on the connection's transport. Install it before an SDK `Client`
 * connects: the client wraps whatever `onclose` it finds, so one installed later would replace it.
 */
export function countCloses(connection: UpstreamConnection): CloseCounter {
  let count = 0;
  const closed = new Promise<void>((resolve) => {
    connection.transport.onclose = () => {
      count += 1;
      resolve();
    };
  });
  return { count: () => count, closed };
}

/** How a promise ended within a deadline: its value, its rejection, or not at all. */
export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly value: T }
  | { readonly status: 'rejected'; readonly reason: unknown }
  | { readonly status: 'timeout' };

/** Waits up to `ms` for `promise`; never rejects, so a hang and a failure can be told apart. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ status: 'timeout' }), ms)));
  const settled = promise.then(
    (value): Settled<T> => ({ status: 'fulfilled', value }),
    (reason: unknown): Settled<T> => ({ status: 'rejected', reason }),
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`'s value, or an error naming `what` when it takes longer than `ms` (a hang fails the test). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const settled = await settleWithin(promise, ms);
  if (settled.status === 'fulfilled') return settled.value;
  if (settled.status === 'rejected') throw settled.reason;
  throw new Error(`${what} did not settle within ${ms} ms`);
}

/** True while a process with this id exists (a zombie included: it has not been reaped). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Lets callbacks queued by a close run, so a second `onclose` would be seen before counting. */
export function settleCallbacks(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
