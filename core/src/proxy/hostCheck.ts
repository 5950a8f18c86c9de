import os from 'node:os';
import { AccessDeniedError } from '../errors.js';
import { isLoopback } from '../http/isLoopback.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** What the check needs to know about one request. */
export interface HostCheckRequest {
  readonly host: string | undefined;
  readonly origin: string | undefined;
  /** The local address and port the connection arrived on. */
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
}

/**
 * DNS-rebinding protection for the MCP endpoints (`/mcp`, `/sse`, `/messages`): a web page from
 * another origin whose host name resolves to Hangar's address must not reach it.
 *
 * - Hangar listening on a loopback address: the `Host` header must be `127.0.0.1:<port>`,
 *   `localhost:<port>` or `[::1]:<port>` (the port the connection arrived on; 80 when omitted) and an `Origin`
 *   header, if present, must be `http(s)://` one of those names, with any port or none (a page
 *   served from this machine is as local as the client itself).
 * - Hangar listening on another host: the accepted names are the loopback names plus the listen
 *   host (unless it is a wildcard like `0.0.0.0`), this machine's host name (`os.hostname()`) and
 *   the local address the connection arrived on. An IP literal cannot be rebound, so accepting the
 *   address the client dialled is safe.
 *
 * Throws `AccessDeniedError` (403, rendered by the error middleware) naming the rejected header.
 * `listenHost` is the address Hangar listens on; when unknown, the connection's local address
 * stands in for it.
 */
export function checkHostAndOrigin(request: HostCheckRequest, listenHost: string | undefined): void {
  const listen = listenHost ?? request.localAddress ?? '127.0.0.1';
  const names = new Set(LOOPBACK_NAMES);
  if (!isLoopback(stripIpv4Mapped(listen))) {
    if (!WILDCARDS.has(listen)) names.add(bracketed(listen).toLowerCase());
    names.add(os.hostname().toLowerCase());
    if (request.localAddress) names.add(bracketed(stripIpv4Mapped(request.localAddress)).toLowerCase());
  }
  const host = parseHost(request.host);
  if (!host || !names.has(host.name) || (host.port ?? 80) !== request.localPort) {
    throw new AccessDeniedError(`Host header '${request.host ?? ''}' is not allowed for the MCP endpoints`);
  }
  if (request.origin !== undefined && !originAllowed(request.origin, names)) {
    throw new AccessDeniedError(`Origin '${request.origin}' is not allowed for the MCP endpoints`);
  }
}

function originAllowed(origin: string, names: ReadonlySet<string>): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return names.has(url.hostname.toLowerCase());
}

/** `name[:port]` with the name lower-cased and IPv6 kept in brackets; undefined if malformed. */
function parseHost(value: string | undefined): { name: string; port: number | undefined } | undefined {
  const match = value === undefined ? null : /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase(), port: match[2] === undefined ? undefined : Number(match[2]) };
}

function bracketed(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) is `127.0.0.1`. */
function stripIpv4Mapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
