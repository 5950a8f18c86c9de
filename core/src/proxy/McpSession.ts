import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  LoggingLevelSchema,
  ReadResourceRequestSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type Implementation,
  type LoggingLevel,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { isHangarError } from '../errors.js';
import type { Principal } from '../extensions/auth.js';
import type { RegistryTool } from '../extensions/registryTools.js';
import type { ToolInvoker } from '../invocation/ToolInvoker.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import type { DownstreamPeer, UpstreamCallOptions } from '../lifecycle/DownstreamPeer.js';
import { errorResult, upstreamCallFailure, wireError } from './mcpErrors.js';
import { exposeContentUris, type ProxyRequests } from './proxyRequests.js';
import type { ResourceSubscriber, ResourceSubscriptions } from './ResourceSubscriptions.js';
import { sessionPeer, type HandlerExtra } from './sessionPeer.js';
import type { UpstreamCatalog } from './UpstreamCatalog.js';

/** What every session shares (the face builds it once). */
export interface SessionContext {
  readonly registry: McpServerRegistry;
  readonly invoker: ToolInvoker;
  readonly logger: Logger;
  readonly catalog: UpstreamCatalog;
  readonly proxy: ProxyRequests;
  readonly subscriptions: ResourceSubscriptions;
  /** Kernel and contributed meta tools by name (contributed ones replace kernel ones of the same name). */
  readonly metaTools: () => ReadonlyMap<string, RegistryTool>;
  readonly serverInfo: Implementation;
}

/** The transport a session came in on. */
export type SessionKind = 'streamable-http' | 'sse' | 'stdio';

/** Which list changed, for `notifications/<kind>/list_changed`. */
export type ListKind = 'tools' | 'resources' | 'prompts';

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]));

const INSTRUCTIONS =
  'Hangar is a gateway to several MCP servers. Upstream tools and prompts are named <server>__<name> and resources ' +
  'hangar://<server>/<uri> (unless tool_naming is flat). registry_* tools list, start, stop and invoke the servers.';

/**
 * One downstream MCP session: an SDK low-level `Server` whose handlers list the meta tools and
 * the upstream tools, resources and prompts (first starting, bounded, the servers whose lists are
 * unknown), and forward calls, reads,
 * prompts and completions upstream with this session's principal, cancellation signal, progress
 * token and — for sampling, elicitation and roots requests made during the call — this session
 * as the answering peer.
 */
export class McpSession implements ResourceSubscriber {
  readonly server: Server;
  /** Settles once the session's transport has closed. */
  readonly closed: Promise<void>;
  private level: LoggingLevel | undefined;
  private readonly end: () => void;

