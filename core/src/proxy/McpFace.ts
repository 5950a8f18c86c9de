import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import Router from '@koa/router';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import type { HangarConfig } from '../config/configSchema.js';
import { ServiceUnavailableError } from '../errors.js';
import type { Authenticator, Authorizer, Principal } from '../extensions/auth.js';
import type { DiscoverySourceFactory } from '../extensions/discoverySources.js';
import type { HttpRoutes } from '../extensions/httpRoutes.js';
import type { RegistryTool } from '../extensions/registryTools.js';
import { authenticate } from '../http/authenticate.js';
import type { HangarState } from '../http/HttpHost.js';
import { permission } from '../http/permission.js';
import type { OperationRegistry } from '../operations/OperationRegistry.js';
import type { ToolInvoker } from '../invocation/ToolInvoker.js';
import type { McpServerRegistry, RegistryChange } from '../lifecycle/McpServerRegistry.js';
import type { UpstreamNotification } from '../lifecycle/McpServerContext.js';
import type { Clock } from '../services/Clock.js';
import type { HangarRuntime } from '../services/coreServices.js';
import { checkHostAndOrigin } from './hostCheck.js';
import { McpSession, type ListKind, type SessionContext, type SessionKind } from './McpSession.js';
import { ProxyRequests } from './proxyRequests.js';
import { registryMetaTools } from './registryTools.js';
import { ResourceSubscriptions } from './ResourceSubscriptions.js';
import { SseEndpoint } from './SseEndpoint.js';
import { StreamableHttpEndpoint } from './StreamableHttpEndpoint.js';
import { UpstreamCatalog } from './UpstreamCatalog.js';

/** What the face works with (the core-mcp plugin's factory resolves them). */
export interface McpFaceDeps {
  readonly registry: McpServerRegistry;
  readonly invoker: ToolInvoker;
  /** Where `registry_invoke_stream` records its calls. */
  readonly operations: OperationRegistry;
  readonly config: HangarConfig;
  readonly logger: Logger;
  readonly authorizer: Authorizer;
  /**
   * Contributed meta tools; one with a kernel tool's name replaces it (e.g. discovery's
   * `registry_discover`). They get the same caller as the kernel's (principal, signal, progress, peer, session id).
   */
  readonly registryTools: readonly RegistryTool[];
  readonly runtime: HangarRuntime;
  readonly authenticators: readonly Authenticator[];
  /** Drives the idle expiry of streamable HTTP sessions. */
  readonly clock: Clock;
  /** Discovery source types plugins provide, for `registry_sources`; none when omitted. */
  readonly discoverySources?: readonly DiscoverySourceFactory[];
  /** The address HTTP listens on (`--host`), for the Host check; the connection's local address when omitted. */
  readonly listenHost?: string;
}

const ALL_LISTS: readonly ListKind[] = ['tools', 'resources', 'prompts'];

/**
 * The MCP face: what downstream MCP clients talk to, made by the core-mcp plugin's service factory
 * with every dependency in hand (its routes are contributed by a factory over the face). Serves streamable HTTP at `/mcp`, the legacy SSE transport at `/sse` + `/messages`, and
 * one stdio session in stdio mode. Every session shares one catalog of upstream tools, resources
 * and prompts; registry changes become `list_changed` notifications to every session (at most one
 * of each kind per event-loop turn), upstream log messages and resource updates are forwarded.
 * The MCP routes check Host and Origin against DNS rebinding (hostCheck.ts) before anything else.
 */
export class McpFace {
  readonly routes: HttpRoutes;
  private readonly state: Attached;
  private readonly sessions = new Map<string, McpSession>();
  private readonly pending = new Set<ListKind>();
  private flush: NodeJS.Immediate | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private closing = false;

  constructor(deps: McpFaceDeps) {
    const router = new Router<HangarState>();
    // Connecting needs `mcp:connect`; what a session then lists and calls is checked per call.
    const connect = permission('mcp:connect');
    router.all('/mcp', connect, async (ctx) => {
      await this.guard(ctx).streamable.handle(ctx);
    });
    router.get('/sse', connect, async (ctx) => {
      await this.guard(ctx).sse.connect(ctx);
    });
    router.post('/messages', connect, async (ctx) => {
      await this.guard(ctx).sse.message(ctx);
    });
    this.routes = { name: 'mcp', router, mount: 'root' };
    this.state = this.attach(deps);
  }

