import type { ExecutionContext, TestFn } from 'ava';
import { ConcurrencyError } from '../errors.js';
import { DEFAULT_READ_LIMIT, type EventStore, type EventToAppend } from '../events/store/EventStore.js';

/** What a contract test gets: a fresh, empty store, and how to dispose of it afterwards. */
export interface OpenedEventStore {
  readonly store: EventStore;
  /** Closes the store (it may already be closed) and removes whatever it left behind. */
  readonly cleanup: () => Promise<void>;
}

/** An event with the given type and payload. */
function event(type: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): EventToAppend {
  return { event_type: type, data, metadata };
}

/** `count` events of type `type`, numbered in `data.n`. */
function events(count: number, type = 'Happened'): EventToAppend[] {
  return Array.from({ length: count }, (_, n) => event(type, { n }));
}

/**
 * The behaviour every `EventStore` adapter must have (the emmett habit): registers one ava test
 * per rule, titled `<adapterName>: …`. An adapter's test file calls it with a function that opens
 * a fresh, empty store; adapter-specific behaviour (files, batching) is tested beside it.
 *
 * `test` is the caller's own ava `test`, so the tests land in the caller's run even when a plugin
 * brings its own copy of ava; this module imports ava's types only.
 *
 * @example
 * ```ts
 * import test from 'ava';
 * import { eventStoreContract } from '@hangar/core/testing';
 *
 * eventStoreContract(test, 'postgres', async () => {
 *   const store = await PostgresEventStore.open(await freshDatabase());
 *   return { store, cleanup: () => store.close() };
 * });
 * ```
 */
