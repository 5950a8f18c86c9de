import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { transportFields } from '../config/ServerConfigSchema.js';
import type { ServerLogLine, TransportFactory } from '../extensions/transports.js';
import type { ProcessSpawner } from '../services/ProcessSpawner.js';

/** Timings and limits of a subprocess connection; the defaults are the documented ones (README "MCP servers"). */
export interface SubprocessTransportOptions {
  /** After stdin is closed, how long the leader gets to exit on its own before SIGTERM. Default 2000. */
  readonly stdinGraceMs: number;
  /** After SIGTERM to the group, how long it gets before SIGKILL. Default 5000. */
  readonly termGraceMs: number;
  /** After SIGKILL, how long to wait for the group to disappear from the process table. Default 2000. */
  readonly killWaitMs: number;
  /** After the leader exits, how long to keep reading stdout before `onclose`. Default 100. */
  readonly exitDrainMs: number;
  /** Longest stderr line kept, in bytes, marker included. Default 8192. */
  readonly maxLogLineBytes: number;
}

const DEFAULTS: SubprocessTransportOptions = {
  stdinGraceMs: 2000,
  termGraceMs: 5000,
  killWaitMs: 2000,
  exitDrainMs: 100,
  maxLogLineBytes: 8192,
};

// Only what a well-behaved CLI needs; secrets in Hangar's own environment (and NODE_OPTIONS, which
// would inject Hangar's loaders into every node-based server) stay out unless the config names them.
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'SHELL', 'TERM'] as const;
const GROUP_POLL_MS = 25;

/**
 * The fields of a `subprocess` server: the command (a string or an argv array; `args`, Claude
 * Desktop style, is appended to it and not kept), its working directory and its environment.
 */
export const subprocessConfigSchema = z
  .strictObject({
    command: z
      .union([z.string().min(1), z.array(z.string()).min(1)], {
        error: (issue) => (issue.input === undefined ? 'is required for mode subprocess' : undefined),
      })
      .transform((command) => (typeof command === 'string' ? [command] : command)),
    args: z.array(z.string()).optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).default({}),
  })
  .overwrite(({ command, args, ...rest }) => ({ ...rest, command: [...command, ...(args ?? [])] }));

/** A `subprocess` server's own fields, validated. */
export type SubprocessConfig = z.output<typeof subprocessConfigSchema>;

/**
 * Creates the `subprocess` transport with the given timings: each connection starts the configured
 * command through the context's injected spawner, as the leader of its own process group, and speaks
 * newline-delimited JSON-RPC over its stdio.
 */
export function createSubprocessTransport(options: Partial<SubprocessTransportOptions> = {}): TransportFactory {
  const settings: SubprocessTransportOptions = { ...DEFAULTS, ...options };
  return {
    mode: 'subprocess',
    configSchema: subprocessConfigSchema,
    restartFields: ['command', 'cwd', 'env'],
    // Environments routinely carry API keys.
    secretFields: ['env'],
    async open(context) {
      const onLog = (line: ServerLogLine) => context.onLog(line);
      const config = transportFields(subprocessConfigSchema, context.config);
      const transport = new ProcessTransport(context.serverId, config, context.spawn, onLog, settings);
      await transport.spawned;
      return { transport, pid: transport.pid, stop: () => transport.stop() };
    },
  };
}

/** The kernel's `subprocess` transport with the default timings. */
export const subprocessTransport: TransportFactory = createSubprocessTransport();