  constructor(
    readonly id: string,
    readonly principal: Principal,
    readonly kind: SessionKind,
    private readonly context: SessionContext,
  ) {
    this.server = new Server(context.serverInfo, {
      capabilities: {
        tools: { listChanged: true },
        resources: { listChanged: true, subscribe: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      instructions: context.catalog.naming === 'namespaced' ? INSTRUCTIONS : undefined,
    });
    let ended: () => void = () => undefined;
    this.closed = new Promise((resolve) => (ended = resolve));
    this.end = () => {
      context.subscriptions.removeAll(this);
      ended();
    };
    this.server.onclose = this.end;
    this.server.onerror = (error) => context.logger.debug({ err: error, session: id }, 'MCP session error');
    this.registerHandlers();
  }

  /** Starts serving on `transport`. */
  connect(transport: Transport): Promise<void> {
    return this.server.connect(transport);
  }

  /** Closes the transport, which ends the session (`closed` settles). */
  async close(): Promise<void> {
    if (this.server.transport) await this.server.close();
    else this.end();
  }

  /** Sends `notifications/<kind>/list_changed`. */
  listChanged(kind: ListKind): void {
    const send =
      kind === 'tools'
        ? () => this.server.sendToolListChanged()
        : kind === 'resources'
          ? () => this.server.sendResourceListChanged()
          : () => this.server.sendPromptListChanged();
    this.deliver(send);
  }

  /** Forwards an upstream log message, unless it is below this session's `logging/setLevel`. */
  log(serverId: string, params: Record<string, unknown>): void {
    const level = params.level as LoggingLevel;
    if (this.level !== undefined && (SEVERITY.get(level) ?? Infinity) < (SEVERITY.get(this.level) ?? 0)) return;
    const message = { ...params, logger: params.logger ?? serverId } as unknown as { level: LoggingLevel; data: unknown };
    this.deliver(() => this.server.notification({ method: 'notifications/message', params: message }));
  }

  /** Sends `notifications/resources/updated` (the URI already in its downstream form). */
  resourceUpdated(params: Record<string, unknown>): void {
    this.deliver(() => this.server.sendResourceUpdated(params as { uri: string }));
  }

  private deliver(send: () => Promise<void>): void {
    if (!this.server.transport) return;
    send().catch((error: unknown) => this.context.logger.debug({ err: error, session: this.id }, 'notification not delivered'));
  }

  private registerHandlers(): void {
    const { server } = this;
    const { catalog, proxy, subscriptions, registry } = this.context;
    server.setRequestHandler(ListToolsRequestSchema, () => this.afterListsReady(() => ({ tools: this.listTools() })));
    server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      this.callTool(request.params.name, request.params.arguments ?? {}, extra),
    );
    server.setRequestHandler(ListResourcesRequestSchema, () => this.afterListsReady(() => ({ resources: catalog.resources() })));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () =>
      this.afterListsReady(() => ({ resourceTemplates: catalog.resourceTemplates() })),
    );
    server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
      this.inCall(extra, (options) => proxy.readResource(request.params.uri, options)),
    );
    // Subscribe and complete run without progress or a peer: quick answers that never need the
    // caller's stream (on streamable HTTP they are one JSON body; see PostExchange.ts).
    server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
      const target = await proxy.subscribe(request.params.uri, { signal: extra.signal });
      subscriptions.add(this, request.params.uri, target.server, target.name);
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
      subscriptions.remove(this, request.params.uri);
      return {};
    });
    server.setRequestHandler(ListPromptsRequestSchema, () => this.afterListsReady(() => ({ prompts: catalog.prompts() })));
    server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
      this.inCall(extra, (options) => proxy.getPrompt(request.params.name, request.params.arguments, options)),
    );
    server.setRequestHandler(CompleteRequestSchema, (request, extra) => proxy.complete(request.params, { signal: extra.signal }));
    server.setRequestHandler(SetLevelRequestSchema, async (request) => {
      this.level = request.params.level;
      await registry.setLoggingLevel(request.params.level);
      return {};
    });
    server.setNotificationHandler(RootsListChangedNotificationSchema, () =>
      registry.notifyRunning('notifications/roots/list_changed'),
    );
  }

  /**
   * `list()` once the servers whose lists are unknown have started (bounded; see
   * `McpServerRegistry.listReady`); at once, with no promise, when every list is known.
   */
  private afterListsReady<T>(list: () => T): T | Promise<T> {
    const pending = this.context.registry.listReady();
    return pending === undefined ? list() : pending.then(list);
  }

  /** Meta tools first, then the upstream tools this session's principal may see. */
  private listTools(): Tool[] {
    const { catalog, invoker, metaTools } = this.context;
    const meta = [...metaTools().values()].map(({ name, description, inputSchema }): Tool => ({
      name,
      description,
      inputSchema: inputSchema as Tool['inputSchema'],
    }));
    const upstream = catalog
      .tools()
      .filter(({ target, tool }) => invoker.toolVisible(this.principal, target, tool.name))
      .map(({ exposed }) => exposed);
    return [...meta, ...upstream];
  }

  private async callTool(name: string, args: Record<string, unknown>, extra: HandlerExtra): Promise<CallToolResult> {
    const meta = this.context.metaTools().get(name);
    if (meta) {
      return this.inCall(extra, async ({ onProgress, peer, signal }) => {
        try {
          return await meta.call(args, { principal: this.principal, signal, progress: onProgress, peer, sessionId: this.id });
        } catch (error) {
          // A HangarError is an answer; anything else is a bug in the tool, worth its stack in the log.
          if (isHangarError(error)) this.context.logger.debug({ err: error, tool: name }, 'meta tool refused');
          else this.context.logger.error({ err: error, tool: name, session: this.id }, `meta tool '${name}' failed`);
          return errorResult(error);
        }
      });
    }
    const { catalog } = this.context;
    const resolved = catalog.resolveTool(name) ?? (await catalog.resolveAfterListsReady(() => catalog.resolveTool(name)));
    if (!resolved) throw wireError(ErrorCode.InvalidParams, unknownToolMessage(name, this.context.catalog.naming));
    const { target } = resolved;
    return this.inCall(extra, async (options) => {
      try {
        const { result, mcp_server_id } = await this.context.invoker.invoke({
          mcp_server: target.id,
          target,
          tool: resolved.name,
          arguments: args,
          principal: this.principal,
          door: 'mcp',
          ...options,
        });
        const expose = (uri: string) => this.context.catalog.exposeUri(mcp_server_id, uri);
        return Array.isArray(result.content) ? { ...result, content: exposeContentUris(result.content, expose) } : result;
      } catch (error) {
        return upstreamCallFailure(error, name);
      }
    });
  }

  /**
   * Runs a request that may take a while upstream (on streamable HTTP its answer turns into SSE at
   * the first progress or client request) with its signal, progress forwarding to the caller's
   * progressToken, and this request as the peer for the upstream's sampling/elicitation/roots
   * requests while it is in flight.
   */
  private async inCall<T>(extra: HandlerExtra, run: (options: CallOptions) => Promise<T>): Promise<T> {
    let inFlight = true;
    try {
      return await run({
        signal: extra.signal,
        onProgress: this.progressSink(extra),
        peer: sessionPeer(this.id, this.server, { extra, inFlight: () => inFlight }),
      });
    } finally {
      inFlight = false;
    }
  }

  private progressSink(extra: HandlerExtra): UpstreamCallOptions['onProgress'] {
    const progressToken = extra._meta?.progressToken;
    if (progressToken === undefined) return undefined;
    return ({ progress, total, message }) => {
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress,
            ...(total === undefined ? {} : { total }),
            ...(message === undefined ? {} : { message }),
          },
        })
        .catch((error: unknown) => this.context.logger.debug({ err: error, session: this.id }, 'progress not delivered'));
    };
  }
}

/** What a forwarded request runs with. */
type CallOptions = { signal: AbortSignal; onProgress: UpstreamCallOptions['onProgress']; peer: DownstreamPeer };

function unknownToolMessage(name: string, naming: UpstreamCatalog['naming']): string {
  if (naming === 'flat') return `Unknown tool ${name}: no meta tool and no known tool of an MCP server has this name`;
  const at = name.indexOf('__');
  if (at <= 0) return `Unknown tool ${name}: upstream tools are named <mcp_server>__<tool>`;
  return `Unknown tool ${name}: no MCP server '${name.slice(0, at)}'`;
}
