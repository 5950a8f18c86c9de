// Preloaded (`node --import`) into every peer gateway the bench starts, so that a peer stays on
// this machine: a server that would listen on every interface listens on 127.0.0.1 instead, and
// an outbound fetch or socket to anything but loopback is refused (mcp-hub fetches a marketplace
// catalogue at boot; it gets a 503 and goes on with an empty one).
/* global Response */
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  } else if (first !== null && typeof first === 'object' && first.path === undefined && first.fd === undefined) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const [first] = args;
  const host =
    first !== null && typeof first === 'object' ? (first.path === undefined ? (first.host ?? 'localhost') : undefined) : args[1];
  if (typeof host === 'string' && !LOOPBACK.test(host)) {
    process.nextTick(() => this.destroy(new Error(`the bench allows loopback connections only, not ${host}`)));
    return this;
  }
  return connect.apply(this, args);
};

const originalFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (!LOOPBACK.test(url.hostname)) {
    return new Response(`the bench allows loopback requests only, not ${url.hostname}`, {
      status: 503,
      statusText: 'Loopback only',
    });
  }
  return originalFetch(input, init);
};
