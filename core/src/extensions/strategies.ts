import { extensionPoint } from '../kernel/refs.js';

/** A group member as a strategy sees it. */
export interface StrategyMember {
  readonly id: string;
  readonly weight: number;
  readonly priority: number;
  /** Calls currently in flight on this member. */
  readonly inFlight: number;
}

/** Picks one member of a group per call; one selector instance per group, so it may keep state. */
export interface MemberSelector {
  /** Chooses among the members currently in rotation (never empty), or undefined to refuse. */
  select(members: readonly StrategyMember[]): StrategyMember | undefined;
}

/** A load-balancing strategy by name (`round_robin`, `least_connections`, …). */
export interface LoadBalancingStrategy {
  readonly name: string;
  /** A fresh selector for one group. */
  createSelector(): MemberSelector;
}

/**
 * `core.strategies` — keyed by `name`, one strategy per name. First (and only) match wins; the
 * kernel's `round_robin` is contributed through this point.
 */
export const strategiesExtensionPoint = extensionPoint<LoadBalancingStrategy>('core.strategies', { key: (s) => s.name });
