import { createRequire } from 'node:module';
import type { Middleware } from 'koa';
import type { WebSocket, WebSocketServer } from 'ws';

/** koa-easy-ws' middleware with the server it owns. */
export type WebSocketMiddleware = Middleware & { server: WebSocketServer };

type Factory = (propertyName?: string, options?: { wsOptions?: { maxPayload?: number } }) => WebSocketMiddleware;

// koa-easy-ws is CommonJS and its bundled .d.ts does not compile under NodeNext; this is the one
// place that loads it, with the small type above.
const websocket = createRequire(import.meta.url)('koa-easy-ws') as Factory;

/** Creates the upgrade middleware: on an upgrade request `ctx.ws()` accepts the socket. */
export function createWebSocketMiddleware(maxPayloadBytes = 1024 * 1024): WebSocketMiddleware {
  return websocket('ws', { wsOptions: { maxPayload: maxPayloadBytes } });
}

/** On an upgrade request (after the middleware ran), the function that accepts the socket. */
export function acceptWebSocket(ctx: object): (() => Promise<WebSocket>) | undefined {
  return (ctx as { ws?: () => Promise<WebSocket> }).ws;
}
