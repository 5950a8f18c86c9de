import { randomUUID } from 'node:crypto';
import type { ExecutionContext, TestFn, ThrowsExpectation } from 'ava';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerConfig } from '../config/configSchema.js';
import type { ServerLogLine, TransportFactory, UpstreamConnection } from '../extensions/transports.js';
import { nodeSpawner, type ProcessSpawner } from '../services/ProcessSpawner.js';
import {
  countCloses,
  logRecorder,
  processExists,
  settleCallbacks,
  settleWithin,
  within,
  type LogRecorder,
} from './transportProbes.js';

/** One real MCP server for one contract test, and the levers the contract pulls on it. */
export interface TransportContractUpstream {
  /** What to open it with: a server config in the transport's mode. The server offers at least one tool. */
  readonly config: McpServerConfig;
  /**
   * Makes the upstream go away on its own, without `stop()`: kill its process, close its HTTP
   * server, remove its container. Called at most once, on a connection with an initialised client.
   */
  goAway(connection: UpstreamConnection): void | Promise<void>;
  /**
   * What the connection still holds after `stop()` beyond its `pid` (which the contract checks
   * itself): a process group, a container, an open session. Empty when nothing is left.
   */
  leftovers?(connection: UpstreamConnection): readonly string[] | Promise<readonly string[]>;
  /** Releases the server; runs after the connection is stopped. */
  cleanup?(): void | Promise<void>;
}

/** A server the transport cannot reach or start, and what its failure must look like. */
export interface TransportContractUnstartable {
  /** Its config, e.g. a command that does not exist or an endpoint nobody listens on. */
  readonly config: McpServerConfig;
  /** What the error must match besides being an `Error` (ava's `throws` expectation), e.g. `{ message: /ENOENT/ }`. */
  readonly expectation?: ThrowsExpectation<Error>;
  /** Releases whatever making it took. */
  cleanup?(): void | Promise<void>;
}

/** What `transportContract` needs to exercise a transport. */
export interface TransportContractSetup {
  /** The `core.transports` contribution under test. */
  readonly factory: TransportFactory;
  /** A fresh upstream for one test. */
  upstream(): Promise<TransportContractUpstream>;
  /** A server that cannot start, for one test. */
  unstartable(): Promise<TransportContractUnstartable>;
  /**
   * Makes the upstream write `lines` to the transport's log stream (stderr, container logs), e.g.
   * by calling one of its tools through `client`. Leave it out when the transport has no log
   * stream: the contract's log test is then not registered.
   */
  readonly writeLog?: (client: Client, lines: readonly string[]) => Promise<void>;
  /** The `spawn` in the transport's context; default `nodeSpawner`. */
  readonly spawn?: ProcessSpawner;
  /** Longest any one step (open, initialize, stop, onclose) may take before it counts as a hang. Default 15 000. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const LOG_STREAMS: readonly ServerLogLine['stream'][] = ['stderr', 'stdout', 'system'];

/** What one contract test works with: an open connection to a fresh upstream. */
interface Opened {
  readonly upstream: TransportContractUpstream;
  readonly connection: UpstreamConnection;
  readonly logs: LogRecorder;
}

/**
 * The behaviour every transport (`core.transports` contribution) must have: registers one ava test
 * per rule, titled `<name>: …`, each against a fresh upstream from `setup`. The rules:
 *
 * - `open` resolves a connection through which a real SDK `Client` completes `initialize` and `tools/list`;
 * - `onclose` fires exactly once when the upstream goes away on its own, and when `stop()` is called
 *   (before or after MCP traffic);
 * - `stop()` resolves, is idempotent, and leaves nothing running: a transport's `pid` is gone, and
 *   so is whatever `leftovers` reports;
 * - log lines reach `onLog` in order, well-formed (only when the setup has `writeLog`);
 * - a server that cannot start rejects `open` (or the `initialize` through it) with an `Error`, and does not hang.
 *
 * `test` is the caller's own ava `test`, so the tests land in the caller's run even when a plugin
 * brings its own copy of ava; this module imports ava's types only. Transport-specific behaviour
 * (fallbacks, process groups, timeouts) is tested beside it.
 *
 * @example
 * ```ts
 * import test from 'ava';
 * import { mcpServerConfigSchema } from '@hangar/core';
 * import { transportContract } from '@hangar/core/testing';
 *
 * transportContract(test, 'docker', {
 *   factory: dockerTransport,
 *   upstream: async () => ({
 *     config: mcpServerConfigSchema.parse({ mode: 'docker', image: 'mcp/everything' }),
 *     goAway: (connection) => killContainerOf(connection),
 *   }),
 *   unstartable: async () => ({ config: mcpServerConfigSchema.parse({ mode: 'docker', image: 'no/such-image' }) }),
 * });
 * ```
 */
export function transportContract(test: TestFn, name: string, setup: TransportContractSetup): void {
  const timeoutMs = setup.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bounded = <T>(promise: Promise<T>, what: string) => within(promise, timeoutMs, `${name}: ${what}`);

  // Unbounded: the caller decides whether a slow open is a failure or the thing being measured.
  const openUnbounded = async (t: ExecutionContext, config: McpServerConfig, logs: LogRecorder) => {
    const context = { serverId: 'contract', config, onLog: logs.onLog, spawn: setup.spawn ?? nodeSpawner };
    const connection = await setup.factory.open(context);
    t.teardown(() => reap(connection, timeoutMs));
    return connection;
  };
  const open = (t: ExecutionContext, config: McpServerConfig, logs: LogRecorder) =>
    bounded(openUnbounded(t, config, logs), 'open()');

  const contract = (title: string, body: (t: ExecutionContext, opened: Opened) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const upstream = await setup.upstream();
      // Registered first so it runs last: the connection's teardown stops it before the server goes.
      t.teardown(() => upstream.cleanup?.());
      const logs = logRecorder();
      const connection = await open(t, upstream.config, logs);
      await body(t, { upstream, connection, logs });
    });

