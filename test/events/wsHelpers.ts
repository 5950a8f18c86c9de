import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionContext } from 'ava';
import { WebSocket } from 'ws';
import { definePlugin, eventBusRef, eventSinksExtensionPoint, type EventBus, type Hangar } from '@hangar/core';
import { startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { EventStreamHub } from '../../core/src/builtins/core-event-stream/EventStreamHub.js';

/**
 * Boots Hangar (data in a fresh temp dir, `config` as its YAML when given) with a tiny plugin that
 * hands the test the real event bus. Keepalive pings are far apart: they would drop the paused
 * clients some tests use, and they are tested in the host's own tests.
 */
export async function bootWithBus(t: ExecutionContext, config?: string) {
  let bus: EventBus | undefined;
  const publisher = definePlugin({
    id: 'test-publisher',
    coreRange: '*',
    register: (env) => env.init({ deps: { b: eventBusRef }, run: ({ b }) => void (bus = b) }),
  });
  const dataDir = await tempDir(t);
  const configFile = config === undefined ? undefined : await writeIn(await tempDir(t), 'hangar.yaml', config);
  const { hangar, url, records } = await startHangar(t, {
    dataDir,
    configFile,
    extraPlugins: [{ definition: publisher }],
    wsPingIntervalMs: 600_000,
  });
  return { hangar, url, records, dataDir, bus: bus! };
}

/** One JSON frame from `/api/ws/events`. */
export type Frame = Record<string, unknown>;

/** `ws://…/api/ws/events` for a Hangar (or test server) at `baseUrl` (`http://127.0.0.1:port`). */
export function eventsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/api/ws/events`;
}

/** A `ws` client of `/api/ws/events` that keeps every frame it receives, in order. */
export interface EventsClient {
  readonly socket: WebSocket;
  readonly frames: Frame[];
  /** Sends one message (objects as JSON, strings as they are). */
  send(message: unknown): void;
  /** The event frames received so far (those with an `event_type`). */
  events(): Frame[];
  /** Waits until `check` holds over the frames received so far (checked on every frame; bounded by `limitMs`). */
  waitFor(check: (frames: Frame[]) => boolean, what: string, limitMs?: number): Promise<void>;
  /** Closes the connection and waits for the close to complete. */
  close(): Promise<void>;
}

/** Opens an events client; terminated at test end. */
export async function connectEvents(t: ExecutionContext, baseUrl: string): Promise<EventsClient> {
  const socket = new WebSocket(eventsUrl(baseUrl));
  const frames: Frame[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Frame));
  t.teardown(() => socket.terminate());
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return {
    socket,
    frames,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    events: () => frames.filter((frame) => typeof frame.event_type === 'string'),
    waitFor: (check, what, limitMs) => waitForFrames(socket, () => check(frames), what, limitMs),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === socket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

/** How long a wait for frames may take before the test fails (a bound, not a pace). */
const WAIT_LIMIT_MS = 20_000;

/** Resolves once `holds()` is true, re-checked on each frame `socket` receives; rejects past `limitMs` or on close. */
export function waitForFrames(socket: WebSocket, holds: () => boolean, what: string, limitMs = WAIT_LIMIT_MS): Promise<void> {
  if (holds()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off('message', check).off('close', closed);
      if (error) reject(error);
      else resolve();
    };
    // Runs after the collecting listener (registered first), so the new frame is already counted.
    const check = () => {
      if (holds()) done();
    };
    const closed = () => done(holds() ? undefined : new Error(`connection closed while waiting for ${what}`));
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), limitMs);
    socket.on('message', check).on('close', closed);
  });
}

/** Sends a subscribe and waits for its `subscribed` ack; returns the ack. */
export async function subscribe(client: EventsClient, message: Frame): Promise<Frame> {
  const before = client.frames.filter((frame) => frame.type === 'subscribed').length;
  client.send({ type: 'subscribe', ...message });
  await client.waitFor((frames) => frames.filter((frame) => frame.type === 'subscribed').length > before, 'the subscribed ack');
  return client.frames.filter((frame) => frame.type === 'subscribed')[before]!;
}

/** The `global_position`s of event frames. */
export function positionsOf(frames: readonly Frame[]): number[] {
  return frames.filter((frame) => typeof frame.event_type === 'string').map((frame) => frame.global_position as number);
}

/** Why `positions` is not `first, first+1, …, last` (strictly increasing, no gap), or undefined. */
export function gapIn(positions: readonly number[], first: number, last: number): string | undefined {
  if (positions.length !== last - first + 1)
    return `expected ${last - first + 1} positions ${first}..${last}, got ${positions.length}`;
  const wrong = positions.findIndex((position, index) => position !== first + index);
  return wrong === -1 ? undefined : `position #${wrong} is ${positions[wrong]}, expected ${first + wrong}`;
}

/**
 * A client that completes the WebSocket handshake over a plain TCP socket and then stops reading
 * (the socket is paused), until `resume()`; from then on it parses the server's frames itself.
 */
export interface PausedClient {
  readonly frames: Frame[];
  /** Starts reading: the frames the server kept or sends from now on land in `frames`. */
  resume(): void;
}

/** Opens a paused raw client to `/api/ws/events`; destroyed at test end. */
export function connectPausedClient(t: ExecutionContext, baseUrl: string): Promise<PausedClient> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/api/ws/events`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    req.on('response', (res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      socket.pause();
      t.teardown(() => socket.destroy());
      const frames: Frame[] = [];
      const parser = frameParser((text) => frames.push(JSON.parse(text) as Frame));
      resolve({
        frames,
        resume: () => {
          if (head.length > 0) parser(head);
          socket.on('data', parser);
          socket.resume();
        },
      });
    });
    req.end();
  });
}

/** Finds the `/api/ws/events` hub of a running Hangar (it is the `websocket-events` event sink). */
export function hubOf(hangar: Hangar): EventStreamHub {
  const hub = hangar.extensions.get(eventSinksExtensionPoint).find((sink) => sink instanceof EventStreamHub);
  if (!hub) throw new Error('no EventStreamHub among the event sinks');
  return hub;
}

/** Parses unmasked server frames (RFC 6455 §5.2) from a byte stream; text frames go to `onText`. */
function frameParser(onText: (text: string) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      const opcode = pending[0]! & 0x0f;
      let length = pending[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        offset = 10;
      }
      if (pending.length < offset + length) return;
      const payload = pending.subarray(offset, offset + length);
      pending = pending.subarray(offset + length);
      // Hangar sends every JSON frame whole (FIN set); pings and the close frame are not JSON.
      if (opcode === 0x1) onText(payload.toString('utf8'));
    }
  };
}
