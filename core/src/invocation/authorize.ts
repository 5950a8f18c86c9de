import { AccessDeniedError } from '../errors.js';
import type { AccessPolicy, Principal } from '../extensions/auth.js';

/**
 * Asks every policy whether `principal` may do `action` on `resource`; any `deny` refuses with
 * `AccessDeniedError`. Actions are `mcp_server:<verb>` (the invoker checks `mcp_server:invoke`).
 */
export async function authorize(
  policies: readonly AccessPolicy[],
  principal: Principal,
  action: string,
  resource: string,
  deniedMessage = `'${principal.id}' may not ${action} on ${resource}`,
): Promise<void> {
  for (const policy of policies) {
    if ((await policy.check({ principal, action, resource })) === 'deny') throw new AccessDeniedError(deniedMessage);
  }
}

/** Whether no policy denies; for listings, which leave out what the caller may not read. */
export async function permitted(
  policies: readonly AccessPolicy[],
  principal: Principal,
  action: string,
  resource: string,
): Promise<boolean> {
  try {
    await authorize(policies, principal, action, resource);
    return true;
  } catch {
    return false;
  }
}
