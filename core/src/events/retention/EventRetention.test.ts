import { Writable } from 'node:stream';
import test from 'ava';
import { pino } from 'pino';
import { ManualClock } from '../../services/ManualClock.js';
import type { PruneOptions, PruneResult, PruneRule } from '../store/EventStore.js';
import { MemoryEventStore } from '../store/MemoryEventStore.js';
import { createEventRetention, EventRetention, retentionRules } from './EventRetention.js';

const DAY = 86_400_000;

/** A logger whose lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A store that records the rules it is asked to prune with. */
function recordingStore(fail = false) {
  const calls: { rules: readonly PruneRule[]; options: PruneOptions | undefined }[] = [];
  return {
    calls,
    prune(rules: readonly PruneRule[], options?: PruneOptions): Promise<PruneResult> {
      calls.push({ rules, options });
      return fail ? Promise.reject(new Error('disk on fire')) : Promise.resolve({ deleted: 7, pruned_through: 42 });
    },
  };
}

test('retentionRules: one rule per configured class, cut off at now minus its duration', (t) => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  t.deepEqual(retentionRules({ tool_invocations: '30d', health_checks: '12h' }, now), [
    {
      eventTypes: ['ToolInvocationRequested', 'ToolInvocationCompleted', 'ToolInvocationFailed'],
      before: new Date(now - 30 * DAY),
    },
    { eventTypes: ['HealthCheckPassed', 'HealthCheckFailed'], before: new Date(now - 12 * 3_600_000) },
  ]);
  t.deepEqual(retentionRules({}, now), []);
});

test('runs at start, then on the clock; one log line per run; stop cancels the schedule', async (t) => {
  const clock = new ManualClock();
  const store = recordingStore();
  const { logger, lines } = capturingLogger();
  const retention = createEventRetention({ retention: { tool_invocations: '1d' }, prune_interval: '1h' }, store, clock, logger);
  retention.start();
  await clock.advance(0);
  t.is(store.calls.length, 1);
  t.deepEqual(store.calls[0]!.rules[0]!.before, new Date(clock.now() - DAY));
  await clock.advance(59 * 60_000);
  t.is(store.calls.length, 1);
  await clock.advance(60_000);
  t.is(store.calls.length, 2);
  t.deepEqual(store.calls[1]!.rules[0]!.before, new Date(clock.now() - DAY));
  t.like(lines[0], { deleted: 7, pruned_through: 42, component: undefined });
  t.regex(String(lines[0]!.msg), /event store pruned: 7 events deleted in \d+ ms/);
  t.is(typeof lines[0]!.duration_ms, 'number');

  await retention.stop();
  t.is(clock.pendingTimers, 0);
  await clock.advance(10 * 3_600_000);
  t.is(store.calls.length, 2);
  t.is(await retention.runOnce(), undefined, 'stopped: no more runs');
});

test('no class configured: nothing is scheduled', async (t) => {
  const clock = new ManualClock();
  const store = recordingStore();
  const retention = new EventRetention({ store, retention: {}, intervalMs: 1000, clock, logger: pino({ level: 'silent' }) });
  t.false(retention.enabled);
  retention.start();
  await clock.advance(5000);
  t.is(store.calls.length, 0);
  t.is(clock.pendingTimers, 0);
});

test('a failed run is logged and the schedule goes on', async (t) => {
  const clock = new ManualClock();
  const store = recordingStore(true);
  const { logger, lines } = capturingLogger();
  const retention = new EventRetention({ store, retention: { health_checks: '1h' }, intervalMs: 1000, clock, logger });
  retention.start();
  await clock.advance(0);
  await clock.advance(1000);
  t.is(store.calls.length, 2);
  t.true(lines.every((line) => line.msg === 'event store pruning failed'));
  await retention.stop();
});

test('over a real store: old tool invocations go, registry events and stream heads stay', async (t) => {
  const store = new MemoryEventStore();
  const event = (event_type: string) => ({ event_type, data: {}, metadata: {} });
  await store.append('mcp_server:a', [event('McpServerRegistered'), event('McpServerStarted')], -1);
  await store.append('mcp_server:a', [event('ToolInvocationRequested'), event('ToolInvocationCompleted')], 'any');
  await store.append('mcp_server:a', [event('HealthCheckPassed'), event('ToolInvocationRequested')], 'any');
  // The clock is 31 days ahead of the events' created_at.
  const clock = new ManualClock(Date.now() + 31 * DAY);
  const retention = new EventRetention({
    store,
    retention: { tool_invocations: '30d' },
    intervalMs: 3_600_000,
    clock,
    logger: pino({ level: 'silent' }),
    batchSize: 1,
  });
  t.deepEqual(await retention.runOnce(), { deleted: 2, pruned_through: 4 });
  t.deepEqual(
    (await store.readAll()).map((e) => e.event_type),
    ['McpServerRegistered', 'McpServerStarted', 'HealthCheckPassed', 'ToolInvocationRequested'],
  );
  t.is(await store.streamVersion('mcp_server:a'), 5);
});
