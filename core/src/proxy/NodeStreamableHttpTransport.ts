import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId, RequestInfo } from '@modelcontextprotocol/sdk/types.js';
import { systemClock, type Clock } from '../services/Clock.js';
import { PostExchange } from './PostExchange.js';
import { SSE_KEEP_ALIVE_MS, SseStream } from './SseStream.js';
import {
  checkContentType,
  checkGetAccept,
  checkPostAccept,
  checkProtocolVersion,
  checkSession,
  isInitializeMessage,
  isRequestMessage,
  parseMessages,
  writeRefusal,
  type Refusal,
} from './streamableHttpRules.js';

/** Unrelated messages kept while no standalone stream is open; beyond this the oldest are dropped. */
export const MAX_BACKLOG = 100;

/** How a transport is built. */
export interface NodeStreamableHttpTransportOptions {
  /** The session id handed out at initialize. */
  readonly sessionIdGenerator: () => string;
  /** Called (synchronously) once initialize has assigned the id. */
  readonly onsessioninitialized?: (sessionId: string) => void;
  /** Drives the keep-alive comments and the switch of a silent answer to SSE. */
  readonly clock?: Clock;
  /** Keep-alive interval of SSE streams; `0` disables it. Default 15 s, as the SDK. */
  readonly keepAliveMs?: number;
}

const ALLOW = { allow: 'GET, POST, DELETE' };

/**
 * The server side of MCP streamable HTTP (2025-03-26 … 2025-11-25) for one session, driven
 * straight from Node's `IncomingMessage`/`ServerResponse`: the SDK's
 * `WebStandardStreamableHTTPServerTransport` rebuilds every request as a web `Request` and answers
 * every call as an SSE stream, which costs more than the gateway's own work on a fast call. This
 * one validates exactly as the SDK does (same statuses, codes and messages, in the same order) and
 * answers each POST lazily (`PostExchange`): one JSON body when nothing but the responses is sent,
 * SSE from the first related message on.
 *
 * - `GET` opens the session's standalone SSE stream (409 while one is open). Unrelated messages
 *   (list_changed, log messages, resource updates, unrelated requests) sent while it is closed wait
 *   in a backlog of `MAX_BACKLOG` and go out, in order, when one opens — a client opens its GET
 *   stream only after `initialized`, and the SDK would drop them.
 * - A client that closes a POST before its answer cancels the requests it carried: the session
 *   receives `notifications/cancelled` for each, so the upstream call is cancelled too.
 * - `DELETE` closes the transport (and so the session).
 */
export class NodeStreamableHttpTransport implements Transport {
  sessionId: string | undefined;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  private started = false;
  private initialized = false;
  private closed = false;
  private readonly exchanges = new Map<RequestId, PostExchange>();
  private standalone: SseStream | undefined;
  private backlog: JSONRPCMessage[] = [];
  private readonly clock: Clock;
  private readonly keepAliveMs: number;

  constructor(private readonly options: NodeStreamableHttpTransportOptions) {
    this.clock = options.clock ?? systemClock;
    this.keepAliveMs = options.keepAliveMs ?? SSE_KEEP_ALIVE_MS;
  }

  start(): Promise<void> {
    if (this.started) return Promise.reject(new Error('Transport already started'));
    this.started = true;
    return Promise.resolve();
  }

  /** Whether a request is being answered or the standalone stream is open. */
  get busy(): boolean {
    return this.exchanges.size > 0 || this.standalone !== undefined;
  }

  /**
   * Answers one HTTP request; `body` is the parsed JSON of a POST. Resolves once the response is
   * over (written in full, or the client gone), so a caller can tell a session in use.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    if (this.closed) {
      // As the SDK: answered without an `onerror` report.
      writeRefusal(res, { status: 404, code: -32001, message: 'Session not found' });
      return Promise.resolve();
    }
    switch (req.method) {
      case 'POST':
        return this.post(req, res, body);
      case 'GET':
        return this.get(req, res);
      case 'DELETE':
        return this.delete(req, res);
      default:
        return this.refuse(res, { status: 405, code: -32000, message: 'Method not allowed.', headers: ALLOW });
    }
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      this.route(message, options?.relatedRequestId);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const exchange of new Set(this.exchanges.values())) exchange.abandon();
    this.exchanges.clear();
    this.standalone?.end();
    this.standalone = undefined;
    this.backlog = [];
    this.onclose?.();
    return Promise.resolve();
  }

  /** Puts a message on the stream it belongs to: its request's POST, or the standalone stream. */
  private route(message: JSONRPCMessage, relatedRequestId: RequestId | undefined): void {
    // Everything sent here comes from the session's own Protocol, so the shape tells a response apart.
    const response = 'result' in message || 'error' in message;
    const requestId = response ? message.id : relatedRequestId;
    if (requestId === undefined) {
      if (response)
        throw new Error('Cannot send a response on a standalone SSE stream unless resuming a previous client request');
      if (this.standalone) this.standalone.send(message);
      else if (!this.closed) {
        this.backlog.push(message);
        if (this.backlog.length > MAX_BACKLOG) this.backlog.shift();
      }
      return;
    }
    const exchange = this.exchanges.get(requestId);
    if (!exchange) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    if (response) exchange.respond(requestId, message);
    else exchange.relate(message);
  }

