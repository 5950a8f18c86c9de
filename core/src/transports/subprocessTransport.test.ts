import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ServerConfigSchema } from '../config/ServerConfigSchema.js';
import type { ServerLogLine, UpstreamConnection } from '../extensions/transports.js';
import { nodeSpawner, type ProcessSpawner } from '../services/ProcessSpawner.js';
import { transportContract } from '../testing/index.js';
import { processExists } from '../testing/transportProbes.js';
import { createSubprocessTransport, subprocessTransport } from './subprocessTransport.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));
const echoServer = [process.execPath, fixture('echo-server.mjs')];
const quick = createSubprocessTransport({ stdinGraceMs: 300, termGraceMs: 300 });
const serverSchema = ServerConfigSchema.from([subprocessTransport]).schema;

/** Log lines as they arrive, with a way to wait for one. */
function logSink() {
  const lines: ServerLogLine[] = [];
  const waiters: { pattern: RegExp; resolve: (line: ServerLogLine) => void }[] = [];
  const onLog = (line: ServerLogLine) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.pattern.test(line.line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  const waitFor = (pattern: RegExp) =>
    new Promise<ServerLogLine>((resolve) => {
      const seen = lines.find((line) => pattern.test(line.line));
      if (seen === undefined) waiters.push({ pattern, resolve });
      else resolve(seen);
    });
  return { lines, onLog, waitFor };
}

async function open(
  t: ExecutionContext,
  command: string[],
  extra: { env?: Record<string, string>; cwd?: string } = {},
  factory = quick,
  spawn: ProcessSpawner = nodeSpawner,
) {
  const logs = logSink();
  const config = serverSchema.parse({ mode: 'subprocess', command, ...extra });
  const connection = await factory.open({ serverId: 'test', config, onLog: logs.onLog, spawn });
  t.teardown(() => connection.stop());
  return { connection, logs };
}

async function connectClient(t: ExecutionContext, connection: UpstreamConnection): Promise<Client> {
  const client = new Client({ name: 'transport-test', version: '1.0.0' });
  await client.connect(connection.transport);
  t.teardown(() => client.close());
  return client;
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const [first] = result.content as { type: string; text?: string }[];
  return first?.text ?? '';
}

/** Kills leftovers of a failed test so one failure does not leak processes into the next. */
function reapOnTeardown(t: ExecutionContext, pid: number): void {
  t.teardown(() => {
    if (processExists(pid)) process.kill(pid, 'SIGKILL');
  });
}

function countCloses(connection: UpstreamConnection) {
  const state = { count: 0, closed: Promise.resolve() };
  state.closed = new Promise((resolve) => {
    connection.transport.onclose = () => {
      state.count += 1;
      resolve();
    };
  });
  return state;
}

transportContract(test, 'subprocess', {
  factory: subprocessTransport,
  upstream: () =>
    Promise.resolve({
      config: serverSchema.parse({ mode: 'subprocess', command: echoServer }),
      goAway: (connection: UpstreamConnection) => void process.kill(connection.pid ?? 0, 'SIGKILL'),
      // The pid is the contract's; the group is this transport's promise (wrappers' children included).
      leftovers: (connection: UpstreamConnection) =>
        processExists(-(connection.pid ?? 0)) ? [`process group ${connection.pid}`] : [],
    }),
  unstartable: () =>
    Promise.resolve({
      config: serverSchema.parse({ mode: 'subprocess', command: ['hangar-no-such-binary', '--flag'] }),
      expectation: { message: /"hangar-no-such-binary --flag".*ENOENT/ },
    }),
  writeLog: async (client, lines) => void (await client.callTool({ name: 'log_stderr', arguments: { lines } })),
});

test('a client lists and calls tools through the spawned server', async (t) => {
  const { connection } = await open(t, echoServer, {}, subprocessTransport);
  t.is(typeof connection.pid, 'number');
  const client = await connectClient(t, connection);
  const { tools } = await client.listTools();
  t.true(tools.some((tool) => tool.name === 'echo'));
  t.is(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hello' } })), 'hello');
});

test('the process is started by the injected spawner, detached, with the configured command', async (t) => {
  const spawned: { file: string; args: readonly string[]; detached: boolean | undefined }[] = [];
  const counting: ProcessSpawner = (file, args, options) => {
    spawned.push({ file, args, detached: options.detached });
    return nodeSpawner(file, args, options);
  };
  const { connection } = await open(t, echoServer, {}, quick, counting);
  t.deepEqual(spawned, [{ file: process.execPath, args: [fixture('echo-server.mjs')], detached: true }]);
  const client = await connectClient(t, connection);
  t.is(textOf(await client.callTool({ name: 'echo', arguments: { text: 'via spawner' } })), 'via spawner');
});

test('the server leads its own process group', async (t) => {
  const { connection } = await open(t, echoServer);
  const stat = readFileSync(`/proc/${connection.pid}/stat`, 'utf8');
  const processGroup = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  t.is(connection.pid, processGroup);
});

test('an over-long stderr line is cut to 8 KiB with a marker', async (t) => {
  const { connection, logs } = await open(t, echoServer);
  const client = await connectClient(t, connection);
  await client.callTool({ name: 'log_stderr', arguments: { lines: ['é'.repeat(10_000), 'after'] } });
  const long = await logs.waitFor(/truncated/);
  t.true(Buffer.byteLength(long.line) <= 8192);
  t.regex(long.line, /^é+ …\[truncated, 20000 bytes\]$/);
  t.is(long.stream, 'stderr');
  t.like(await logs.waitFor(/^after$/), { line: 'after', stream: 'stderr' });
});

test('a server that exits on its own fails the pending call with ConnectionClosed and its exit code is logged', async (t) => {
  const { connection, logs } = await open(t, echoServer);
  const closes = countCloses(connection);
  const client = await connectClient(t, connection);
  const error = await t.throwsAsync(client.callTool({ name: 'exit', arguments: { code: 3 } }));
  t.true(error instanceof McpError);
  t.is((error as McpError).code, ErrorCode.ConnectionClosed);
  await closes.closed;
  await logs.waitFor(/exited on its own \(code 3\)/);
});

test('stopping a server that exits on stdin EOF sends it no signal', async (t) => {
  const { connection, logs } = await open(t, echoServer, {}, subprocessTransport);
  await connectClient(t, connection);
  await connection.stop();
  t.false(processExists(connection.pid ?? 0));
  t.false(logs.lines.some((line) => /SIG(TERM|KILL)/.test(line.line)));
});

test('the server gets a minimal environment plus its configured env, in its configured cwd', async (t) => {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'hangar-subprocess-'));
  t.teardown(() => rm(cwd, { recursive: true, force: true }));
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, HANGAR_SECRET: process.env.HANGAR_SECRET };
  process.env.NODE_OPTIONS = '--no-warnings';
  process.env.HANGAR_SECRET = 'do-not-leak';
  t.teardown(() => Object.assign(process.env, saved));
  const { connection } = await open(t, echoServer, { env: { GREETING: 'hi' }, cwd });
  const client = await connectClient(t, connection);
  const seen = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as {
    cwd: string;
    env: Record<string, string>;
  };
  t.is(seen.cwd, await realpath(cwd));
  t.is(seen.env.GREETING, 'hi');
  t.is(seen.env.PATH, process.env.PATH);
  t.false('NODE_OPTIONS' in seen.env);
  t.false('HANGAR_SECRET' in seen.env);
});

