import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListRootsRequestSchema,
  ListToolsResultSchema,
  McpError,
  ResultSchema,
  type CallToolResult,
  type ClientRequest,
  type Implementation,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CallCancelledError, HangarError, UpstreamError, UpstreamTimeoutError } from '../errors.js';
import type { UpstreamConnection } from '../extensions/transports.js';
import type { DownstreamPeer, UpstreamCallOptions } from './DownstreamPeer.js';
import { ProgressInterceptor } from './ProgressInterceptor.js';

/** Default timeout of one upstream request (README "MCP servers"). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;

/**
 * What Hangar checks of a `tools/call` result: an object whose `content` is an array of typed
 * blocks (`[]` when absent) and whose `isError`, if any, is a boolean; everything else passes
 * through as the upstream sent it. The full `CallToolResultSchema` runs once, in the downstream MCP
 * server before it answers; running it here too was a second full zod pass over every result
 * (bench profile, issue 6).
 */
const ToolCallResultSchema = z.looseObject({
  content: z.array(z.looseObject({ type: z.string() })).default([]),
  isError: z.boolean().optional(),
});

/** An MCP message without its JSON-RPC envelope. */
export interface UpstreamMessage {
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

/** What an upstream's server→client request arrived during. */
export interface UpstreamRequestContext {
  /**
   * The peer of the most recently started call in flight that has one. MCP does not say which call
   * a server→client request belongs to (stdio carries no link), so the latest caller is the best guess.
   */
  readonly peer?: DownstreamPeer;
}

/** Receives what the upstream sends on its own. */
export interface UpstreamHandlers {
  /** A server→client request from the upstream (sampling/createMessage, elicitation/create, roots/list). */
  onRequest(request: UpstreamMessage, signal: AbortSignal, context: UpstreamRequestContext): Promise<Record<string, unknown>>;
  /**
   * Every upstream notification except progress and cancelled: notifications/message,
   * notifications/{tools,resources,prompts}/list_changed, notifications/resources/updated, others.
   */
  onNotification(notification: UpstreamMessage): void;
  /** The connection ended without close() having been called (process exit, lost connection). Called once. */
  onUnexpectedClose(error?: Error): void;
}

/** How to connect. */
export interface UpstreamConnectOptions {
  readonly clientInfo: Implementation;
  /** Limit on transport start plus MCP initialize. */
  readonly timeoutMs: number;
}

type ListPage<K extends string, T> = { [key in K]: T[] } & { nextCursor?: string };

/**
 * Hangar's MCP client of one upstream server: the SDK `Client` over an `UpstreamConnection`, with
 * Hangar's errors, per-request timeouts and cancellation, and progress that is never lost (see
 * `ProgressInterceptor`). Server→client requests and notifications go to the given handlers.
 */
export class UpstreamClient {
  private closeRequested = false;
  private closed = false;
  private ready = false;
  private closing: Promise<void> | undefined;
  /** Calls in flight, oldest first, for routing server→client requests to a peer. */
  private readonly inFlight = new Set<{ readonly peer?: DownstreamPeer }>();

  private constructor(
    private readonly client: Client,
    private readonly connection: UpstreamConnection,
    private readonly interceptor: ProgressInterceptor,
    private readonly handlers: UpstreamHandlers,
  ) {
    const route = (request: UpstreamMessage, signal: AbortSignal) =>
      handlers.onRequest({ method: request.method, params: request.params }, signal, this.requestContext());
    // The SDK validates each result against the method's result schema before answering.
    client.setRequestHandler(CreateMessageRequestSchema, (request, extra) => route(request, extra.signal));
    client.setRequestHandler(ElicitRequestSchema, (request, extra) => route(request, extra.signal));
    client.setRequestHandler(ListRootsRequestSchema, (request, extra) => route(request, extra.signal));
    client.fallbackNotificationHandler = (notification) => {
      handlers.onNotification({ method: notification.method, params: notification.params });
      return Promise.resolve();
    };
    client.onclose = () => this.handleClose();
  }

