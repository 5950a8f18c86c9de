/**
 * The brand of a route's access declaration. `Symbol.for`, so two copies of `@hangar/core` (a
 * plugin with its own) agree on it.
 */
const DECLARED_ACCESS = Symbol.for('hangar.routeAccess');

/** The resource a route acts on: fixed, or computed from the route's path parameters. */
export type PermissionResource = string | ((params: Readonly<Record<string, string>>) => string);

/** What a route declared: no authentication at all, or a permission checked on every request. */
export type DeclaredAccess =
  { readonly kind: 'public' } | { readonly kind: 'permission'; readonly action: string; readonly resource: PermissionResource };

/**
 * What `permission(...)` returns: a route middleware that carries the route's declaration. The
 * HTTP host reads it at boot and puts the real check in its place; run anywhere else (a router
 * served outside Hangar), it only passes the request on.
 */
export type RouteDeclaration = (ctx: object, next: () => Promise<unknown>) => Promise<unknown>;

function declaration(access: DeclaredAccess): RouteDeclaration {
  const passOn: RouteDeclaration = (_ctx, next) => next();
  return Object.defineProperty(passOn, DECLARED_ACCESS, { value: Object.freeze(access), enumerable: false });
}

/**
 * Declares what a route needs, as the first middleware where it is mounted:
 *
 * ```ts
 * router.get('/mcp_servers/:id', permission('mcp_servers:read', (p) => `mcp_server:${p.id}`), handler);
 * router.get('/hello', permission('hello:read'), handler);
 * router.get('/', permission.public(), page);
 * ```
 *
 * `action` is `<resource>:<verb>` (`mcp_servers:read`, `operations:cancel`); `resource` is fixed
 * (default `global`) or a function of the path parameters. On every request the host asks the
 * authorizer (`core.authorizer`) whether the authenticated principal may do `action` on the
 * resource; a deny answers 403 `AccessDeniedError` before the handler runs. A route that declares
 * nothing is refused with 403 while authentication is on, and logged at boot.
 *
 * `permission.public()` declares a route that needs no authentication at all (the dashboard's
 * page and files): authenticators are not asked and the caller is anonymous.
 */
export const permission: {
  (action: string, resource?: PermissionResource): RouteDeclaration;
  /** Declares a route that needs no authentication (the caller is anonymous). */
  public(): RouteDeclaration;
} = Object.assign(
  (action: string, resource: PermissionResource = 'global'): RouteDeclaration => {
    if (typeof action !== 'string' || action === '') throw new TypeError('permission: action must be a non-empty string');
    return declaration({ kind: 'permission', action, resource });
  },
  { public: (): RouteDeclaration => declaration({ kind: 'public' }) },
);

/** The declaration `middleware` carries, if it is one `permission(...)` made (by any copy of core). */
export function declaredAccessOf(middleware: unknown): DeclaredAccess | undefined {
  if (typeof middleware !== 'function') return undefined;
  return (middleware as unknown as Record<symbol, DeclaredAccess | undefined>)[DECLARED_ACCESS];
}
