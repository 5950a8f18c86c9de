import type { LoadBalancingStrategy, MemberSelector, StrategyMember } from '../extensions/strategies.js';

/**
 * `round_robin`: strict alternation over the members in rotation. The cursor advances on every
 * selection, so with members [a, b] calls go a, b, a, b even as other members leave and rejoin.
 */
export const roundRobinStrategy: LoadBalancingStrategy = {
  name: 'round_robin',
  createSelector(): MemberSelector {
    let cursor = 0;
    return {
      select(members: readonly StrategyMember[]): StrategyMember | undefined {
        if (members.length === 0) return undefined;
        const chosen = members[cursor % members.length];
        cursor = (cursor + 1) % Number.MAX_SAFE_INTEGER;
        return chosen;
      },
    };
  },
};