  /** Starts the transport and runs MCP initialize; rejects (after stopping the connection) on failure or after timeoutMs. */
  static async connect(
    connection: UpstreamConnection,
    handlers: UpstreamHandlers,
    options: UpstreamConnectOptions,
  ): Promise<UpstreamClient> {
    const interceptor = new ProgressInterceptor(connection.transport);
    const client = new Client(options.clientInfo, {
      capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
    });
    const upstream = new UpstreamClient(client, connection, interceptor, handlers);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      const message = `initialize did not complete within ${options.timeoutMs} ms`;
      timer = setTimeout(() => reject(new UpstreamTimeoutError(message)), options.timeoutMs);
    });
    try {
      await Promise.race([client.connect(interceptor, { timeout: options.timeoutMs }), deadline]);
      if (upstream.closed) throw new UpstreamError('initialize failed: upstream connection closed');
    } catch (error) {
      const failure = upstream.toHangarError('initialize', options.timeoutMs, undefined, error);
      await upstream.close();
      throw failure;
    } finally {
      clearTimeout(timer);
    }
    upstream.ready = true;
    return upstream;
  }

  /** What the upstream declared at initialize. */
  get serverCapabilities(): ServerCapabilities {
    return this.client.getServerCapabilities() ?? {};
  }

  /** The upstream's name and version from initialize. */
  get serverInfo(): Implementation | undefined {
    return this.client.getServerVersion();
  }

  /** The upstream's instructions from initialize. */
  get instructions(): string | undefined {
    return this.client.getInstructions();
  }

  /** OS process id, for connections that own a process. */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  /** Any request; resolves with the raw result object. Throws UpstreamError / UpstreamTimeoutError / CallCancelledError. */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    options?: UpstreamCallOptions,
  ): Promise<Record<string, unknown>> {
    return this.send(method, params, ResultSchema, options);
  }

  /** `tools/call`; a result with `isError` resolves like any other. */
  callTool(name: string, args: Record<string, unknown>, options?: UpstreamCallOptions): Promise<CallToolResult> {
    return this.send('tools/call', { name, arguments: args }, ToolCallResultSchema, options) as Promise<CallToolResult>;
  }

  /** Every tool, following `nextCursor`; [] when the upstream has no tools capability. */
  listTools(timeoutMs: number): Promise<Tool[]> {
    if (this.serverCapabilities.tools === undefined) return Promise.resolve([]);
    return this.listAll('tools/list', ListToolsResultSchema, 'tools', timeoutMs);
  }

  /** Every resource; [] when the upstream has no resources capability. */
  listResources(timeoutMs: number): Promise<Resource[]> {
    if (this.serverCapabilities.resources === undefined) return Promise.resolve([]);
    return this.listAll('resources/list', ListResourcesResultSchema, 'resources', timeoutMs);
  }

  /** Every resource template; [] when the upstream has no resources capability. */
  listResourceTemplates(timeoutMs: number): Promise<ResourceTemplate[]> {
    if (this.serverCapabilities.resources === undefined) return Promise.resolve([]);
    return this.listAll('resources/templates/list', ListResourceTemplatesResultSchema, 'resourceTemplates', timeoutMs);
  }

  /** Every prompt; [] when the upstream has no prompts capability. */
  listPrompts(timeoutMs: number): Promise<Prompt[]> {
    if (this.serverCapabilities.prompts === undefined) return Promise.resolve([]);
    return this.listAll('prompts/list', ListPromptsResultSchema, 'prompts', timeoutMs);
  }

  /** MCP `ping`. */
  async ping(timeoutMs: number): Promise<void> {
    await this.send('ping', undefined, ResultSchema, { timeoutMs });
  }

  /** Sends a client notification, e.g. `notifications/roots/list_changed`. */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    try {
      await this.client.notification({ method, params });
    } catch (error) {
      throw this.toHangarError(method, 0, undefined, error);
    }
  }

  /** Idempotent; stops the connection (and its process group); does not call `onUnexpectedClose`. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closeRequested = true;
      await this.client.close().catch(() => {});
      await this.connection.stop();
    })();
    return this.closing;
  }

  private async send<S extends z.ZodType<object>>(
    method: string,
    params: Record<string, unknown> | undefined,
    schema: S,
    options: UpstreamCallOptions = {},
  ): Promise<z.output<S>> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    const { signal, onProgress } = options;
    if (signal?.aborted === true) throw new CallCancelledError(`${method} was cancelled`);
    if (this.closed) throw new UpstreamError(`${method} failed: upstream connection closed`);
    // Our own token instead of the SDK's `onprogress`, which loses notifications (SDK #2580).
    const progress = onProgress === undefined ? undefined : this.interceptor.track(onProgress);
    const withToken =
      progress === undefined ? params : { ...params, _meta: { ...asRecord(params?._meta), progressToken: progress.token } };
    // A fresh entry per call: two calls may share one options object.
    const call = { peer: options.peer };
    this.inFlight.add(call);
    try {
      // Passing `signal` makes the SDK send notifications/cancelled upstream on abort, and on timeout.
      const request = { method, params: withToken } as ClientRequest;
      return await this.client.request(request, schema, { signal, timeout: timeoutMs });
    } catch (error) {
      throw this.toHangarError(method, timeoutMs, signal, error);
    } finally {
      progress?.release();
      this.inFlight.delete(call);
    }
  }

  private async listAll<K extends string, T>(
    method: string,
    schema: z.ZodType<ListPage<K, T>>,
    key: K,
    timeoutMs: number,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page: ListPage<K, T> = await this.send(method, cursor === undefined ? undefined : { cursor }, schema, {
        timeoutMs,
      });
      items.push(...page[key]);
      cursor = page.nextCursor;
      // A server that hands out the same cursor again would keep us here forever.
      if (cursor !== undefined && seen.has(cursor)) throw new UpstreamError(`${method} repeated cursor "${cursor}"`);
      if (cursor !== undefined) seen.add(cursor);
    } while (cursor !== undefined);
    return items;
  }

  private requestContext(): UpstreamRequestContext {
    const calls = [...this.inFlight];
    const peer = calls.reverse().find((call) => call.peer !== undefined)?.peer;
    return peer === undefined ? {} : { peer };
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    // Before `ready`, connect() rejects instead; after close(), nobody needs telling.
    if (this.closeRequested || !this.ready) return;
    this.handlers.onUnexpectedClose();
  }

  /** Maps what the SDK threw to Hangar's errors (see UpstreamError, UpstreamTimeoutError, CallCancelledError). */
  private toHangarError(method: string, timeoutMs: number, signal: AbortSignal | undefined, error: unknown): HangarError {
    if (signal?.aborted === true) return new CallCancelledError(`${method} was cancelled`);
    if (error instanceof HangarError) return error;
    if (error instanceof McpError) {
      if (error.code === Number(ErrorCode.RequestTimeout)) {
        const ours = typeof (error.data as { timeout?: unknown } | undefined)?.timeout === 'number';
        return new UpstreamTimeoutError(
          ours ? `${method} timed out after ${timeoutMs} ms` : `${method}: upstream timed out: ${wireMessage(error)}`,
        );
      }
      // -32000 is also a common application error code; only a closed connection makes it ours.
      if (error.code === Number(ErrorCode.ConnectionClosed) && this.closed) {
        return new UpstreamError(`${method} failed: upstream connection closed`, undefined, { cause: error });
      }
      return new UpstreamError(wireMessage(error), error.code, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    const reason = this.closed ? 'upstream connection closed' : message;
    return new UpstreamError(`${method} failed: ${reason}`, undefined, { cause: error });
  }
}

/** The message as the upstream sent it, without the "MCP error <code>: " the SDK puts in front. */
function wireMessage(error: McpError): string {
  const prefix = `MCP error ${error.code}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