  private post(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const refused = checkPostAccept(req.headers) ?? checkContentType(req.headers);
    if (refused) return this.refuse(res, refused);
    const messages = parseMessages(body);
    if (!Array.isArray(messages)) return this.refuse(res, messages);

    if (messages.some(isInitializeMessage)) {
      if (this.initialized && this.sessionId !== undefined) {
        return this.refuse(res, { status: 400, code: -32600, message: 'Invalid Request: Server already initialized' });
      }
      if (messages.length > 1) {
        return this.refuse(res, {
          status: 400,
          code: -32600,
          message: 'Invalid Request: Only one initialization request is allowed',
        });
      }
      this.sessionId = this.options.sessionIdGenerator();
      this.initialized = true;
      this.options.onsessioninitialized?.(this.sessionId);
    } else {
      const invalid = checkSession(req.headers, this.initialized, this.sessionId) ?? checkProtocolVersion(req.headers);
      if (invalid) return this.refuse(res, invalid);
    }

    const extra: MessageExtraInfo = { requestInfo: new NodeRequestInfo(req) };
    const requestIds: RequestId[] = [];
    for (const message of messages)
      if (isRequestMessage(message) && !requestIds.includes(message.id)) requestIds.push(message.id);
    if (requestIds.length === 0) {
      // Notifications and responses only: accepted, no body.
      for (const message of messages) this.onmessage?.(message, extra);
      res.writeHead(202);
      res.end();
      return Promise.resolve();
    }

    return new Promise<void>((resolve) => {
      const exchange = new PostExchange(res, requestIds, {
        sessionId: this.sessionId,
        clock: this.clock,
        keepAliveMs: this.keepAliveMs,
        onEnd: (ended, clientLeft, unanswered) => {
          this.release(ended);
          if (clientLeft) this.cancel(unanswered);
          resolve();
        },
      });
      for (const id of requestIds) this.exchanges.set(id, exchange);
      try {
        for (const message of messages) this.onmessage?.(message, extra);
      } catch (error) {
        // As the SDK: a failure while dispatching drops the exchange and answers 400.
        exchange.discard();
        this.release(exchange);
        this.onerror?.(error as Error);
        if (!res.headersSent) writeRefusal(res, { status: 400, code: -32700, message: 'Parse error' }, String(error));
        resolve();
      }
    });
  }

  private get(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused =
      checkGetAccept(req.headers) ??
      checkSession(req.headers, this.initialized, this.sessionId) ??
      checkProtocolVersion(req.headers) ??
      this.checkConflict();
    if (refused) return this.refuse(res, refused);
    const stream = new SseStream(res, {
      sessionId: this.sessionId,
      clock: this.clock,
      keepAliveMs: this.keepAliveMs,
      flushHeaders: true,
    });
    this.standalone = stream;
    const waiting = this.backlog;
    this.backlog = [];
    for (const message of waiting) stream.send(message);
    return new Promise<void>((resolve) => {
      res.once('close', () => {
        stream.stop();
        // A stale close must not unregister a successor stream.
        if (this.standalone === stream) this.standalone = undefined;
        resolve();
      });
    });
  }

  private async delete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = checkSession(req.headers, this.initialized, this.sessionId) ?? checkProtocolVersion(req.headers);
    if (refused) return this.refuse(res, refused);
    await this.close();
    res.writeHead(200);
    res.end();
  }

  private checkConflict(): Refusal | undefined {
    if (this.standalone === undefined) return undefined;
    return { status: 409, code: -32000, message: 'Conflict: Only one SSE stream is allowed per session' };
  }

  /** Answers a refusal and reports it, as the SDK does, through `onerror`. */
  private refuse(res: ServerResponse, refusal: Refusal): Promise<void> {
    this.onerror?.(new Error(refusal.message));
    writeRefusal(res, refusal);
    return Promise.resolve();
  }

  private release(exchange: PostExchange): void {
    for (const id of exchange.requestIds) if (this.exchanges.get(id) === exchange) this.exchanges.delete(id);
  }

  /** The client left before these were answered: cancel them as the client would have. */
  private cancel(requestIds: readonly RequestId[]): void {
    for (const requestId of requestIds) {
      this.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: 'The client closed the HTTP connection before the answer' },
      });
    }
  }
}

/** The request's headers and URL for handlers (`extra.requestInfo`); the URL is built only if read. */
class NodeRequestInfo implements RequestInfo {
  private parsed: URL | undefined;

  constructor(private readonly req: IncomingMessage) {}

  get headers(): IncomingMessage['headers'] {
    return this.req.headers;
  }

  get url(): URL {
    this.parsed ??= urlOf(this.req);
    return this.parsed;
  }
}

function urlOf(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    return new URL(req.url ?? '/', 'http://localhost');
  }
}
