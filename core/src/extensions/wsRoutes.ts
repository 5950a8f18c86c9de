import type { WebSocket } from 'ws';
import type { Permission, Principal } from './auth.js';
import { extensionPoint } from '../kernel/refs.js';

/** What a WebSocket handler learns about the accepted upgrade. */
export interface WsConnectionContext {
  readonly principal: Principal;
  /** Query parameters of the upgrade URL. */
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly remoteAddress: string | undefined;
}

/** Handles WebSocket connections on `/api/ws/<path>`. */
export interface WsRoute {
  /** The part after `/api/ws/`, e.g. `events`. */
  readonly path: string;
  /**
   * What a caller needs to connect (`events:read` for `/api/ws/events`): checked through the
   * authorizer after authentication and before the upgrade is accepted; a deny answers HTTP 403.
   */
  readonly permission: Permission;
  /** Called once per accepted connection; the handler owns the socket from then on. */
  handle(socket: WebSocket, context: WsConnectionContext): void;
}

/**
 * `core.wsRoutes` — keyed by `path` (a second contribution with the same path fails the boot). The
 * kernel authenticates the upgrade through `core.authenticators`, then checks the route's
 * `permission`, before the handler sees the socket (HTTP 401/403 on refusal).
 */
export const wsRoutesExtensionPoint = extensionPoint<WsRoute>('core.wsRoutes', { key: (r) => r.path });
