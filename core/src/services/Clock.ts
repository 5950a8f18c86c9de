/** A handle to a scheduled callback. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time as a service, so lifecycle code (idle GC, health checks, backoff) can be driven by a test
 * clock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `ms`; the timer never keeps the process alive. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