class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  /** Settles once the process is running, or rejects naming the command. */
  readonly spawned: Promise<void>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<void>;
  private readonly stdoutEnded: Promise<void>;
  private readonly readBuffer = new ReadBuffer();
  private started = false;
  private closed = false;
  private stopRequested = false;
  private stopping: Promise<void> | undefined;

  constructor(
    serverId: string,
    config: SubprocessConfig,
    spawn: ProcessSpawner,
    private readonly onLog: (line: ServerLogLine) => void,
    private readonly settings: SubprocessTransportOptions,
  ) {
    const [file, ...args] = config.command;
    if (file === undefined) throw new Error(`MCP server "${serverId}" has no command to run`);
    const commandLine = [file, ...args].join(' ');
    this.child = spawn(file, args, {
      cwd: config.cwd,
      env: minimalEnv(config.env),
      // Leading its own group lets stop() signal wrappers (npx, uvx, sh -c) and everything they started.
      detached: true,
    });
    let resolveExited: () => void = () => {};
    this.exited = new Promise((resolve) => (resolveExited = resolve));
    this.spawned = new Promise((resolve, reject) => {
      this.child.once('spawn', resolve);
      this.child.on('error', (error) => {
        if (this.child.pid !== undefined) return this.reportError(error);
        const where = config.cwd === undefined ? '' : ` in ${config.cwd}`;
        const message = `Could not start MCP server "${serverId}" command "${commandLine}"${where}: ${error.message}`;
        reject(new Error(message, { cause: error }));
        resolveExited();
        this.fireClose();
      });
    });
    // Callers that never await `spawned` (a failed spawn surfaces through open()) must not crash the process.
    this.spawned.catch(() => {});
    this.child.on('exit', (code, signal) => {
      resolveExited();
      this.handleExit(code, signal);
    });
    this.stdoutEnded = new Promise((resolve) => this.child.stdout.once('end', resolve));
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      stream.on('error', (error) => this.reportError(error));
    }
    const stderr = new LineSplitter(settings.maxLogLineBytes, (line) => this.log('stderr', line));
    this.child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.child.stderr.on('end', () => stderr.end());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('Subprocess transport already started');
    this.started = true;
    // stdout stays paused until now so nothing is parsed before the client installed its callbacks.
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    await this.spawned;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child.stdin;
    if (this.closed || this.stopRequested || !stdin.writable) throw new Error('Not connected');
    await new Promise<void>((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    return this.stop();
  }

  /** Closes stdin, then SIGTERM and SIGKILL to the whole group as needed; resolves once the group is gone. */
  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    const pid = this.child.pid;
    const { stdinGraceMs, termGraceMs, killWaitMs } = this.settings;
    if (pid === undefined) return this.fireClose();
    this.stopRequested = true;
    this.child.stdin.end();
    await firstOf(this.exited, stdinGraceMs);
    // The group is signalled even when the leader has left: a wrapper's grandchildren outlive it.
    for (const [signal, graceMs] of [
      ['SIGTERM', termGraceMs],
      ['SIGKILL', killWaitMs],
    ] as const) {
      if (!groupAlive(pid)) break;
      this.log('system', `sending ${signal} to process group ${pid}`);
      signalGroup(pid, signal);
      await groupGone(pid, graceMs);
    }
    await this.exited;
    await firstOf(this.stdoutEnded, this.settings.exitDrainMs);
    this.fireClose();
  }

  private handleExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.stopRequested) {
      this.log('system', `process exited on its own (${signal === null ? `code ${code}` : `signal ${signal}`})`);
      void this.stop();
    }
    // A response written just before exit may still be in the pipe; deliver it before closing.
    void firstOf(this.stdoutEnded, this.settings.exitDrainMs).then(() => this.fireClose());
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      return this.reportError(error);
    }
    // Synchronously and in arrival order, so a progress notification is never overtaken by the response
    // after it; a line that fails to parse is already consumed, so reading goes on.
    for (;;) {
      try {
        const message = this.readBuffer.readMessage();
        if (message === null) return;
        this.onmessage?.(message);
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  private fireClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }

  private reportError(error: unknown): void {
    // Broken pipes while the process is going away are expected, not news.
    if (this.closed || this.stopRequested) return;
    this.onerror?.(error instanceof Error ? error : new Error(String(error)));
  }

  private log(stream: ServerLogLine['stream'], line: string): void {
    this.onLog({ timestamp: new Date().toISOString(), line, stream });
  }
}

function minimalEnv(configured: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key];
  return { ...env, ...configured };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group emptied between the check and the signal.
  }
}

async function groupGone(pgid: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(GROUP_POLL_MS);
}

// Deliberately ref'd timers, here and in groupGone: a shutting-down Hangar must outlive its children.
async function firstOf(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Splits a byte stream into lines, keeping at most `maxBytes` of each and marking what was cut. */
class LineSplitter {
  private pending: Buffer[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly emit: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      this.keep(chunk.subarray(start, newline));
      this.flush();
      start = newline + 1;
    }
    this.keep(chunk.subarray(start));
  }

  end(): void {
    if (this.keptBytes + this.droppedBytes > 0) this.flush();
  }

  private keep(part: Buffer): void {
    const room = Math.max(0, this.maxBytes - this.keptBytes);
    this.pending.push(part.subarray(0, room));
    this.keptBytes += Math.min(room, part.length);
    this.droppedBytes += Math.max(0, part.length - room);
  }

  private flush(): void {
    const bytes = Buffer.concat(this.pending, this.keptBytes);
    if (this.droppedBytes === 0) {
      this.emit(bytes.toString('utf8').replace(/\r$/, ''));
    } else {
      const marker = ` …[truncated, ${this.keptBytes + this.droppedBytes} bytes]`;
      this.emit(utf8Prefix(bytes, this.maxBytes - Buffer.byteLength(marker)) + marker);
    }
    this.pending = [];
    this.keptBytes = 0;
    this.droppedBytes = 0;
  }
}

// Cuts on a character boundary so a truncated line never ends in half a UTF-8 sequence.
function utf8Prefix(bytes: Buffer, maxBytes: number): string {
  let end = Math.max(0, Math.min(maxBytes, bytes.length));
  while (end > 0 && end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}