test('messages reach onmessage in arrival order: progress before its response', async (t) => {
  const { connection } = await open(t, echoServer);
  const order: string[] = [];
  connection.transport.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && message.method === 'notifications/progress') order.push('progress');
    else if ('id' in message && !('method' in message)) order.push(`response ${String(message.id)}`);
  };
  const client = await connectClient(t, connection);
  client.onerror = () => {}; // SDK #2580 may report the progress as "unknown token"; order is what we test.
  await client.callTool({ name: 'progress', arguments: {} }, undefined, { onprogress: () => {} });
  const last = order.at(-1) ?? '';
  t.deepEqual(order.slice(-2), ['progress', last]);
  t.regex(last, /^response /);
});

test("a wrapper's grandchild does not outlive stop() even after the wrapper exits", async (t) => {
  const sleeper = `"${process.execPath}" -e "setInterval(() => {}, 1000)" & echo "grandchild $!" >&2; exec cat >/dev/null`;
  const { connection, logs } = await open(t, ['sh', '-c', sleeper]);
  const grandchild = Number((await logs.waitFor(/^grandchild \d+$/)).line.split(' ')[1]);
  reapOnTeardown(t, grandchild);
  t.true(processExists(grandchild));
  await connection.stop();
  t.false(processExists(connection.pid ?? 0));
  t.false(processExists(grandchild));
});

test('when the server exits on its own, what it left behind in its group is reaped', async (t) => {
  const orphaning = `"${process.execPath}" -e "setInterval(() => {}, 1000)" & echo "grandchild $!" >&2; exit 5`;
  const { connection, logs } = await open(t, ['sh', '-c', orphaning]);
  const grandchild = Number((await logs.waitFor(/^grandchild \d+$/)).line.split(' ')[1]);
  reapOnTeardown(t, grandchild);
  await logs.waitFor(/exited on its own \(code 5\)/);
  // Signalled without anyone calling stop(): the orphan is not left waiting for the kernel.
  await logs.waitFor(/sending SIGTERM to process group/);
  await connection.stop();
  t.false(processExists(grandchild));
});

test('a server ignoring SIGTERM is SIGKILLed together with its whole process group', async (t) => {
  const { connection, logs } = await open(t, [process.execPath, fixture('stubborn-server.mjs')]);
  const closes = countCloses(connection);
  await connection.transport.start();
  const leader = Number((await logs.waitFor(/^leader \d+$/)).line.split(' ')[1]);
  const grandchild = Number((await logs.waitFor(/^grandchild \d+$/)).line.split(' ')[1]);
  reapOnTeardown(t, leader);
  reapOnTeardown(t, grandchild);
  t.is(connection.pid, leader);
  await connection.stop();
  t.true(logs.lines.some((line) => line.stream === 'system' && /SIGKILL/.test(line.line)));
  t.false(processExists(leader));
  t.false(processExists(grandchild));
  t.is(closes.count, 1);
});
