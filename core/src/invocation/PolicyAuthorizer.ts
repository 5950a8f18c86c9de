import type { Logger } from 'pino';
import { AccessDeniedError } from '../errors.js';
import type { AccessPolicy, Authorizer, Permission, Principal, ToolAccessSubject } from '../extensions/auth.js';
import { toolAllowed } from './toolAccess.js';

const ALLOWED: Promise<void> = Promise.resolve();

/**
 * The kernel's `core.authorizer`: asks every `core.policies` contribution in load order; any `deny`
 * refuses with `AccessDeniedError`. A policy that throws is logged (naming it) and counts as a
 * deny: a broken policy must never let a caller through, nor refuse without a trace.
 *
 * Policies are read through `policies()` on each question, so contributions resolved after the
 * authorizer was built (factories run after their plugin's init) are asked too.
 */
export class PolicyAuthorizer implements Authorizer {
  constructor(
    private readonly policies: () => readonly AccessPolicy[],
    private readonly logger: Logger,
    readonly enabled: boolean,
  ) {}

  authorize(principal: Principal, permission: Permission, deniedMessage?: string): Promise<void> {
    const policies = this.policies();
    // Every route and call asks; with no policy (auth off) the answer costs no async frame.
    if (policies.length === 0) return ALLOWED;
    return this.askAll(policies, principal, permission, deniedMessage);
  }

  private async askAll(
    policies: readonly AccessPolicy[],
    principal: Principal,
    permission: Permission,
    deniedMessage: string | undefined,
  ): Promise<void> {
    for (const policy of policies) {
      if ((await this.ask(policy, principal, permission)) === 'deny') {
        throw new AccessDeniedError(deniedMessage ?? `'${principal.id}' may not ${permission.action} on ${permission.resource}`);
      }
    }
  }

  async permitted(principal: Principal, permission: Permission): Promise<boolean> {
    for (const policy of this.policies()) {
      if ((await this.ask(policy, principal, permission)) === 'deny') return false;
    }
    return true;
  }

  toolAllowed(principal: Principal, subject: ToolAccessSubject, tool: string): boolean {
    return toolAllowed(subject, tool, principal, this.policies());
  }

  private async ask(policy: AccessPolicy, principal: Principal, permission: Permission): Promise<string> {
    try {
      return await policy.check({ principal, action: permission.action, resource: permission.resource });
    } catch (error) {
      this.logger.error(
        { err: error, policy: policy.name, principal: principal.id, ...permission },
        `access policy '${policy.name}' failed; the request is refused`,
      );
      return 'deny';
    }
  }
}