export function eventStoreContract(test: TestFn, adapterName: string, open: () => Promise<OpenedEventStore>): void {
  const contract = (title: string, body: (t: ExecutionContext, store: EventStore) => Promise<void>) =>
    test(`${adapterName}: ${title}`, async (t) => {
      const { store, cleanup } = await open();
      t.teardown(cleanup);
      await body(t, store);
    });

  contract('an empty store is at position 0 and an unknown stream at version -1', async (t, store) => {
    t.is(await store.lastPosition(), 0);
    t.is(await store.streamVersion('nobody'), -1);
    t.is(await store.countStream('nobody'), 0);
    t.deepEqual(await store.readStream('nobody'), []);
    t.deepEqual(await store.readAll(), []);
  });

  contract('stream versions start at 0 per stream; global positions start at 1 across streams', async (t, store) => {
    t.deepEqual(await store.append('a', events(2), -1), { next_expected_version: 1, positions: [1, 2] });
    t.deepEqual(await store.append('b', events(1), -1), { next_expected_version: 0, positions: [3] });
    t.deepEqual(await store.append('a', events(2), 1), { next_expected_version: 3, positions: [4, 5] });

    const all = await store.readAll();
    t.deepEqual(
      all.map((e) => [e.global_position, e.stream_id, e.stream_version, e.data.n]),
      [
        [1, 'a', 0, 0],
        [2, 'a', 1, 1],
        [3, 'b', 0, 0],
        [4, 'a', 2, 0],
        [5, 'a', 3, 1],
      ],
    );
    t.deepEqual(
      (await store.readStream('a')).map((e) => [e.stream_version, e.global_position]),
      [
        [0, 1],
        [1, 2],
        [2, 4],
        [3, 5],
      ],
    );
    t.is(await store.streamVersion('a'), 3);
    t.is(await store.streamVersion('b'), 0);
    t.is(await store.lastPosition(), 5);
  });

  contract('expected version -1 requires an empty stream', async (t, store) => {
    await store.append('s', events(1), -1);
    const error = await t.throwsAsync(store.append('s', events(1), -1), { instanceOf: ConcurrencyError });
    t.like(error, { stream_id: 's', expected_version: -1, actual_version: 0, status_code: 409, code: 'HANGAR_ERR_CONCURRENCY' });
  });

  contract('a stale or future expected version rejects with ConcurrencyError and writes nothing', async (t, store) => {
    await store.append('s', events(2), -1);
    const stale = await t.throwsAsync(store.append('s', events(1), 0), { instanceOf: ConcurrencyError });
    t.like(stale, { stream_id: 's', expected_version: 0, actual_version: 1 });
    const future = await t.throwsAsync(store.append('s', events(1), 7), { instanceOf: ConcurrencyError });
    t.like(future, { stream_id: 's', expected_version: 7, actual_version: 1 });
    await t.throwsAsync(store.append('empty', events(1), 0), { instanceOf: ConcurrencyError });

    t.is(await store.lastPosition(), 2);
    t.is(await store.streamVersion('s'), 1);
    t.is(await store.streamVersion('empty'), -1);
  });

  contract("expected version 'any' skips the check", async (t, store) => {
    t.is((await store.append('s', events(1), 'any')).next_expected_version, 0);
    t.is((await store.append('s', events(2), 'any')).next_expected_version, 2);
    t.is(await store.countStream('s'), 3);
  });

  contract('a multi-event append is all or nothing', async (t, store) => {
    await store.append('s', events(1), -1);
    await t.throwsAsync(store.append('s', events(3), -1), { instanceOf: ConcurrencyError });
    t.is(await store.countStream('s'), 1);

    const result = await store.append('s', events(3), 0);
    t.is(result.next_expected_version, 3);
    t.is(result.positions.length, 3);
    t.true(result.positions.every((position, index) => index === 0 || position > result.positions[index - 1]!));
    t.deepEqual(
      (await store.readStream('s', 1)).map((e) => [e.stream_version, e.data.n]),
      [
        [1, 0],
        [2, 1],
        [3, 2],
      ],
    );
  });

  contract('an append of no events checks the version and writes nothing', async (t, store) => {
    t.deepEqual(await store.append('s', [], -1), { next_expected_version: -1, positions: [] });
    await t.throwsAsync(store.append('s', [], 0), { instanceOf: ConcurrencyError });
    t.is(await store.lastPosition(), 0);
  });

  contract('of concurrent appends expecting the same version, exactly one wins', async (t, store) => {
    for (const expected of [-1, 0, 1]) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, writer) => store.append('s', [event('Claimed', { writer })], expected)),
      );
      t.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1, `expected version ${expected}`);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') t.true(outcome.reason instanceof ConcurrencyError);
      }
    }
    t.deepEqual(
      (await store.readStream('s')).map((e) => e.stream_version),
      [0, 1, 2],
    );
  });

  contract('appends apply in call order', async (t, store) => {
    // Each expects the version the previous one leaves, so any reordering would fail one.
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => store.append('s', [event('Step', { n })], n - 1)));
    t.deepEqual(
      results.map((r) => r.next_expected_version),
      Array.from({ length: 20 }, (_, n) => n),
    );
    const positions = results.map((r) => r.positions[0]!);
    t.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
    );
    t.deepEqual(
      (await store.readAll()).map((e) => e.data.n),
      Array.from({ length: 20 }, (_, n) => n),
    );
  });

  contract('readAll pages by fromPosition and limit', async (t, store) => {
    for (let n = 0; n < 25; n++) await store.append(`s${n % 3}`, [event('Paged', { n })], 'any');
    const page = async (from: number, limit: number) => (await store.readAll(from, limit)).map((e) => e.global_position);
    t.deepEqual(
      await page(1, 10),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    t.deepEqual(
      await page(11, 10),
      Array.from({ length: 10 }, (_, i) => i + 11),
    );
    t.deepEqual(await page(21, 10), [21, 22, 23, 24, 25]);
    t.deepEqual(await page(26, 10), []);
    t.deepEqual(await page(0, 2), [1, 2]);
  });

  contract(`readAll returns at most DEFAULT_READ_LIMIT (${DEFAULT_READ_LIMIT}) events by default`, async (t, store) => {
    await store.append('big', events(DEFAULT_READ_LIMIT + 1), -1);
    const first = await store.readAll();
    t.is(first.length, DEFAULT_READ_LIMIT);
    t.deepEqual(
      (await store.readAll(first.at(-1)!.global_position + 1)).map((e) => e.data.n),
      [DEFAULT_READ_LIMIT],
    );
  });

  contract('readAll filters by event type and stream; the limit counts matching events', async (t, store) => {
    await store.append('a', [event('Started'), event('Called', { n: 1 })], -1);
    await store.append('b', [event('Started'), event('Called', { n: 2 })], -1);
    await store.append('c', [event('Called', { n: 3 }), event('Stopped')], -1);
    const summary = async (...args: Parameters<EventStore['readAll']>) =>
      (await store.readAll(...args)).map((e) => `${e.global_position}:${e.stream_id}:${e.event_type}`);

    t.deepEqual(await summary(1, 100, { eventTypes: ['Called'] }), ['2:a:Called', '4:b:Called', '5:c:Called']);
    t.deepEqual(await summary(1, 100, { streamIds: ['b', 'c'] }), ['3:b:Started', '4:b:Called', '5:c:Called', '6:c:Stopped']);
    t.deepEqual(await summary(1, 100, { eventTypes: ['Called', 'Stopped'], streamIds: ['c'] }), ['5:c:Called', '6:c:Stopped']);
    t.deepEqual(await summary(1, 2, { eventTypes: ['Called', 'Stopped'] }), ['2:a:Called', '4:b:Called']);
    t.deepEqual(await summary(5, 100, { eventTypes: ['Called', 'Stopped'] }), ['5:c:Called', '6:c:Stopped']);
    t.deepEqual(await summary(1, 100, { eventTypes: ['Unknown'] }), []);
  });

  contract('readStream reads from a version, up to a limit, of some event types', async (t, store) => {
    await store.append('s', [event('A'), event('B'), event('A'), event('C'), event('A')], -1);
    await store.append('other', [event('A')], -1);
    const versions = async (...args: Parameters<EventStore['readStream']>) =>
      (await store.readStream(...args)).map((e) => `${e.stream_version}${e.event_type}`);

    t.deepEqual(await versions('s'), ['0A', '1B', '2A', '3C', '4A']);
    t.deepEqual(await versions('s', 2), ['2A', '3C', '4A']);
    t.deepEqual(await versions('s', 1, { limit: 2 }), ['1B', '2A']);
    t.deepEqual(await versions('s', 0, { eventTypes: ['A'] }), ['0A', '2A', '4A']);
    t.deepEqual(await versions('s', 1, { eventTypes: ['A', 'C'], limit: 2 }), ['2A', '3C']);
    t.deepEqual(await versions('s', 5), []);
    t.deepEqual(await versions('s', 0, { newestFirst: true }), ['4A', '3C', '2A', '1B', '0A']);
    t.deepEqual(await versions('s', 0, { eventTypes: ['B', 'C'], limit: 1, newestFirst: true }), ['3C']);
    t.deepEqual(await versions('s', 2, { eventTypes: ['B'], limit: 1, newestFirst: true }), []);
  });

  contract('countStream counts one stream, of some event types', async (t, store) => {
    await store.append('s', [event('A'), event('B'), event('A')], -1);
    await store.append('other', [event('A')], -1);
    t.is(await store.countStream('s'), 3);
    t.is(await store.countStream('s', ['A']), 2);
    t.is(await store.countStream('s', ['B', 'C']), 1);
    t.is(await store.countStream('s', ['C']), 0);
  });

  contract('data and metadata round-trip as JSON', async (t, store) => {
    const data = {
      _version: 2,
      text: 'héllo wörld — 日本語 עברית 👩‍🚀 e\u0301',
      escapes: 'quote " backslash \\ newline \n tab \t nul \u0000 line-sep \u2028',
      numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER, -0.000123],
      flags: { yes: true, no: false, nothing: null },
      empty: { list: [], object: {}, string: '' },
      deep: { a: { b: { c: { d: [{ e: ['f', { g: 'h' }] }] } } } },
      'odd.key "with" ключ': 1,
    };
    const metadata = { event_id: 'e-1', timestamp: '2026-01-01T00:00:00.000Z', mcp_server_id: 'math ∑' };
    await store.append('s', [event('Weird', data, metadata)], -1);
    const [stored] = await store.readStream('s');
    t.deepEqual(stored!.data, data);
    t.deepEqual(stored!.metadata, metadata);
    t.deepEqual((await store.readAll())[0], stored);
  });

  contract('created_at is an ISO 8601 timestamp', async (t, store) => {
    await store.append('s', events(1), -1);
    const [stored] = await store.readAll();
    t.is(new Date(stored!.created_at).toISOString(), stored!.created_at);
  });

  contract('events read back are copies: mutating input or output changes no history', async (t, store) => {
    const appended = event('Mutable', { list: [1], nested: { value: 'original' } }, { event_id: 'e' });
    await store.append('s', [appended], -1);
    (appended.data.list as number[]).push(2);
    (appended.data.nested as Record<string, unknown>).value = 'changed after append';

    const [read] = await store.readStream('s');
    (read!.data.list as number[]).push(3);
    read!.metadata.event_id = 'changed after read';

    const [again] = await store.readAll();
    t.deepEqual(again!.data, { list: [1], nested: { value: 'original' } });
    t.deepEqual(again!.metadata, { event_id: 'e' });
  });

  contract('a rejected append leaves the store usable', async (t, store) => {
    await store.append('s', events(1), -1);
    await t.throwsAsync(store.append('s', events(1), -1), { instanceOf: ConcurrencyError });
    const result = await store.append('s', events(1), 0);
    t.is(result.next_expected_version, 1);
    t.true(result.positions[0]! > 1);
    t.is(await store.countStream('s'), 2);
  });

  const FUTURE = () => new Date(Date.now() + 60_000);

  contract('prune deletes old events of the given types; prunedThrough names the highest deleted', async (t, store) => {
    t.is(await store.prunedThrough(), 0);
    await store.append('a', [event('Noise'), event('Keep'), event('Noise'), event('Keep')], -1);
    await store.append('b', [event('Noise'), event('Other')], -1);
    t.deepEqual(await store.prune([{ eventTypes: ['Noise'], before: new Date(Date.now() - 60_000) }]), {
      deleted: 0,
      pruned_through: 0,
    });
    t.deepEqual(await store.prune([{ eventTypes: ['Noise'], before: FUTURE() }], { batchSize: 1 }), {
      deleted: 3,
      pruned_through: 5,
    });
    t.is(await store.prunedThrough(), 5);
    t.deepEqual(
      (await store.readAll()).map((e) => [e.global_position, e.event_type]),
      [
        [2, 'Keep'],
        [4, 'Keep'],
        [6, 'Other'],
      ],
    );
    t.deepEqual(
      (await store.readAll(1, 1)).map((e) => e.global_position),
      [2],
    );
    t.is(await store.countStream('a'), 2);
    t.deepEqual(
      (await store.readStream('a', 1)).map((e) => e.stream_version),
      [1, 3],
    );
  });

  contract("prune keeps each stream's newest event: versions and positions go on", async (t, store) => {
    await store.append('a', [event('Noise'), event('Noise')], -1);
    await store.append('b', [event('Noise')], -1);
    const result = await store.prune([{ eventTypes: ['Noise'], before: FUTURE() }]);
    t.deepEqual(result, { deleted: 1, pruned_through: 1 });
    t.is(await store.streamVersion('a'), 1);
    t.is(await store.streamVersion('b'), 0);
    t.is(await store.lastPosition(), 3);
    await t.throwsAsync(store.append('a', [event('Late')], 0), { instanceOf: ConcurrencyError });
    t.deepEqual(await store.append('a', [event('Late')], 1), { next_expected_version: 2, positions: [4] });
    t.deepEqual(await store.append('c', [event('New')], -1), { next_expected_version: 0, positions: [5] });
  });

  contract('prune applies each rule with its own cutoff', async (t, store) => {
    await store.append('a', [event('Short'), event('Long'), event('Short'), event('Long'), event('End')], -1);
    const result = await store.prune([
      { eventTypes: ['Short'], before: FUTURE() },
      { eventTypes: ['Long'], before: new Date(Date.now() - 60_000) },
    ]);
    t.is(result.deleted, 2);
    t.deepEqual(
      (await store.readStream('a')).map((e) => e.event_type),
      ['Long', 'Long', 'End'],
    );
  });

  contract('close waits for pending appends; afterwards every call rejects', async (t, store) => {
    const pending = store.append('s', events(3), -1);
    await store.close();
    t.is((await pending).next_expected_version, 2);

    const closed = { message: /closed/ };
    await t.throwsAsync(() => store.append('s', events(1), 'any'), closed);
    await t.throwsAsync(() => store.readStream('s'), closed);
    await t.throwsAsync(() => store.readAll(), closed);
    await t.throwsAsync(() => store.countStream('s'), closed);
    await t.throwsAsync(() => store.streamVersion('s'), closed);
    await t.throwsAsync(() => store.lastPosition(), closed);
    await t.throwsAsync(() => store.prune([]), closed);
    await t.throwsAsync(() => store.prunedThrough(), closed);
    await t.notThrowsAsync(() => store.close(), 'closing twice is harmless');
  });
}
