import type { Principal } from './auth.js';
import { extensionPoint } from '../kernel/refs.js';

/** What a request hook sees of an HTTP request (no Koa types: the host may change underneath). */
export interface HttpRequestInfo {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The path, without the query string (`/mcp`, `/api/mcp_servers/math`). */
  readonly path: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The caller once authenticated: always `undefined` in `onRequest` (hooks run before
   * authentication), set in `onResponse` unless authentication refused the request or never ran.
   */
  readonly principal: Principal | undefined;
  /**
   * Sets a response header (`x-request-id`, rate-limit headers, …). Effective in `onRequest`; in
   * `onResponse` the headers are already sent and the call is ignored.
   */
  setHeader(name: string, value: string): void;
}

/** How the request ended, for `onResponse`. */
export interface HttpResponseInfo {
  /** The HTTP status sent (101 for an accepted WebSocket upgrade). */
  readonly status: number;
  /** Milliseconds from the first hook's `onRequest` to the end of the response. */
  readonly duration_ms: number;
  /** False when the client went away before the whole response was sent. */
  readonly completed: boolean;
}

/**
 * Runs around every HTTP request, like fastify's `onRequest` / `onResponse`: request ids,
 * tracing, metrics, rate limits. Every path goes through the hooks (`/mcp`, `/sse`, `/messages`,
 * `/api/...`, WebSocket upgrades, plugin routes, 404s, the 503s while Hangar starts) except the
 * probes `/health` and `/ready`, which must stay cheap.
 */
export interface RequestHook {
  /** Unique among hooks; names the hook in logs. */
  readonly name: string;
  /** Lower runs first; hooks with the same order run in plugin load order. Default 0. */
  readonly order?: number;
  /**
   * Called before the request reaches authentication and the routes. Throw a `HangarError`
   * (`AccessDeniedError`, `ServiceUnavailableError`, …) to refuse the request: it is answered with
   * the error's status and the JSON error body `{"error", "message", "status_code"}`, later hooks
   * and the route never run, and `onResponse` still runs.
   */
  onRequest?(request: HttpRequestInfo): Promise<void> | void;
  /**
   * Called once the response has been sent (or the client went away), for every request whose
   * `onRequest` phase began, refused ones included. It cannot change the response; an error it
   * throws (or a rejected promise) is logged and otherwise ignored.
   */
  onResponse?(request: HttpRequestInfo, response: HttpResponseInfo): Promise<void> | void;
}

/**
 * `core.requestHooks` — keyed by `name`, sequential: the `onRequest` of every hook runs one after
 * the other (each awaited) in `order` (lower first, ties in load order), after the probes
 * (`/health`, `/ready`) and before the readiness gate (503 while starting or stopping) and
 * authentication. So a hook sees requests that are then refused with 503 or 401, and never knows
 * the principal in `onRequest`; it gets it in `onResponse`. Route permissions are checked after
 * authentication, when the route is matched. `onResponse` runs in the same order. With no hook
 * contributed, the host adds no step at all.
 */
export const requestHooksExtensionPoint = extensionPoint<RequestHook>('core.requestHooks', { key: (h) => h.name });
