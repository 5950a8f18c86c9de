import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import compose from 'koa-compose';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { MethodNotAllowedError, NotFoundError, NotImplementedError, ValidationError } from '../errors.js';
import { authorizerRef, type Authenticator, type Authorizer, type Principal } from '../extensions/auth.js';
import type { HttpRoutes } from '../extensions/httpRoutes.js';
import type { RequestHook } from '../extensions/requestHooks.js';
import type { WsRoute } from '../extensions/wsRoutes.js';
import type { Contribution } from '../kernel/ExtensionRegistry.js';
import type { ServiceContainer } from '../kernel/ServiceContainer.js';
import { hostSteps } from './hostSteps.js';
import { RouteTable, type MountedRoute, type MountedRouter } from './routeTable.js';
import { acceptWebSocket, createWebSocketMiddleware } from './websocket.js';

/** Readiness as the host reports it on `/ready`. */
export type Readiness = 'starting' | 'ready' | 'stopping';

/** What every request's `ctx.state` carries. */
export interface HangarState {
  /** The caller (anonymous when no authenticator claims the request). */
  principal: Principal;
  /** A DI scope for this request, with `principalRef` registered. */
  services: ServiceContainer;
}

/** What the host is built from. */
export interface HttpHostOptions {
  readonly logger: Logger;
  /** The kernel's container; `core.authorizer` must be registered before the host is built. */
  readonly container: ServiceContainer;
  /** Interval of WebSocket ping frames; a peer that misses one is dropped. Default 30 s. */
  readonly wsPingIntervalMs?: number;
}

/** What plugins contributed, mounted once every plugin has initialised. */
export interface HttpMounts {
  /** The `core.httpRoutes` contributions with the plugin that made each (conflicts name both). */
  readonly routes: readonly Contribution<HttpRoutes>[];
  readonly wsRoutes: readonly Contribution<WsRoute>[];
  readonly authenticators: readonly Authenticator[];
  /** The `core.requestHooks` contributions, in load order (the host sorts them by `order`). */
  readonly requestHooks?: readonly RequestHook[];
}

/**
 * Paths worth a direct lane (see `build`): MCP messages (`/mcp`, and `/messages` of the legacy SSE
 * transport), where the host's own work is a large share of a fast call.
 */
