import Router, { type RouterContext } from '@koa/router';
import { NotFoundError, permission, type HangarState, type HttpRoutes } from '@hangar/core';
import type { Asset, StaticAssets } from './StaticAssets.js';

/** Where the static files are served: `/dashboard/<name>`. */
export const ASSET_PREFIX = '/dashboard/';

/**
 * The page's own policy: everything from this origin, nothing inline, no framing. `connect-src
 * 'self'` covers the same-origin WebSockets in current browsers (CSP level 3).
 */
const PAGE_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The page at `/` and its files at `/dashboard/<name>`, mounted at the root. Both are declared
 * `permission.public()` (no authentication at all), so the page loads without a key and can ask
 * for one; the data it shows comes from `/api`, which needs the key when auth is on. Unknown names are a 404 in the error body shape. Files answer
 * with `Cache-Control: no-cache` and an ETag: browsers revalidate each load and get a 304.
 */
export function pageRoutes(assets: StaticAssets): HttpRoutes {
  const router = new Router<HangarState>();
  router.get('/', permission.public(), (ctx) => serve(ctx, assets.get('index.html')!));
  router.get(`${ASSET_PREFIX}:name`, permission.public(), (ctx) => {
    const name = ctx.params.name!;
    // index.html is the page; it has one address, `/`.
    const asset = name === 'index.html' ? undefined : assets.get(name);
    if (!asset) throw new NotFoundError(`No dashboard file called '${name}'`);
    serve(ctx, asset);
  });
  return { name: 'dashboard', router, mount: 'root' };
}

function serve(ctx: RouterContext<HangarState>, asset: Asset): void {
  ctx.status = 200;
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('ETag', asset.etag);
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (asset.name === 'index.html') {
    ctx.set('Content-Security-Policy', PAGE_SECURITY_POLICY);
    ctx.set('Referrer-Policy', 'no-referrer');
  }
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.type = asset.contentType;
  ctx.body = asset.body;
}
