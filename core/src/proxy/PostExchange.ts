import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Clock, TimerHandle } from '../services/Clock.js';
import { SseStream } from './SseStream.js';

/** What an exchange needs from its transport. */
export interface PostExchangeOptions {
  readonly sessionId: string | undefined;
  readonly clock: Clock;
  /** Keep-alive interval of the SSE form; also how long an answer may stay silent before switching to it. */
  readonly keepAliveMs: number;
  /**
   * Called once when the exchange is over: every answer written (`clientLeft` false) or the client
   * gone first (`clientLeft` true, with the requests still unanswered).
   */
  readonly onEnd: (exchange: PostExchange, clientLeft: boolean, unanswered: readonly RequestId[]) => void;
}

/**
 * The answer to one POST that carried JSON-RPC requests, in lazy mode: nothing is written until
 * there is something to say. If every response arrives before anything else related to the
 * requests, the answer is one `application/json` body (the single response, or an array for a
 * batch) written with one `res.end`. The first related message — progress, a log message, a
 * sampling or elicitation request on behalf of one of the requests — switches the exchange to
 * `text/event-stream` at that moment (the responses already in go out first), and the stream ends
 * after the last response. Either form is a server's choice under the MCP streamable HTTP
 * transport, and the client accepts both on every POST.
 *
 * An answer that stays silent for a keep-alive interval also switches to SSE, so the keep-alive
 * comments the SDK sends on its streams keep proxies from timing out a long call.
 */
export class PostExchange {
  private readonly answers: (JSONRPCMessage | undefined)[];
  private remaining: number;
  private sse: SseStream | undefined;
  private silence: TimerHandle | undefined;
  private over = false;

  constructor(
    private readonly res: ServerResponse,
    /** The ids of the requests this POST carried, each once. */
    readonly requestIds: readonly RequestId[],
    private readonly options: PostExchangeOptions,
  ) {
    this.answers = new Array<JSONRPCMessage | undefined>(requestIds.length);
    this.remaining = requestIds.length;
    res.on('close', this.closed);
    if (options.keepAliveMs > 0) this.silence = options.clock.setTimeout(this.silent, options.keepAliveMs);
  }

  /** The response to the request `id` (one of `requestIds`). */
  respond(id: RequestId, message: JSONRPCMessage): void {
    if (this.over) return;
    const index = this.requestIds.length === 1 ? 0 : this.requestIds.indexOf(id);
    if (index < 0 || this.answers[index] !== undefined) return;
    this.answers[index] = message;
    this.remaining -= 1;
    if (this.sse) {
      if (this.remaining === 0) this.finish(() => this.sse?.end(message));
      else this.sse.send(message);
      return;
    }
    if (this.remaining > 0) return;
    this.finish(() => this.writeJson());
  }

  /** A message related to one of the requests, sent before its response: switches to SSE. */
  relate(message: JSONRPCMessage): void {
    if (this.over) return;
    this.streaming().send(message);
  }

  /** The transport is closing: ends the answer as the SDK's stream would end, without the missing responses. */
  abandon(): void {
    if (this.over) return;
    const stream = this.streaming();
    this.finish(() => stream.end());
  }

  /** Forgets the exchange without answering (its response is being written otherwise). */
  discard(): void {
    this.over = true;
    this.cancelSilence();
    this.res.off('close', this.closed);
  }

  /** The SSE form, switching to it now if the answer has not started yet. */
  private streaming(): SseStream {
    if (this.sse) return this.sse;
    this.cancelSilence();
    const { sessionId, clock, keepAliveMs } = this.options;
    const sse = new SseStream(this.res, { sessionId, clock, keepAliveMs });
    this.sse = sse;
    for (const answer of this.answers) if (answer !== undefined) sse.send(answer);
    return sse;
  }

  private writeJson(): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.sessionId !== undefined) headers['mcp-session-id'] = this.options.sessionId;
    const body = JSON.stringify(this.answers.length === 1 ? this.answers[0] : this.answers);
    // With the length known the body goes out as is, not in chunked framing.
    headers['content-length'] = String(Buffer.byteLength(body));
    this.res.writeHead(200, headers);
    this.res.end(body);
  }

  private finish(write: () => void): void {
    this.over = true;
    this.cancelSilence();
    this.res.off('close', this.closed);
    if (!this.res.destroyed) write();
    this.options.onEnd(this, false, []);
  }

  private cancelSilence(): void {
    this.silence?.cancel();
    this.silence = undefined;
  }

  /** Nothing said for a keep-alive interval: open the stream so its keep-alive comments flow. */
  private readonly silent = (): void => {
    this.silence = undefined;
    if (!this.over && !this.sse && !this.res.destroyed && !this.res.headersSent) this.streaming().ping();
  };

  /** The connection closed before the last response: the client is gone. */
  private readonly closed = (): void => {
    if (this.over) return;
    this.over = true;
    this.cancelSilence();
    this.sse?.stop();
    const unanswered = this.requestIds.filter((_, index) => this.answers[index] === undefined);
    this.options.onEnd(this, true, unanswered);
  };
}
