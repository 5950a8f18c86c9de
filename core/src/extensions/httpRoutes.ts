import type Router from '@koa/router';
import type { HangarState } from '../http/HttpHost.js';
import { extensionPoint } from '../kernel/refs.js';

// Declared here, in the public surface, so plugin authors' type-checks see it too; the kernel's
// JSON body middleware (http/jsonBody.ts) fills it.
declare module 'koa' {
  interface Request {
    /** The parsed JSON body of `/api` requests (undefined when the body is empty). */
    body?: unknown;
  }
}

/**
 * A Koa router a plugin contributes. Every route declares what it needs as its first middleware,
 * `permission(action, resource?)` or `permission.public()` (see `permission`).
 */
export interface HttpRoutes {
  /** Names the contribution in logs. */
  readonly name: string;
  /** Paths are relative to the mount point; `ctx.state` carries the principal and a DI scope. */
  readonly router: Router<HangarState>;
  /** `api` (default) mounts under `/api`; `root` at `/` (for `/metrics`, the dashboard). */
  readonly mount?: 'api' | 'root';
}

/**
 * `core.httpRoutes` — sequential: routers are composed in load order into the Koa app after the
 * kernel's own steps (error mapping, request hooks, authentication, JSON body). Two routes with
 * the same method and path (after the mount prefix), from one plugin or two, fail the boot with
 * `ExtensionConflictError` naming both. Each route's declared permission is checked before its
 * handler; a route that declares none is refused with 403 while authentication is on. Unmatched
 * paths fall through to a 404 / 405 in the error body shape.
 */
export const httpRoutesExtensionPoint = extensionPoint<HttpRoutes>('core.httpRoutes');