  const connectClient = async (t: ExecutionContext, connection: UpstreamConnection): Promise<Client> => {
    const client = new Client({ name: 'hangar-transport-contract', version: '1.0.0' });
    await bounded(client.connect(connection.transport, { timeout: timeoutMs }), 'initialize');
    t.teardown(() => client.close());
    return client;
  };

  const assertNothingLeft = async (t: ExecutionContext, { upstream, connection }: Opened) => {
    if (connection.pid !== undefined) t.false(processExists(connection.pid), `process ${connection.pid} outlived stop()`);
    if (upstream.leftovers) t.deepEqual(await upstream.leftovers(connection), [], 'left running after stop()');
  };

  // A hang must not pass for the rejection being checked, so the deadline is not an error here.
  const rejectsWithin = async (t: ExecutionContext, promise: Promise<unknown>, what: string): Promise<unknown> => {
    const outcome = await settleWithin(promise, timeoutMs);
    if (outcome.status === 'rejected') return outcome.reason;
    t.fail(`${name}: ${what} ${outcome.status === 'timeout' ? `did not settle within ${timeoutMs} ms` : 'succeeded'}`);
    return undefined;
  };

  contract('open resolves a connection a real SDK Client initializes and lists tools through', async (t, { connection }) => {
    t.is(typeof connection.stop, 'function');
    t.true(connection.pid === undefined || Number.isInteger(connection.pid));
    const client = await connectClient(t, connection);
    t.truthy(client.getServerVersion(), 'the server answered initialize');
    const { tools } = await bounded(client.listTools(), 'tools/list');
    t.true(tools.length > 0, 'the upstream lists its tools');
  });

  contract('onclose fires exactly once when the upstream goes away on its own', async (t, opened) => {
    const { connection, upstream } = opened;
    const closes = countCloses(connection);
    const client = await connectClient(t, connection);
    await bounded(client.listTools(), 'tools/list');
    await upstream.goAway(connection);
    // A transport may only notice on its next request (HTTP has no connection to watch): that one fails.
    await rejectsWithin(t, client.ping(), 'a request after the upstream went away');
    await bounded(closes.closed, 'onclose after the upstream went away');
    await bounded(connection.stop(), 'stop()');
    await settleCallbacks();
    t.is(closes.count(), 1);
    if (connection.pid !== undefined) t.false(processExists(connection.pid), `process ${connection.pid} is still there`);
  });

