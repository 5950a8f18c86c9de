// Small statistics helpers shared by every scenario: percentiles of one round, medians across
// rounds, and the ratio formatting the report uses.

/** The value at percentile `p` (0..100) of `values` (nearest rank; `values` is not modified). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((sorted.length * p) / 100) - 1))];
}

/** The median of `values` (the lower middle for an even count, like the rest of the bench). */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** p50/p90/p99 of one round's latency samples (ms). */
export function latencySummary(samples) {
  return { p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99), n: samples.length };
}

/**
 * The median over rounds of each field of per-round summaries: `[{p50, p90}, {p50, p90}]` →
 * `{p50: median, p90: median}`. Medians of percentiles keep one noisy round from moving a figure.
 */
export function medianOfRounds(rounds) {
  const keys = Object.keys(rounds[0] ?? {}).filter((key) => typeof rounds[0][key] === 'number');
  return Object.fromEntries(keys.map((key) => [key, median(rounds.map((round) => round[key]))]));
}

/** `a / b` as `2.31×`. */
export function ratio(a, b) {
  return Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a';
}

/** Milliseconds with a precision that suits their size. */
export function ms(value) {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? `${value.toFixed(0)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`;
}

/** A rate, rounded to whole units. */
export function perSecond(value) {
  return Number.isFinite(value) ? `${Math.round(value).toLocaleString('en')}/s` : 'n/a';
}
