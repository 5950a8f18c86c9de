import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import compose from 'koa-compose';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import {
  MethodNotAllowedError,
  NotFoundError,
  NotImplementedError,
  ServiceUnavailableError,
  ValidationError,
} from '../errors.js';
import { principalRef, type Authenticator, type Principal } from '../extensions/auth.js';
import type { HttpRoutes } from '../extensions/httpRoutes.js';
import type { WsRoute } from '../extensions/wsRoutes.js';
import type { ServiceContainer } from '../kernel/ServiceContainer.js';
import { authenticate, authRequestOf } from './authenticate.js';
import { errorMiddleware } from './errorMiddleware.js';
import { jsonBody } from './jsonBody.js';
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

/**
 * A request's `ctx.state`: the principal, and its DI scope made on first use — most requests
 * (every MCP message) never resolve anything from it, and a scope per request is a measurable
 * share of a fast MCP call.
 */
class RequestState implements HangarState {
  private scope: ServiceContainer | undefined;

  constructor(
    public principal: Principal,
    private readonly container: ServiceContainer,
  ) {}

  get services(): ServiceContainer {
    if (!this.scope) {
      this.scope = this.container.createScope();
      this.scope.register(principalRef, this.principal);
    }
    return this.scope;
  }

  set services(scope: ServiceContainer) {
    this.scope = scope;
  }
}

/** What the host is built from. */
export interface HttpHostOptions {
  readonly logger: Logger;
  readonly container: ServiceContainer;
  /** Interval of WebSocket ping frames; a peer that misses one is dropped. Default 30 s. */
  readonly wsPingIntervalMs?: number;
}

/** What plugins contributed, mounted once every plugin has initialised. */
export interface HttpMounts {
  readonly routes: readonly HttpRoutes[];
  readonly wsRoutes: readonly WsRoute[];
  readonly authenticators: readonly Authenticator[];
}

const ALWAYS_OPEN = new Set(['/health', '/ready']);

/**
 * Paths worth a direct lane (see `build`): MCP messages (`/mcp`, and `/messages` of the legacy SSE
 * transport), where the host's own work is a large share of a fast call.
 */
