import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamProgress } from './DownstreamPeer.js';

/** A progress listener registered under a token of ours. */
export interface ProgressSubscription {
  /** The `_meta.progressToken` to put into the request. */
  readonly token: string;
  /** Forgets the token; later notifications for it are dropped. */
  release(): void;
}

/**
 * Wraps an upstream transport so progress notifications carrying one of our tokens are delivered to
 * their listener synchronously, in arrival order, as they come off the wire. Everything else passes
 * through to the SDK client unchanged.
 *
 * Why: the SDK's Protocol handles a response synchronously but dispatches notifications a microtask
 * later, so a progress notification that arrives right before its response is reported as "unknown
 * token" and lost (modelcontextprotocol/typescript-sdk#2580). Handling ours here, before the SDK sees
 * the message, means every notification reaches its listener before the response that follows it.
 */
export class ProgressInterceptor implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  private readonly listeners = new Map<string, (progress: UpstreamProgress) => void>();
  private nextToken = 1;

  /**
   * @param inner the connection's transport; its callbacks are taken over.
   * @param tokenPrefix what our tokens start with; progress for other tokens goes to the SDK.
   */
  constructor(
    private readonly inner: Transport,
    private readonly tokenPrefix = 'hangar-progress-',
  ) {
    inner.onmessage = (message, extra) => this.receive(message, extra);
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
  }

  /** The inner transport's session (streamable HTTP); the SDK client checks it on connect. */
  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  /** Registers `listener` under a fresh token, unique for this interceptor. */
  track(listener: (progress: UpstreamProgress) => void): ProgressSubscription {
    const token = `${this.tokenPrefix}${this.nextToken++}`;
    this.listeners.set(token, listener);
    return { token, release: () => this.listeners.delete(token) };
  }

  private receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if ('method' in message && !('id' in message) && message.method === 'notifications/progress') {
      const params = message.params ?? {};
      const token = params.progressToken;
      if (typeof token === 'string' && token.startsWith(this.tokenPrefix)) {
        // Ours even when late (the call already settled): the SDK would only call it an unknown token.
        this.deliver(this.listeners.get(token), params);
        return;
      }
    }
    this.onmessage?.(message, extra);
  }

  private deliver(listener: ((progress: UpstreamProgress) => void) | undefined, params: Record<string, unknown>): void {
    if (listener === undefined || typeof params.progress !== 'number') return;
    const progress: { progress: number; total?: number; message?: string } = { progress: params.progress };
    if (typeof params.total === 'number') progress.total = params.total;
    if (typeof params.message === 'string') progress.message = params.message;
    try {
      listener(progress);
    } catch (error) {
      // A failing listener must not stop the messages behind this one.
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
