import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { WebSocket } from 'ws';
import { waitForFrames } from '../events/wsHelpers.js';
import { ROOT } from '../helpers/cli.js';
import type { apiClient } from '../helpers/api.js';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';

/** One JSON frame from `/api/ws/operations`. */
export type Frame = Record<string, unknown>;

/** The math example server (`slow_count {steps, delay_ms}` reports progress at each step). */
export const MATH = path.join(ROOT, 'examples', 'servers', 'math.mjs');

/** A client of `/api/ws/operations` that keeps every frame it receives, in order. */
export interface OperationsClient {
  readonly socket: WebSocket;
  readonly frames: Frame[];
  /** Sends one message (objects as JSON, strings as they are). */
  send(message: unknown): void;
  /** Sends a command and resolves with its reply (the next frame with a `status` other than `warning`). */
  reply(message: unknown): Promise<Frame>;
  /** The operation event frames of `operationId` received so far, in order. */
  eventsOf(operationId: string): Frame[];
  /** Waits until `check` holds over the frames received so far (re-checked on each frame, bounded). */
  waitFor(check: (frames: Frame[]) => boolean, what: string): Promise<void>;
  /** Waits for the terminal event (`completed` or `error`) of `operationId`. */
  waitForEnd(operationId: string): Promise<void>;
}

const isReply = (frame: Frame) => typeof frame.status === 'string' && frame.status !== 'warning';
const isTerminal = (frame: Frame) => frame.event_type === 'completed' || frame.event_type === 'error';

/** Opens a client and waits for its `connected` frame; terminated at test end. */
export async function connectOperations(t: ExecutionContext, baseUrl: string): Promise<OperationsClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/ws/operations`);
  const frames: Frame[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Frame));
  t.teardown(() => socket.terminate());
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const waitFor = (check: (frames: Frame[]) => boolean, what: string) => waitForFrames(socket, () => check(frames), what);
  const send = (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  const eventsOf = (operationId: string) =>
    frames.filter((frame) => frame.operation_id === operationId && typeof frame.event_type === 'string');
  await waitFor((received) => received.some((frame) => frame.event_type === 'connected'), 'the connected frame');
  return {
    socket,
    frames,
    send,
    eventsOf,
    waitFor,
    async reply(message) {
      const before = frames.filter(isReply).length;
      send(message);
      await waitFor((received) => received.filter(isReply).length > before, `the reply to ${JSON.stringify(message)}`);
      return frames.filter(isReply)[before]!;
    },
    waitForEnd: (operationId) => waitFor(() => eventsOf(operationId).some(isTerminal), `operation ${operationId} to end`),
  };
}

/**
 * Writes a preload module that reports, on the server's stderr, when each tool handler of an
 * SDK `McpServer` starts and ends (`tool-tap <tool> ended <request id> aborted=<bool>`): how a test
 * sees that an upstream call really stopped, not only that Hangar stopped waiting for it.
 */
export async function writeToolTap(dir: string): Promise<string> {
  const sdk = import.meta.resolve('@modelcontextprotocol/sdk/server/mcp.js');
  return writeIn(
    dir,
    'tool-tap.mjs',
    [
      `import { McpServer } from ${JSON.stringify(sdk)};`,
      'const register = McpServer.prototype.registerTool;',
      'McpServer.prototype.registerTool = function (name, config, handler) {',
      '  return register.call(this, name, config, async (...args) => {',
      '    const extra = args.at(-1);',
      '    process.stderr.write(`tool-tap ${name} started ${extra.requestId}\\n`);',
      '    try {',
      '      return await handler(...args);',
      '    } finally {',
      '      process.stderr.write(`tool-tap ${name} ended ${extra.requestId} aborted=${extra.signal.aborted}\\n`);',
      '    }',
      '  });',
      '};',
    ].join('\n'),
  );
}

/** Boots Hangar over HTTP with the math server as `math`, its tool handlers tapped (see `writeToolTap`). */
export async function startMathHangar(t: ExecutionContext) {
  const dir = await tempDir(t);
  const tap = pathToFileURL(await writeToolTap(dir)).href;
  const command = [process.execPath, '--import', tap, MATH].map((part) => JSON.stringify(part)).join(', ');
  const configFile = await writeIn(
    dir,
    'hangar.yaml',
    `mcp_servers:\n  math:\n    mode: subprocess\n    command: [${command}]\n`,
  );
  return startHangar(t, { configFile });
}

type Api = ReturnType<typeof apiClient>;

/** Starts `slow_count` on `math` through the async REST invoke; resolves with the operation id. */
export async function startSlowCount(api: Api, steps: number, delay_ms: number): Promise<string> {
  const answer = await api.post<{ operation_id: string }>('/mcp_servers/math/tools/slow_count/invoke', {
    arguments: { steps, delay_ms },
    async: true,
  });
  if (answer.status !== 202) throw new Error(`async invoke answered ${answer.status}: ${answer.text}`);
  return answer.body.operation_id;
}

/** The `event_type`s of frames, in order. */
export function typesOf(frames: readonly Frame[]): unknown[] {
  return frames.map((frame) => frame.event_type);
}