const DIRECT_PATHS = ['/mcp', '/messages'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

type HangarContext = Koa.ParameterizedContext<HangarState>;
type HostMiddleware = Koa.Middleware<HangarState>;

/**
 * The Koa application: error mapping, readiness gate, authentication, JSON bodies, the
 * contributed routers under `/api` (or `/`), WebSocket upgrades routed by path to `wsRoutes`, and
 * 404/405 in the error body shape. `/health` always answers; `/ready` and every other route answer
 * 503 until the kernel marks the host ready, and again while it stops. `/mcp` requests take a
 * direct lane through the same steps, past the middleware and routers that would only pass them on.
 */
export class HttpHost {
  readonly app = new Koa<HangarState>();
  private server: Server | undefined;
  private readiness: Readiness = 'starting';
  private readonly ws = createWebSocketMiddleware();
  private readonly publicPaths = new Set(ALWAYS_OPEN);
  private pingTimer: NodeJS.Timeout | undefined;
  private mounts: HttpMounts = { routes: [], wsRoutes: [], authenticators: [] };
  /** Until `mount`: `/health`, `/ready` and 503 for the rest (plugins are still initialising). */
  private handler: Koa.Middleware<HangarState>;

  constructor(private readonly options: HttpHostOptions) {
    this.app.proxy = false;
    this.app.silent = true;
    this.handler = compose([errorMiddleware(options.logger), this.readinessGate()]);
    this.app.use((ctx, next) => this.handler(ctx, next) as Promise<void>);
  }

  /** Mounts the contributed routes, WebSocket routes and authenticators; called once, after every init. */
  mount(mounts: HttpMounts): void {
    this.mounts = mounts;
    this.handler = this.build();
  }

  /** Marks readiness; `/ready` answers 200 only in `ready`. */
  setReadiness(readiness: Readiness): void {
    this.readiness = readiness;
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

  /** `/health` always 200; `/ready` 200 only when ready; every other path 503 until then. */
  private readinessGate(): HostMiddleware {
    return async (ctx, next) => {
      if (ctx.path === '/health') {
        ctx.body = { status: 'ok' };
        return;
      }
      if (ctx.path === '/ready') {
        ctx.status = this.readiness === 'ready' ? 200 : 503;
        ctx.body = { status: this.readiness };
        return;
      }
      if (this.readiness !== 'ready') throw new ServiceUnavailableError(`Hangar is ${this.readiness}; try again shortly`);
      await next();
    };
  }

  private build(): Koa.Middleware<HangarState> {
    const { logger, container } = this.options;
    const { routes, authenticators } = this.mounts;
    for (const route of routes) {
      for (const publicPath of route.publicPaths ?? [])
        this.publicPaths.add(route.mount === 'root' ? publicPath : `/api${publicPath}`);
    }

    const errors = errorMiddleware(logger);
    const notFound: HostMiddleware = async (ctx, next) => {
      await next();
      // Checked on the way out, after every router's allowedMethods has had its say (405).
      if (ctx.status === 404 && ctx.body == null && ctx.respond !== false) {
        throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}`);
      }
    };
    const readiness = this.readinessGate();
    const authentication: HostMiddleware = async (ctx, next) => {
      const upgrade = acceptWebSocket(ctx) !== undefined;
      const open = this.publicPaths.has(ctx.path);
      // Koa parses the query string anew for every request; most (every MCP message) have none.
      const query = ctx.querystring === '' ? {} : ctx.query;
      const principal = open
        ? await authenticate([], authRequestOf('http', ctx.path, ctx.headers, query))
        : await authenticate(authenticators, authRequestOf(upgrade ? 'websocket' : 'http', ctx.path, ctx.headers, query));
      ctx.state = Object.assign(new RequestState(principal, container), ctx.state);
      await next();
    };
    const parseJson = jsonBody();
    const bodies: HostMiddleware = async (ctx, next) => {
      if (ctx.path.startsWith('/api/')) await parseJson(ctx, next);
      else await next();
    };
    const upgrades: HostMiddleware = async (ctx, next) => {
      if (ctx.path.startsWith('/api/ws/')) await this.upgrade(ctx.path.slice('/api/ws/'.length), ctx);
      else await next();
    };
    const mounts = routes.map((contribution) => {
      // A parent router carries the mount prefix so the plugin's own router is never mutated.
      const mount = new Router<HangarState>({ prefix: contribution.mount === 'root' ? undefined : '/api' });
      mount.use(contribution.router.routes());
      const chain = [mount.routes(), mount.allowedMethods({ throw: true, methodNotAllowed, notImplemented })] as HostMiddleware[];
      return { mount, chain };
    });

    // Direct lanes: a path every MCP message takes skips the middleware that would only pass it on
    // (WebSocket upgrades, JSON bodies of `/api`, the routers with no route or middleware for it).
    // What is left runs as before, in the same order: errors, readiness, authentication, then the
    // routers that claim the path. An upgrade request always takes the full chain.
    const lanes = new Map<string, (ctx: HangarContext) => Promise<unknown>>();
    for (const path of DIRECT_PATHS) {
      const claimants = mounts.filter(({ mount }) => METHODS.some((method) => mount.match(path, method).path.length > 0));
      const routers = claimants.flatMap(({ chain }) => chain);
      if (routers.length > 0) lanes.set(path, compose([errors, notFound, readiness, authentication, ...routers]));
    }
    const general = compose([
      errors,
      notFound,
      readiness,
      this.ws,
      authentication,
      bodies,
      upgrades,
      ...mounts.flatMap(({ chain }) => chain),
    ] as HostMiddleware[]);
    return (ctx, next) => {
      const lane = ctx.req.headers.upgrade === undefined ? lanes.get(ctx.path) : undefined;
      return lane ? lane(ctx) : general(ctx, next);
    };
  }

  private async upgrade(path: string, ctx: Koa.ParameterizedContext<HangarState>): Promise<void> {
    const route = this.mounts.wsRoutes.find((candidate) => candidate.path === path);
    if (!route) throw new NotFoundError(`No WebSocket endpoint at /api/ws/${path}`);
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
