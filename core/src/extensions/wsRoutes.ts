import type { WebSocket } from 'ws';
import type { Principal } from './auth.js';
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
  /** Called once per accepted connection; the handler owns the socket from then on. */
  handle(socket: WebSocket, context: WsConnectionContext): void;
}

/**
 * `core.wsRoutes` — keyed by `path`, first-wins by exact path. The kernel authenticates the upgrade
 * through `core.authenticators` before the handler sees the socket (401/403 on refusal).
 */
export const wsRoutesExtensionPoint = extensionPoint<WsRoute>('core.wsRoutes', { key: (r) => r.path });