  contract('stop() resolves, is idempotent, and fires onclose exactly once', async (t, { connection }) => {
    const closes = countCloses(connection);
    const client = await connectClient(t, connection);
    await bounded(client.listTools(), 'tools/list');
    await bounded(Promise.all([connection.stop(), connection.stop()]), 'two concurrent stop() calls');
    await bounded(connection.stop(), 'stop() once stopped');
    await settleCallbacks();
    t.is(closes.count(), 1);
    await t.throwsAsync(
      connection.transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      undefined,
      'sent after stop()',
    );
  });

  contract('stop() right after open, before any MCP traffic, resolves and fires onclose once', async (t, opened) => {
    const closes = countCloses(opened.connection);
    await bounded(Promise.all([opened.connection.stop(), opened.connection.stop()]), 'stop() before initialize');
    await settleCallbacks();
    t.is(closes.count(), 1);
    await assertNothingLeft(t, opened);
  });

  contract('after stop() nothing the connection started is left running', async (t, opened) => {
    const client = await connectClient(t, opened.connection);
    await bounded(client.listTools(), 'tools/list');
    await bounded(opened.connection.stop(), 'stop()');
    await assertNothingLeft(t, opened);
  });

  const writeLog = setup.writeLog;
  if (writeLog !== undefined) {
    contract('log lines reach onLog in order, each stamped and on a known stream', async (t, { connection, logs }) => {
      const client = await connectClient(t, connection);
      const tag = randomUUID();
      const lines = [1, 2, 3, 4, 5].map((n) => `contract ${tag} line ${n}`);
      await bounded(writeLog(client, lines), 'writeLog');
      await bounded(logs.waitForAll(lines), 'the log lines');
      t.deepEqual(
        logs.lines.filter((line) => lines.includes(line.line)).map((line) => line.line),
        lines,
      );
      for (const line of logs.lines) {
        t.true(LOG_STREAMS.includes(line.stream), `stream ${line.stream}`);
        t.is(new Date(line.timestamp).toISOString(), line.timestamp, 'an ISO 8601 timestamp');
      }
    });
  }

  test(`${name}: a server that cannot start fails open or initialize with an Error, without hanging`, async (t) => {
    const unstartable = await setup.unstartable();
    t.teardown(() => unstartable.cleanup?.());
    let connection: UpstreamConnection | undefined;
    const attempt = async () => {
      // Some transports reach nothing in open() (HTTP has no handshake); then initialize is what fails.
      connection = await openUnbounded(t, unstartable.config, logRecorder());
      // No request timeout of the SDK's own: its timeout error would pass for the failure checked here.
      await new Client({ name: 'hangar-transport-contract', version: '1.0.0' }).connect(connection.transport);
    };
    const reason = await rejectsWithin(t, attempt(), 'open + initialize of a server that cannot start');
    if (reason === undefined) return;
    t.true(reason instanceof Error, 'rejects with an Error');
    t.not((reason as Error).message, '', 'the error says what failed');
    if (unstartable.expectation) await t.throwsAsync(Promise.reject(reason as Error), unstartable.expectation);
    if (connection === undefined) return;
    await bounded(connection.stop(), 'stop() after a failed start');
    if (connection.pid !== undefined) t.false(processExists(connection.pid), `process ${connection.pid} outlived stop()`);
  });
}

/** Teardown: stops the connection, and kills its process if it survived (so one failure does not leak into the next). */
async function reap(connection: UpstreamConnection, timeoutMs: number): Promise<void> {
  await settleWithin(connection.stop(), timeoutMs);
  if (connection.pid !== undefined && processExists(connection.pid)) {
    try {
      process.kill(connection.pid, 'SIGKILL');
    } catch {
      // Gone between the check and the signal.
    }
  }
}
