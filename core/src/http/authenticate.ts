import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type AuthRequest, type Authenticator, type Principal } from '../extensions/auth.js';

/**
 * Runs the authenticators in load order; the first that returns a principal wins, one that throws
 * refuses the request (its `AuthenticationError`/`AccessDeniedError` propagates). Nobody claiming
 * the request means the anonymous principal.
 */
export async function authenticate(authenticators: readonly Authenticator[], request: AuthRequest): Promise<Principal> {
  for (const authenticator of authenticators) {
    const principal = await authenticator.authenticate(request);
    if (principal !== undefined) return principal;
  }
  return ANONYMOUS;
}

/** Builds the `AuthRequest` of an HTTP request or upgrade. `api_key` from the query only on `/api/ws/*`. */
export function authRequestOf(
  channel: AuthRequest['channel'],
  path: string,
  headers: IncomingHttpHeaders,
  query: Record<string, string | string[] | undefined>,
): AuthRequest {
  const flat: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(query)) flat[key] = Array.isArray(value) ? value[0] : value;
  if (!path.startsWith('/api/ws/')) delete flat.api_key;
  return { channel, path, headers, query: flat };
}
