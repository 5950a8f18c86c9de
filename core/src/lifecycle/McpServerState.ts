import { InvalidStateTransitionError } from '../errors.js';

/** Where an MCP server is in its life (README "MCP servers"). */
export type McpServerState = 'cold' | 'initializing' | 'ready' | 'degraded' | 'dead';

/** Every state, in the order listings show them. */
export const MCP_SERVER_STATES: readonly McpServerState[] = ['cold', 'initializing', 'ready', 'degraded', 'dead'];

/** The transition table: the only moves the state machine allows. */
export const TRANSITIONS: Readonly<Record<McpServerState, readonly McpServerState[]>> = {
  cold: ['initializing'],
  initializing: ['ready', 'degraded', 'dead'],
  ready: ['cold', 'degraded', 'dead'],
  degraded: ['initializing', 'cold'],
  dead: ['initializing', 'degraded'],
};

/** Whether `from → to` is in the table. */
export function canTransition(from: McpServerState, to: McpServerState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws `InvalidStateTransitionError` unless `from → to` is in the table. */
export function assertTransition(serverId: string, from: McpServerState, to: McpServerState): void {
  if (!canTransition(from, to)) throw new InvalidStateTransitionError(serverId, from, to);
}
