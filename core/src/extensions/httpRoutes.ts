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

/** A Koa router a plugin contributes. */
export interface HttpRoutes {
  /** Names the contribution in logs. */
  readonly name: string;
  /** Paths are relative to the mount point; `ctx.state` carries the principal and a DI scope. */
  readonly router: Router<HangarState>;
  /** `api` (default) mounts under `/api`; `root` at `/` (for `/metrics`, the dashboard). */
  readonly mount?: 'api' | 'root';
  /** Paths (relative to the mount) that need no authentication, like `/metrics`. */
  readonly publicPaths?: readonly string[];
}

/**
 * `core.httpRoutes` — sequential: routers are composed in load order into the Koa app after the
 * kernel's own middleware (error mapping, JSON body, authentication). The first router whose
 * route matches answers; unmatched paths fall through to a 404 / 405 in the error body shape.
 */
export const httpRoutesExtensionPoint = extensionPoint<HttpRoutes>('core.httpRoutes');
