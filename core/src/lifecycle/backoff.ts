/**
 * Restart backoff after `failures` consecutive failures: `min(60, 2^failures)` seconds, spread by
 * ±10 % so servers that failed together do not restart in lockstep. `random` is injected (0 ≤ r < 1).
 */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(60, 2 ** Math.max(0, failures)) * 1000;
  return Math.round(base * (0.9 + 0.2 * random()));
}