  /** Builds the sessions' shared context and starts following the registry. */
  private attach(deps: McpFaceDeps): Attached {
    const { registry, config, logger } = deps;
    const metaTools = new Map<string, RegistryTool>();
    const kernelTools = registryMetaTools({ ...deps, discoverySources: deps.discoverySources ?? [] });
    for (const tool of kernelTools) metaTools.set(tool.name, tool);
    for (const tool of deps.registryTools) {
      if (metaTools.has(tool.name)) logger.info(`meta tool '${tool.name}' is provided by a plugin, replacing the kernel's`);
      metaTools.set(tool.name, tool);
    }
    const names = new Set(metaTools.keys());
    const catalog = new UpstreamCatalog(registry, deps.invoker.targets, config.tool_naming, logger, () => names);
    const subscriptions = new ResourceSubscriptions(logger);
    const context: SessionContext = {
      registry,
      invoker: deps.invoker,
      logger,
      catalog,
      proxy: new ProxyRequests(catalog),
      subscriptions,
      metaTools: () => metaTools,
      serverInfo: { name: 'hangar', version: deps.runtime.version },
    };
    const open = (principal: Principal, kind: SessionKind, id?: string) => this.open(principal, kind, id);
    this.unsubscribe.push(
      registry.onChange((change) => this.changed(change)),
      registry.onNotification((serverId, notification) => this.notified(serverId, notification)),
    );
    return {
      deps,
      context,
      streamable: new StreamableHttpEndpoint(open, logger, deps.clock),
      sse: new SseEndpoint(open, logger),
    };
  }

  /** Serves one MCP session over `input`/`output` (stdio mode); resolves once it is connected. */
  async connectStdio(input: Readable, output: Writable): Promise<void> {
    const { authenticators } = this.state.deps;
    // Stdio has no headers: authenticators see an empty request on the `mcp` channel, so an auth
    // plugin decides what a local stdio client is (anonymous when none claims it; one that throws refuses).
    const principal = await authenticate(authenticators, { channel: 'mcp', path: 'stdio', headers: {}, query: {} });
    const session = this.open(principal, 'stdio');
    input.once('end', () => void session.close());
    await session.connect(new StdioServerTransport(input, output));
  }

  /** Number of open sessions (all transports). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Closes every session and stops following the registry. */
  async close(): Promise<void> {
    this.closing = true;
    for (const stop of this.unsubscribe.splice(0)) stop();
    if (this.flush) clearImmediate(this.flush);
    await this.state.streamable.closeAll();
    await Promise.allSettled([...this.sessions.values()].map((session) => session.close()));
  }

  private open(principal: Principal, kind: SessionKind, id: string = randomUUID()): McpSession {
    if (this.closing) throw new ServiceUnavailableError('Hangar is shutting down');
    const session = new McpSession(id, principal, kind, this.state.context);
    this.sessions.set(id, session);
    void session.closed.then(() => this.sessions.delete(id));
    this.state.deps.logger.debug({ session: id, kind, principal: principal.id }, 'MCP session opened');
    return session;
  }

  /** The Host/Origin check every MCP route runs first (it throws the 403); returns the face's state. */
  private guard(ctx: ParameterizedContext<HangarState>): Attached {
    const attached = this.state;
    const socket = ctx.req.socket;
    checkHostAndOrigin(
      {
        host: ctx.get('host') || undefined,
        origin: ctx.get('origin') || undefined,
        localAddress: socket.localAddress,
        localPort: socket.localPort,
      },
      attached.deps.listenHost,
    );
    return attached;
  }

  private changed(change: RegistryChange): void {
    for (const kind of change.kind === 'servers' ? ALL_LISTS : [change.kind]) this.pending.add(kind);
    this.flush ??= setImmediate(() => {
      this.flush = undefined;
      const kinds = [...this.pending];
      this.pending.clear();
      if (this.state.deps.config.tool_naming === 'flat') this.checkFlatConflicts();
      for (const session of this.sessions.values()) for (const kind of kinds) session.listChanged(kind);
    });
  }

  private notified(serverId: string, notification: UpstreamNotification): void {
    const params = notification.params ?? {};
    if (notification.method === 'notifications/message') {
      for (const session of this.sessions.values()) session.log(serverId, params);
    } else if (notification.method === 'notifications/resources/updated' && typeof params.uri === 'string') {
      const { catalog, subscriptions } = this.state.context;
      subscriptions.updated(serverId, catalog.exposeUri(serverId, params.uri), params);
    }
  }

  /** Flat naming: lists every kind once so conflicts are warned about as soon as they appear. */
  private checkFlatConflicts(): void {
    const { catalog } = this.state.context;
    catalog.tools();
    catalog.prompts();
    catalog.resources();
    catalog.resourceTemplates();
  }
}

/** What `attach` sets up. */
interface Attached {
  readonly deps: McpFaceDeps;
  readonly context: SessionContext;
  readonly streamable: StreamableHttpEndpoint;
  readonly sse: SseEndpoint;
}
