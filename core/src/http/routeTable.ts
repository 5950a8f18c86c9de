import type Router from '@koa/router';
import type { Layer, RouterMiddleware } from '@koa/router';
import { AccessDeniedError, ExtensionConflictError } from '../errors.js';
import type { Authorizer, Permission } from '../extensions/auth.js';
import type { HangarState } from './HttpHost.js';
import { declaredAccessOf, type DeclaredAccess } from './permission.js';

/** How a mounted route is guarded, as `Hangar.routes()` lists it. */
export type RouteAccess =
  | { readonly kind: 'public' }
  /** `resource` as declared; a computed one is shown with its path parameters as `{name}`. */
  | { readonly kind: 'permission'; readonly action: string; readonly resource: string }
  | { readonly kind: 'undeclared' };

/** One route the HTTP host serves. */
export interface MountedRoute {
  /** Upper-case methods (`GET` routes also answer `HEAD`). */
  readonly methods: readonly string[];
  /** The full path pattern, mount prefix included (`/api/mcp_servers/:id`). */
  readonly path: string;
  /** The plugin that contributed it; `core` for the host's own probes. */
  readonly pluginId: string;
  /** The contribution's name (`HttpRoutes.name`; `websocket` for WebSocket routes, `probes`). */
  readonly name: string;
  readonly access: RouteAccess;
}

/** One contributed router, already under its mount prefix. */
export interface MountedRouter {
  readonly pluginId: string;
  readonly name: string;
  /** The host's own parent router: its layers are clones, so the plugin's router is never touched. */
  readonly router: Router<HangarState>;
}

type HostLayer = Layer<HangarState>;
type RouteMiddleware = RouterMiddleware<HangarState>;

/** Paths the host answers itself, before any router. */
const HOST_PATHS = new Set(['/health', '/ready']);

/**
 * Reads every route of every mounted router at boot: refuses two routes with the same method and
 * path (`ExtensionConflictError` naming both plugins), replaces each route's `permission(...)`
 * declaration with the check it stands for, and knows which routes are public (the authentication
 * step asks `isPublic`). Routes that declare nothing are refused while authentication is on.
 */
export class RouteTable {
  /** Every route, in mount order. */
  readonly routes: MountedRoute[] = [];
  /** `METHOD path (plugin)` of every route that declares no permission. */
  readonly undeclared: string[] = [];
  private readonly publicExact = new Map<string, Set<string>>();
  private readonly publicPatterns: { layer: HostLayer; methods: Set<string> }[] = [];

  constructor(
    mounts: readonly MountedRouter[],
    private readonly authorizer: Authorizer,
  ) {
    const claimed = new Map<string, MountedRouter>();
    for (const mount of mounts) {
      for (const layer of mount.router.stack) {
        // Layers without methods are `router.use` middleware, not routes.
        if (layer.methods.length === 0) continue;
        this.claim(claimed, mount, layer);
        this.guard(mount, layer);
      }
    }
  }

  /** Whether `method path` is a route declared `permission.public()` (authentication is skipped). */
  isPublic(path: string, method: string): boolean {
    if (this.publicExact.get(path)?.has(method) === true) return true;
    for (const { layer, methods } of this.publicPatterns) if (methods.has(method) && layer.match(path)) return true;
    return false;
  }

  private claim(claimed: Map<string, MountedRouter>, mount: MountedRouter, layer: HostLayer): void {
    const path = normalise(layer.path);
    if (HOST_PATHS.has(path)) {
      throw new ExtensionConflictError(`HTTP route ${path} of '${mount.pluginId}' (${mount.name}) is the host's own probe`);
    }
    // HEAD comes with every GET; a clash on it is a clash on GET, reported there.
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
      const key = `${method} ${path}`;
      const first = claimed.get(key);
      if (first) {
        throw new ExtensionConflictError(
          `HTTP route ${method} ${String(layer.path)} is declared by both '${first.pluginId}' (${first.name}) and '${mount.pluginId}' (${mount.name})`,
        );
      }
      claimed.set(key, mount);
    }
  }

  private guard(mount: MountedRouter, layer: HostLayer): void {
    const at = layer.stack.findIndex((middleware) => declaredAccessOf(middleware) !== undefined);
    const declared = at < 0 ? undefined : declaredAccessOf(layer.stack[at]);
    const rest = at < 0 ? layer.stack : layer.stack.filter((_, index) => index !== at);
    const path = String(layer.path);
    // @koa/router adds HEAD to every GET, so `router.all` lists it twice.
    const methods = [...new Set(layer.methods)];
    const route = { methods, path, pluginId: mount.pluginId, name: mount.name };
    if (declared === undefined) {
      this.routes.push({ ...route, access: { kind: 'undeclared' } });
      this.undeclared.push(`${methods.join(',')} ${path} (${mount.pluginId})`);
      if (this.authorizer.enabled) layer.stack = [refuseUndeclared(path), ...rest];
    } else if (declared.kind === 'public') {
      this.routes.push({ ...route, access: { kind: 'public' } });
      layer.stack = rest;
      this.markPublic(layer);
    } else {
      this.routes.push({
        ...route,
        access: { kind: 'permission', action: declared.action, resource: describe(declared, layer) },
      });
      layer.stack = [this.check(declared), ...rest];
    }
  }

  private markPublic(layer: HostLayer): void {
    const methods = new Set(layer.methods);
    if (typeof layer.path === 'string' && layer.paramNames.length === 0) {
      const known = this.publicExact.get(layer.path);
      this.publicExact.set(layer.path, known ? new Set([...known, ...methods]) : methods);
    } else this.publicPatterns.push({ layer, methods });
  }

  /** The check a declaration stands for; a fixed resource's permission is built once, not per request. */
  private check(declared: Extract<DeclaredAccess, { kind: 'permission' }>): RouteMiddleware {
    const { authorizer } = this;
    const { action, resource } = declared;
    if (typeof resource === 'string') {
      const fixed: Permission = Object.freeze({ action, resource });
      return async (ctx, next) => {
        await authorizer.authorize(ctx.state.principal, fixed);
        await next();
      };
    }
    return async (ctx, next) => {
      await authorizer.authorize(ctx.state.principal, { action, resource: resource(ctx.params) });
      await next();
    };
  }
}

function refuseUndeclared(path: string): RouteMiddleware {
  return (ctx) => {
    throw new AccessDeniedError(
      `${ctx.method} ${path} declares no permission; such routes are refused while authentication is on`,
    );
  };
}

/** A path with its parameter names blanked: `/a/:id` and `/a/:name` are the same route. */
function normalise(path: string | RegExp): string {
  if (typeof path !== 'string') return String(path);
  return path.replace(/([:*])[A-Za-z0-9_$]+/g, '$1');
}

/** The declared resource as text; a computed one is called with `{name}` placeholders. */
function describe(declared: Extract<DeclaredAccess, { kind: 'permission' }>, layer: HostLayer): string {
  const { resource } = declared;
  if (typeof resource === 'string') return resource;
  const placeholders = Object.fromEntries(layer.paramNames.map((key) => [key.name, `{${key.name}}`]));
  try {
    return resource(placeholders);
  } catch {
    return '(computed per request)';
  }
}
