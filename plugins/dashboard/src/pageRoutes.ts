import Router, { type RouterContext } from '@koa/router';
import { NotFoundError, type HangarState, type HttpRoutes } from '@hangar/core';
import { ASSET_NAMES, type Asset, type StaticAssets } from './StaticAssets.js';

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
 * The page at `/` and its files at `/dashboard/<name>`, mounted at the root. Both are public so
 * the page loads without a key and can ask for one; the data it shows comes from `/api`, which
 * needs the key when auth is on. Unknown names are a 404 in the error body shape. Files answer
 * with `Cache-Control: no-cache` and an ETag: browsers revalidate each load and get a 304.
 */
export function pageRoutes(assets: StaticAssets): HttpRoutes {
  const router = new Router<HangarState>();
  router.get('/', (ctx) => serve(ctx, assets.get('index.html')!));
  router.get(`${ASSET_PREFIX}:name`, (ctx) => {
    const name = ctx.params.name!;
    // index.html is the page; it has one address, `/`.
    const asset = name === 'index.html' ? undefined : assets.get(name);
    if (!asset) throw new NotFoundError(`No dashboard file called '${name}'`);
    serve(ctx, asset);
  });
  // The authenticators skip exact public paths only, so every file is listed by name.
  const publicPaths = ['/', ...ASSET_NAMES.filter((name) => name !== 'index.html').map((name) => `${ASSET_PREFIX}${name}`)];
  return { name: 'dashboard', router, mount: 'root', publicPaths };
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
