import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
  type StreamableHTTPReconnectionOptions,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { transportFields } from '../config/ServerConfigSchema.js';
import type { ServerLogLine, TransportFactory } from '../extensions/transports.js';

/** Tuning of the `remote` transport. */
export interface RemoteTransportOptions {
  /** How the streamable HTTP client retries a dropped GET stream; the SDK's defaults when absent. */
  readonly reconnection?: StreamableHTTPReconnectionOptions;
  /** How long `stop()` waits for the server to acknowledge the session's DELETE. Default 1000. */
  readonly terminateTimeoutMs?: number;
  /**
   * How long an HTTP request may take to get its response headers while connecting (the first POST,
   * the legacy SSE stream) and for every GET stream. Default 10 000. POSTs after the connection is
   * up are not limited here: a server may answer a long tool call with plain JSON only when it is
   * done, so how long a request may run is each request's own timeout, which `UpstreamClient`
   * applies (and which sends `notifications/cancelled` when it fires).
   */
  readonly connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The fields of a `remote` server: the MCP endpoint URL and the HTTP headers sent with every request. */
export const remoteConfigSchema = z.strictObject({
  endpoint: z.url({ error: (issue) => (issue.input === undefined ? 'is required for mode remote' : undefined) }),
  headers: z.record(z.string(), z.string()).default({}),
});

/** A `remote` server's own fields, validated. */
export type RemoteConfig = z.output<typeof remoteConfigSchema>;

/**
 * Creates the `remote` transport: streamable HTTP to `endpoint`, falling back to legacy HTTP+SSE when
 * the endpoint refuses the first POST with a 4xx other than 401/403 (the MCP spec's compatibility rule).
 */
export function createRemoteTransport(options: RemoteTransportOptions = {}): TransportFactory {
  return {
    mode: 'remote',
    configSchema: remoteConfigSchema,
    restartFields: ['endpoint', 'headers'],
    // Headers carry bearer tokens and API keys; a password in the endpoint URL is masked by the redactor's own rule.
    secretFields: ['headers'],
    open(context) {
      const log = (line: string) => context.onLog({ timestamp: new Date().toISOString(), line, stream: 'system' });
      // Nothing to connect yet (streamable HTTP has no handshake before the first POST), hence not async.
      try {
        const { endpoint, headers } = transportFields(remoteConfigSchema, context.config);
        const transport = new RemoteTransport(new URL(endpoint), headers, options, log);
        return Promise.resolve({ transport, stop: () => transport.close() });
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}

/** The kernel's `remote` transport with default settings. */
export const remoteTransport: TransportFactory = createRemoteTransport();

type Inner = StreamableHTTPClientTransport | SSEClientTransport;

class RemoteTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private readonly streamable: StreamableHTTPClientTransport;
  private inner: Inner;
  private negotiated: Promise<void> | undefined;
  /** True once the first message went through, i.e. the wire protocol is settled. */
  private connected = false;
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly options: RemoteTransportOptions,
    private readonly log: (line: ServerLogLine['line']) => void,
  ) {
    this.streamable = new StreamableHTTPClientTransport(url, {
      requestInit: { headers },
      fetch: this.watchedFetch,
      ...(options.reconnection === undefined ? {} : { reconnectionOptions: options.reconnection }),
    });
    this.inner = this.attach(this.streamable);
  }

  get sessionId(): string | undefined {
    return this.inner instanceof StreamableHTTPClientTransport ? this.inner.sessionId : undefined;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closing !== undefined) throw new Error('Not connected');
    if (this.negotiated === undefined) {
      this.negotiated = this.negotiate(message, options);
      return this.negotiated;
    }
    await this.negotiated;
    const inner = this.inner;
    await (inner instanceof StreamableHTTPClientTransport ? inner.send(message, options) : inner.send(message));
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion(version);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const inner = this.inner;
    if (inner instanceof StreamableHTTPClientTransport && inner.sessionId !== undefined) {
      // Ending the session politely spares the server a leaked session per idle stop.
      await withTimeout(inner.terminateSession(), this.options.terminateTimeoutMs ?? 1000).catch(() => {});
    }
    await inner.close();
    this.fireClose();
  }

  /** Sends the first message, deciding on the way whether the endpoint speaks streamable HTTP or SSE. */
  private async negotiate(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const streamable = this.streamable;
    try {
      await streamable.send(message, options);
      this.connected = true;
      return;
    } catch (error) {
      if (!(error instanceof StreamableHTTPError) || !speaksLegacySse(error.code)) throw error;
      this.log(`${this.url.href} answered HTTP ${error.code} to streamable HTTP; falling back to legacy SSE`);
    }
    this.detach(streamable);
    await streamable.close();
    if (this.closing !== undefined) throw new Error('Not connected');
    const sse = this.attach(
      new SSEClientTransport(this.url, { requestInit: { headers: this.headers }, fetch: this.watchedFetch }),
    );
    this.inner = sse;
    try {
      await sse.start();
      await sse.send(message);
    } catch (error) {
      this.detach(sse);
      await sse.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${this.url.href} speaks neither streamable HTTP nor legacy SSE: ${reason}`, { cause: error });
    }
    this.connected = true;
  }

  /**
   * Every HTTP request goes through here so a vanished server is noticed: the SDK reports these
   * failures only through `onerror` and keeps retrying, never calling `onclose`.
   */
  private readonly watchedFetch: FetchLike = async (url, init) => {
    const limited = !this.connected || init?.method !== 'POST';
    let response: Response;
    try {
      response = await (limited ? this.fetchWithin(url, init) : fetch(url, { ...init, signal: isolated(init?.signal) }));
    } catch (error) {
      if (this.connected && init?.signal?.aborted !== true) {
        this.connectionLost(`${this.url.href} is unreachable: ${describe(error)}`);
      }
      throw error;
    }
    // Only POSTs: a 404 on the optional GET stream can mean "no stream here" rather than "session gone".
    if (this.connected && response.status === 404 && init?.method === 'POST') {
      this.connectionLost(`${this.url.href} no longer knows this session (HTTP 404)`);
    }
    return response;
  };

  /** `fetch` that gives up when the response headers take longer than the connect timeout. */
  private async fetchWithin(url: string | URL, init: RequestInit | undefined): Promise<Response> {
    const ms = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`${this.url.href} did not answer within ${ms} ms`)), ms);
    // AbortSignal.any holds its sources weakly, so the SDK's long-lived signal gathers no listeners.
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
    try {
      // Only the wait for the headers is limited: the timer is cleared before the body streams.
      return await fetch(url, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
  }

  private attach<T extends Inner>(inner: T): T {
    inner.onmessage = (message) => this.onmessage?.(message);
    inner.onerror = (error) => this.innerError(inner, error);
    inner.onclose = () => {
      if (inner === this.inner) this.fireClose();
    };
    return inner;
  }

  private detach(inner: Inner): void {
    inner.onmessage = undefined;
    inner.onerror = undefined;
    inner.onclose = undefined;
  }

  private innerError(inner: Inner, error: Error): void {
    // Before the protocol is settled, failures surface as the rejection of the first send instead.
    if (inner !== this.inner || !this.connected || this.closing !== undefined) return;
    this.onerror?.(error);
    // eventsource would quietly reconnect into a fresh session the client never initialised.
    if (error instanceof SseError) this.connectionLost(`SSE stream from ${this.url.href} lost: ${error.message}`);
  }

  private connectionLost(reason: string): void {
    if (this.closing !== undefined) return;
    this.log(reason);
    void this.close();
  }

  private fireClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}

/**
 * The SDK passes one long-lived signal to every request of a connection, and undici adds an abort
 * listener to it per request that only GC removes: thousands of calls end in
 * MaxListenersExceededWarning and a growing listener list. `AbortSignal.any` follows its source
 * weakly, so each request gets its own signal and the shared one gathers nothing.
 */
function isolated(signal: AbortSignal | null | undefined): AbortSignal | undefined {
  return signal ? AbortSignal.any([signal]) : undefined;
}

/** 4xx means "not streamable HTTP here" unless it is about credentials, which SSE would not fix. */
function speaksLegacySse(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
