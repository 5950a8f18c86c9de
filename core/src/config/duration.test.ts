import test from 'ava';
import { parseDuration } from './duration.js';
import { validateConfig } from './loadConfig.js';

test('durations: minutes, hours, days, weeks', (t) => {
  t.is(parseDuration('90m'), 90 * 60_000);
  t.is(parseDuration('12h'), 12 * 3_600_000);
  t.is(parseDuration('30d'), 30 * 86_400_000);
  t.is(parseDuration('2w'), 14 * 86_400_000);
  for (const bad of ['', '30', 'd', '0d', '-1d', '1.5h', '30s', '1y', '30 days', '1234567d']) {
    t.is(parseDuration(bad), undefined, bad);
  }
});

test('event_store.retention is validated; an error names the key', (t) => {
  const config = validateConfig(
    { event_store: { retention: { tool_invocations: '30d', health_checks: '12h' }, prune_interval: '90m' } },
    'c.yaml',
  );
  t.deepEqual(config.event_store, {
    driver: 'sqlite',
    retention: { tool_invocations: '30d', health_checks: '12h' },
    prune_interval: '90m',
  });
  t.is(validateConfig({}, 'c.yaml').event_store.prune_interval, '1h');

  const error = t.throws(() => validateConfig({ event_store: { retention: { tool_invocations: '30 days' } } }, 'c.yaml'));
  t.regex(error.message, /event_store\.retention\.tool_invocations: must be a duration like '90m'/);
  const interval = t.throws(() => validateConfig({ event_store: { prune_interval: 5 } }, 'c.yaml'));
  t.regex(interval.message, /event_store\.prune_interval/);
});
