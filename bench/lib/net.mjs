// Loopback helpers: a free port on 127.0.0.1 and a poll until an HTTP endpoint answers.
/* global AbortSignal */

import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until `accept(response)` is true; throws after `timeoutMs` or when `alive()` turns
 * false (the process behind it exited).
 */
export async function waitForHttp(url, { timeoutMs = 30_000, accept = (r) => r.status === 200, alive = () => true } = {}) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!alive()) throw new Error(`exited before ${url} answered`);
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    if (response) {
      const ok = await accept(response);
      if (response.bodyUsed === false) await response.body?.cancel();
      if (ok) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
