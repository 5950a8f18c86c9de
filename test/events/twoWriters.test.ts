import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import test, { type ExecutionContext } from 'ava';
import { SqliteEventStore } from '../../core/src/events/store/SqliteEventStore.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WRITER = path.join(ROOT, 'test', 'fixtures', 'events-writer.ts');

/** A child process holding its own `SqliteEventStore` on `file`; `send` answers one command. */
async function startWriter(t: ExecutionContext, file: string, name: string) {
  const child = spawn(process.execPath, ['--import=tsx', '--conditions=hangar-source', WRITER, file, name], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await replies.next();
    if (done) throw new Error(`writer ${name} exited`);
    return JSON.parse(value) as unknown;
  };
  t.deepEqual(await next(), { ready: true });
  return {
    async send<Reply = Record<string, unknown>>(command: Record<string, unknown>): Promise<Reply> {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      return (await next()) as Reply;
    },
    async stop() {
      child.stdin.end();
      t.deepEqual(await exited, [0, null], `writer ${name} exits cleanly`);
    },
  };
}

async function tempStoreFile(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-two-writers-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'events.db');
}

/** The stream as a third store sees it, checked for gaps. */
async function readContested(t: ExecutionContext, file: string) {
  const store = await SqliteEventStore.open(file);
  try {
    const events = await store.readStream('contested');
    t.deepEqual(
      events.map((e) => e.stream_version),
      events.map((_, index) => index),
      'stream versions have no gap and no duplicate',
    );
    return events;
  } finally {
    await store.close();
  }
}

test('two processes appending with the same expected version: exactly one wins each round', async (t) => {
  const file = await tempStoreFile(t);
  const [a, b] = await Promise.all([startWriter(t, file, 'a'), startWriter(t, file, 'b')]);
  const rounds = 100;
  for (let round = 0; round < rounds; round++) {
    const replies = await Promise.all([
      a.send({ op: 'append', expected: round - 1 }),
      b.send({ op: 'append', expected: round - 1 }),
    ]);
    const winners = replies.filter((reply) => reply.ok);
    t.is(winners.length, 1, `round ${round}: ${JSON.stringify(replies)}`);
    t.like(winners[0], { version: round });
    t.like(
      replies.find((reply) => !reply.ok),
      { error: 'ConcurrencyError', actual_version: round },
    );
  }
  await Promise.all([a.stop(), b.stop()]);
  t.is((await readContested(t, file)).length, rounds);
});

test('two processes taking turns: each sees the other’s appends, whatever it had cached', async (t) => {
  const file = await tempStoreFile(t);
  const [a, b] = await Promise.all([startWriter(t, file, 'a'), startWriter(t, file, 'b')]);
  const rounds = 20;
  for (let round = 0; round < rounds; round++) {
    const writer = round % 2 === 0 ? a : b;
    if (round > 0) {
      // The version this writer last wrote (or nothing): stale, since the other one wrote after it.
      const stale = await writer.send({ op: 'append', expected: round - 2 });
      t.deepEqual(stale, { ok: false, error: 'ConcurrencyError', actual_version: round - 1 }, `round ${round}`);
    }
    t.deepEqual(await writer.send({ op: 'append', expected: round - 1 }), { ok: true, version: round }, `round ${round}`);
  }
  await Promise.all([a.stop(), b.stop()]);
  const events = await readContested(t, file);
  t.deepEqual(
    events.map((e) => e.data.writer),
    Array.from({ length: rounds }, (_, round) => (round % 2 === 0 ? 'a' : 'b')),
  );
});

test('two processes racing read-then-append leave one gapless stream holding every win', async (t) => {
  const file = await tempStoreFile(t);
  const [a, b] = await Promise.all([startWriter(t, file, 'a'), startWriter(t, file, 'b')]);
  type Tally = { wins: number; conflicts: number };
  const race = { op: 'race', count: 300 };
  const [fromA, fromB] = await Promise.all([a.send<Tally>(race), b.send<Tally>(race)]);
  await Promise.all([a.stop(), b.stop()]);

  const events = await readContested(t, file);
  t.is(events.filter((e) => e.data.writer === 'a').length, fromA.wins);
  t.is(events.filter((e) => e.data.writer === 'b').length, fromB.wins);
  t.is(fromA.wins + fromA.conflicts, 300);
  t.is(fromB.wins + fromB.conflicts, 300);
  t.log(`a won ${fromA.wins}, b won ${fromB.wins}; conflicts ${fromA.conflicts} + ${fromB.conflicts}`);
});
