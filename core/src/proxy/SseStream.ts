import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Clock, TimerHandle } from '../services/Clock.js';

/** The SDK's default interval of SSE keep-alive comments (`DEFAULT_SSE_KEEP_ALIVE_MS`). */
export const SSE_KEEP_ALIVE_MS = 15_000;

const KEEP_ALIVE_FRAME = ': keepalive\n\n';

/** Options of one stream. */
export interface SseStreamOptions {
  /** Sent as `mcp-session-id`, as the SDK does on every stream once the session has an id. */
  readonly sessionId: string | undefined;
  readonly clock: Clock;
  /** Interval of `: keepalive` comments; `0` disables them. */
  readonly keepAliveMs: number;
  /** Send the headers now, before any event (a GET stream: the client waits for them). */
  readonly flushHeaders?: boolean;
}

/**
 * One `text/event-stream` response written straight to a Node `ServerResponse`, framed as the
 * SDK's streamable HTTP server transport frames it (`event: message` + `data: <json>`, no event
 * ids: Hangar keeps no event store, so there is nothing to resume and no priming event), with the
 * same headers and the same keep-alive comments so proxies and idle timeouts leave a quiet stream
 * alone.
 *
 * Each event is one `res.write` (Node corks the socket for the rest of the tick, so events written
 * together leave as one packet), and the last one goes out with `res.end`, so a stream that carries
 * one event costs the same writes as a JSON body.
 */
export class SseStream {
  private keepAlive: TimerHandle | undefined;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseStreamOptions,
  ) {
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    };
    if (options.sessionId !== undefined) headers['mcp-session-id'] = options.sessionId;
    res.writeHead(200, headers);
    if (options.flushHeaders) res.flushHeaders();
    this.armKeepAlive();
  }

  /** Whether events can still be written (not ended, the client still there). */
  get writable(): boolean {
    return !this.ended && !this.res.destroyed;
  }

  /** Writes one message event (nothing once the stream is over). */
  send(message: JSONRPCMessage): void {
    if (this.writable) this.res.write(frame(message));
  }

  /** Ends the stream, with `last` as its final event when given. */
  end(last?: JSONRPCMessage): void {
    if (this.ended) return;
    this.stop();
    if (this.res.destroyed) return;
    if (last === undefined) this.res.end();
    else this.res.end(frame(last));
  }

  /** Writes a keep-alive comment now: the headers go out, and the client sees the stream is alive. */
  ping(): void {
    if (this.writable) this.res.write(KEEP_ALIVE_FRAME);
  }

  /** Stops the keep-alive without ending the response (the client went away). */
  stop(): void {
    this.ended = true;
    this.keepAlive?.cancel();
    this.keepAlive = undefined;
  }

  private armKeepAlive(): void {
    const { keepAliveMs, clock } = this.options;
    if (!(keepAliveMs > 0)) return;
    this.keepAlive = clock.setTimeout(() => {
      if (!this.writable) return;
      this.ping();
      this.armKeepAlive();
    }, keepAliveMs);
  }
}

/** The SSE frame of one message, exactly as the SDK writes it. */
export function frame(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
