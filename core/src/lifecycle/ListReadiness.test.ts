import test from 'ava';
import { pino } from 'pino';
import { McpServerUnavailableError } from '../errors.js';
import { ManualClock } from '../services/ManualClock.js';
import { ListReadiness } from './ListReadiness.js';
import type { McpServer } from './McpServer.js';

/** The part of `McpServer` that `ListReadiness` uses, driven by hand. */
class FakeServer {
  listsUnknown: boolean;
  starts = 0;
  private finish: ((error?: Error) => void) | undefined;

  constructor(
    readonly id: string,
    unknown: boolean,
    private readonly failWith?: Error,
  ) {
    this.listsUnknown = unknown;
  }

  ensureStarted(): Promise<void> {
    this.starts++;
    if (this.failWith) return Promise.reject(this.failWith);
    return new Promise((resolve, reject) => {
      this.finish = (error) => {
        if (error) reject(error);
        else {
          this.listsUnknown = false;
          resolve();
        }
      };
    });
  }

  ready(): void {
    this.finish?.();
  }
}

function setup(servers: FakeServer[], timeoutMs = 1_000) {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
  const clock = new ManualClock();
  const readiness = new ListReadiness(() => servers as unknown as McpServer[], timeoutMs, clock, logger);
  return { readiness, clock, warnings };
}

test('every known list: nothing to wait for, and nothing is started', (t) => {
  const known = new FakeServer('known', false);
  const { readiness } = setup([known]);
  t.is(readiness.wait(), undefined);
  t.is(readiness.wait(known as unknown as McpServer), undefined);
  t.is(known.starts, 0);
});

test('unknown lists are started together; failed and late ones are named in a warning; the known one is not started', async (t) => {
  const known = new FakeServer('known', false);
  const quick = new FakeServer('quick', true);
  const late = new FakeServer('late', true);
  const dead = new FakeServer(
    'dead',
    true,
    new McpServerUnavailableError("MCP server 'dead' is dead; next start attempt in 2 s"),
  );
  const { readiness, clock, warnings } = setup([known, quick, late, dead]);
  const waited = readiness.wait();
  t.not(waited, undefined);
  t.deepEqual(
    [known, quick, late, dead].map((server) => server.starts),
    [0, 1, 1, 1],
  );
  quick.ready();
  await clock.advance(1_000);
  await waited;
  t.is(warnings.length, 2);
  t.regex(warnings.find((line) => line.includes("'dead'")) ?? '', /could not start \(MCP server 'dead' is dead/);
  t.regex(warnings.find((line) => line.includes("'late'")) ?? '', /still starting after 1 s/);

  // Late and dead are still unknown: the next listing tries them again (the server applies its backoff).
  late.ready();
  const again = readiness.wait();
  t.not(again, undefined);
  await clock.advance(1_000);
  await again;
  dead.listsUnknown = false;
  t.is(readiness.wait(), undefined, 'every list known now');
  dead.listsUnknown = true;
  t.is(readiness.wait(), undefined, 'settled until invalidated (a server added or reconfigured)');
  readiness.invalidate();
  t.not(readiness.wait(), undefined);
});

test('all started before the deadline: the wait ends at once, no warning, the timer is cancelled', async (t) => {
  const server = new FakeServer('one', true);
  const { readiness, clock, warnings } = setup([server]);
  const waited = readiness.wait(server as unknown as McpServer);
  server.ready();
  await waited;
  t.is(clock.pendingTimers, 0);
  t.deepEqual(warnings, []);
});
