import type Koa from 'koa';
import type { Logger } from 'pino';
import { NotFoundError, ServiceUnavailableError } from '../errors.js';
import { principalRef, type Authenticator, type Principal } from '../extensions/auth.js';
import type { RequestHook } from '../extensions/requestHooks.js';
import type { ServiceContainer } from '../kernel/ServiceContainer.js';
import { authenticate, authRequestOf } from './authenticate.js';
import { errorMiddleware } from './errorMiddleware.js';
import type { HangarState, Readiness } from './HttpHost.js';
import { jsonBody } from './jsonBody.js';
import { requestHooksStep } from './requestHooksStep.js';
import { acceptWebSocket } from './websocket.js';

type HostMiddleware = Koa.Middleware<HangarState>;

/** One step of the host's chain. */
export interface HostStep {
  readonly name: string;
  readonly middleware: HostMiddleware;
  /** Whether a direct lane (`/mcp`, `/messages`) runs it; false for steps that would only pass an MCP message on. */
  readonly direct: boolean;
}

/** What the steps need of the host. */
export interface HostStepDeps {
  readonly logger: Logger;
  readonly container: ServiceContainer;
  readonly authenticators: readonly Authenticator[];
  readonly requestHooks?: readonly RequestHook[];
  readonly readiness: () => Readiness;
  /** Whether `method path` is a route declared `permission.public()`: authenticators are not asked. */
  readonly isPublic: (path: string, method: string) => boolean;
  /** The upgrade middleware (koa-easy-ws): sets `ctx.ws` on upgrade requests. */
  readonly websocket: HostMiddleware;
  /** Serves a WebSocket route on `/api/ws/<path>`: permission, then the upgrade. */
  readonly upgrade: (path: string, ctx: Koa.ParameterizedContext<HangarState>) => Promise<void>;
}

/**
 * The host's steps, in order: the one list both the general chain and the direct lanes are built
 * from (see `HttpHost`), so their order cannot diverge. The request hooks step is left out when
 * no hook is contributed: an empty chain costs nothing, not even a pass-through call.
 */
export function hostSteps(deps: HostStepDeps): HostStep[] {
  const { logger, container, authenticators, readiness: state, isPublic } = deps;
  const notFound: HostMiddleware = async (ctx, next) => {
    await next();
    // Checked on the way out, after every router's allowedMethods has had its say (405).
    if (ctx.status === 404 && ctx.body == null && ctx.respond !== false) {
      throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}`);
    }
  };
  // Answered before anything else can run, so a probe stays cheap and never needs a key.
  const probes: HostMiddleware = async (ctx, next) => {
    if (ctx.path === '/health') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === '/ready') {
      ctx.status = state() === 'ready' ? 200 : 503;
      ctx.body = { status: state() };
      return;
    }
    await next();
  };
  const readiness: HostMiddleware = async (_ctx, next) => {
    const now = state();
    if (now !== 'ready') throw new ServiceUnavailableError(`Hangar is ${now}; try again shortly`);
    await next();
  };
  const authentication: HostMiddleware = async (ctx, next) => {
    const upgrade = acceptWebSocket(ctx) !== undefined;
    const open = !upgrade && isPublic(ctx.path, ctx.method);
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
    if (ctx.path.startsWith('/api/ws/')) await deps.upgrade(ctx.path.slice('/api/ws/'.length), ctx);
    else await next();
  };
  const hooks = requestHooksStep(deps.requestHooks ?? [], logger) as HostMiddleware | undefined;
  return [
    { name: 'errors', middleware: errorMiddleware(logger), direct: true },
    { name: 'not-found', middleware: notFound, direct: true },
    { name: 'probes', middleware: probes, direct: false },
    ...(hooks ? [{ name: 'request-hooks', middleware: hooks, direct: true }] : []),
    { name: 'readiness', middleware: readiness, direct: true },
    { name: 'websocket', middleware: deps.websocket, direct: false },
    { name: 'authentication', middleware: authentication, direct: true },
    { name: 'json-bodies', middleware: bodies, direct: false },
    { name: 'websocket-routes', middleware: upgrades, direct: false },
  ];
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
