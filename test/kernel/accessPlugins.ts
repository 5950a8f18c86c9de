import { request } from 'node:http';
import {
  AuthenticationError,
  authenticatorsExtensionPoint,
  definePlugin,
  policiesExtensionPoint,
  type PluginDefinition,
} from '@hangar/core';

/** The key `keyAuthPlugin` accepts. */
export const TEST_KEY = 'test-key';

/**
 * Turns authentication on: `X-API-Key: test-key` is the principal `tester`; any other `/api` or
 * MCP request without it is refused with 401 (public routes never reach it).
 */
export const keyAuthPlugin: PluginDefinition<unknown> = definePlugin({
  id: 'test-key-auth',
  coreRange: '*',
  register(env) {
    env.provide(authenticatorsExtensionPoint, {
      name: 'test-key-auth',
      authenticate(request) {
        const header = request.headers['x-api-key'];
        const key = (Array.isArray(header) ? header[0] : header) ?? request.query.api_key;
        if (key !== TEST_KEY) throw new AuthenticationError('An API key is required (X-API-Key)');
        return { id: 'tester', type: 'api_key', roles: ['admin'] };
      },
    });
    env.init({ run: () => undefined });
  },
});

/** A policy that denies exactly `actions` (for every principal and resource) and abstains otherwise. */
export function denyingPolicyPlugin(actions: readonly string[]): PluginDefinition<unknown> {
  const denied = new Set(actions);
  return definePlugin({
    id: 'denying-policy',
    coreRange: '*',
    register(env) {
      env.provide(policiesExtensionPoint, {
        name: 'denying-policy',
        check: ({ action }) => (denied.has(action) ? 'deny' : 'abstain'),
      });
      env.init({ run: () => undefined });
    },
  });
}

/** The HTTP status a WebSocket upgrade of `url` answers (101 when accepted; the socket is then dropped). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
    req.end();
  });
}
