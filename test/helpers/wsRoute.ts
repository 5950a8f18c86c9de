import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { WebSocketServer } from 'ws';
import { ANONYMOUS, type WsRoute } from '@hangar/core';

/**
 * Serves one WebSocket route on its own (a real `ws` server on 127.0.0.1, no HTTP host), so a hub
 * can be tested without booting Hangar; `close` runs at test end, before the server closes.
 * Resolves with the port.
 */
export async function serveWsRoute(t: ExecutionContext, route: WsRoute, close: () => void): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  server.on('connection', (socket, req) =>
    route.handle(socket, { principal: ANONYMOUS, query: {}, remoteAddress: req.socket.remoteAddress }),
  );
  t.teardown(async () => {
    close();
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}