const DIRECT_PATHS = ['/mcp', '/messages'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const PROBES: readonly MountedRoute[] = ['/health', '/ready'].map((path) => ({
  methods: ['GET', 'HEAD'],
  path,
  pluginId: 'core',
  name: 'probes',
  access: { kind: 'public' },
}));

type HangarContext = Koa.ParameterizedContext<HangarState>;

/** The steps that answer while plugins initialise: error mapping, the probes, the 503 gate. */
const PRE_MOUNT_STEPS = new Set(['errors', 'probes', 'readiness']);
type HostMiddleware = Koa.Middleware<HangarState>;

/**
 * The Koa application. Its steps, in order: error mapping, 404 on the way out, the probes
 * (`/health` always answers; `/ready` 200 only once ready), the request hooks (`core.requestHooks`,
 * when any), the readiness gate (503 until the kernel marks the host ready, and again while it
 * stops), WebSocket upgrades, authentication (skipped for routes declared `permission.public()`),
 * JSON bodies of `/api`, WebSocket routes on `/api/ws/<path>` (their `permission` checked before
 * the upgrade is accepted), then the contributed routers under `/api` (or `/`), each route
 * checking its declared permission first (see `RouteTable`), and 404/405 in the error body shape.
 * `/mcp` and `/messages` take a direct lane through the same steps, past those that would only
 * pass them on.
 */
export class HttpHost {
  readonly app = new Koa<HangarState>();
  private server: Server | undefined;
  private readiness: Readiness = 'starting';
  private readonly ws = createWebSocketMiddleware();
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly authorizer: Authorizer;
  private table: RouteTable | undefined;
  private readonly wsRoutes = new Map<string, Contribution<WsRoute>>();
  /** Until `mount`: the probes, and 503 `starting` for everything else (plugins are initialising). */
  private handler: HostMiddleware;

  constructor(private readonly options: HttpHostOptions) {
    this.app.proxy = false;
    this.app.silent = true;
    this.authorizer = options.container.resolve(authorizerRef);
    this.handler = compose(
      hostSteps({ ...this.stepDeps(), authenticators: [] })
        .filter((step) => PRE_MOUNT_STEPS.has(step.name))
        .map((step) => step.middleware),
    );
    this.app.use((ctx, next) => this.handler(ctx, next) as Promise<void>);
  }

  /**
   * Mounts what plugins contributed (routes, WebSocket routes, authenticators, request hooks);
   * called once, after every init. Two routes with the same method and path fail here, naming both
   * plugins.
   */
  mount(mounts: HttpMounts): void {
    for (const entry of mounts.wsRoutes) this.wsRoutes.set(entry.value.path, entry);
    const routers = this.mountRouters(mounts.routes);
    const table = new RouteTable(routers, this.authorizer);
    this.table = table;
    this.handler = this.build(mounts, routers, table);
    if (table.undeclared.length > 0) {
      this.options.logger.warn(
        { routes: table.undeclared, refused: this.authorizer.enabled },
        `${table.undeclared.length} HTTP route(s) declare no permission (refused while authentication is on): ${table.undeclared.join('; ')}`,
      );
    }
  }

  /** Marks readiness; `/ready` answers 200 only in `ready`. */
  setReadiness(readiness: Readiness): void {
    this.readiness = readiness;
  }

  /** Every route the host serves: the probes, the contributed routes, the WebSocket routes. */
  routes(): readonly MountedRoute[] {
    const ws = [...this.wsRoutes.values()].map(({ pluginId, value }): MountedRoute => ({
      methods: ['GET'],
      path: `/api/ws/${value.path}`,
      pluginId,
      name: 'websocket',
      access: { kind: 'permission', ...value.permission },
    }));
    return [...PROBES, ...(this.table?.routes ?? []), ...ws];
  }

  /** Starts listening; resolves with the bound address. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = this.app.listen({ host, port });
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    const interval = this.options.wsPingIntervalMs ?? 30_000;
    this.pingTimer = setInterval(() => this.pingAll(), interval);
    this.pingTimer.unref();
    return server.address() as AddressInfo;
  }

  /** The bound address, once listening. */
  address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  /** Closes every WebSocket (1001) and HTTP connection, then the listening socket. */
  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const client of this.ws.server.clients) client.close(1001, 'Hangar is shutting down');
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => {
      for (const client of this.ws.server.clients) client.terminate();
      server.closeAllConnections();
    }, 1_000);
    await closed;
    clearTimeout(force);
  }

  /** A parent router per contribution carries the mount prefix, so the plugin's own router is never mutated. */
  private mountRouters(routes: readonly Contribution<HttpRoutes>[]): MountedRouter[] {
    return routes.map(({ pluginId, value }) => {
      const router = new Router<HangarState>({ prefix: value.mount === 'root' ? undefined : '/api' });
      router.use(value.router.routes());
      return { pluginId, name: value.name, router };
    });
  }

  /** What every step list is built from, before and after `mount`. */
  private stepDeps() {
    return {
      logger: this.options.logger,
      container: this.options.container,
      readiness: () => this.readiness,
      isPublic: (path: string, method: string) => this.table?.isPublic(path, method) ?? false,
      websocket: this.ws,
      upgrade: (path: string, ctx: HangarContext) => this.upgrade(path, ctx),
    };
  }

  private build(mounts: HttpMounts, mounted: readonly MountedRouter[], table: RouteTable): HostMiddleware {
    const steps = hostSteps({
      ...this.stepDeps(),
      authenticators: mounts.authenticators,
      requestHooks: mounts.requestHooks,
      isPublic: (path, method) => table.isPublic(path, method),
    });
    const routers = mounted.map(({ router }) => ({
      router,
      chain: [router.routes(), router.allowedMethods({ throw: true, methodNotAllowed, notImplemented })] as HostMiddleware[],
    }));

    // Direct lanes: a path every MCP message takes skips the steps that would only pass it on
    // (probes, WebSocket upgrades, JSON bodies of `/api`, the routers with no route or middleware
    // for it). What is left runs in the same order as the general chain, because both come from
    // `steps`. An upgrade request always takes the general chain.
    const lanes = new Map<string, (ctx: HangarContext) => Promise<unknown>>();
    const direct = steps.filter((step) => step.direct).map((step) => step.middleware);
    for (const path of DIRECT_PATHS) {
      const claimants = routers.filter(({ router }) => METHODS.some((method) => router.match(path, method).path.length > 0));
      if (claimants.length > 0) lanes.set(path, compose([...direct, ...claimants.flatMap(({ chain }) => chain)]));
    }
    const general = compose([...steps.map((step) => step.middleware), ...routers.flatMap(({ chain }) => chain)]);
    return (ctx, next) => {
      const lane = ctx.req.headers.upgrade === undefined ? lanes.get(ctx.path) : undefined;
      return lane ? lane(ctx) : general(ctx, next);
    };
  }

  private async upgrade(path: string, ctx: Koa.ParameterizedContext<HangarState>): Promise<void> {
    const route = this.wsRoutes.get(path)?.value;
    if (!route) throw new NotFoundError(`No WebSocket endpoint at /api/ws/${path}`);
    await this.authorizer.authorize(ctx.state.principal, route.permission);
    const accept = acceptWebSocket(ctx);
    if (!accept) throw new ValidationError(`/api/ws/${path} needs a WebSocket upgrade request`);
    const socket = await accept();
    this.track(socket);
    const query = Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    this.options.logger.debug({ path: ctx.path, principal: ctx.state.principal.id }, 'websocket connected');
    try {
      route.handle(socket, { principal: ctx.state.principal, query, remoteAddress: ctx.request.socket.remoteAddress });
    } catch (error) {
      this.options.logger.error({ err: error, path: ctx.path }, 'websocket handler failed');
      socket.close(1011, 'internal error');
    }
  }

  private readonly alive = new WeakMap<WebSocket, boolean>();

  private track(socket: WebSocket): void {
    this.alive.set(socket, true);
    socket.on('pong', () => this.alive.set(socket, true));
  }

  private pingAll(): void {
    for (const socket of this.ws.server.clients) {
      if (this.alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      this.alive.set(socket, false);
      socket.ping();
    }
  }
}

function methodNotAllowed(): Error {
  return new MethodNotAllowedError('Method not allowed for this route');
}

function notImplemented(): Error {
  return new NotImplementedError('HTTP method not implemented');
}
