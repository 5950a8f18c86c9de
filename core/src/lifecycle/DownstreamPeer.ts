import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/**
 * A downstream MCP session that can answer the server→client requests an upstream makes during a
 * call (sampling, elicitation, roots). The MCP face implements it per session; the lifecycle routes
 * an upstream's request to the peer of the call in flight.
 */
export interface DownstreamPeer {
  readonly id: string;
  /** Capabilities the downstream client declared at initialize (undefined before). */
  clientCapabilities(): ClientCapabilities | undefined;
  /** Sends a server→client request to the downstream client and resolves with its raw result. */
  request(request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal): Promise<Record<string, unknown>>;
}

/** The client capability a server→client request needs (`sampling`, `elicitation`, `roots`), if any. */
export function requiredClientCapability(method: string): keyof ClientCapabilities | undefined {
  if (method === 'sampling/createMessage') return 'sampling';
  if (method === 'elicitation/create') return 'elicitation';
  if (method === 'roots/list') return 'roots';
  return undefined;
}

/** Options of one upstream request. */
export interface UpstreamCallOptions {
  readonly signal?: AbortSignal;
  /** Default 30 000. */
  readonly timeoutMs?: number;
  /** Receives each upstream progress notification of this call, in order, none lost. */
  readonly onProgress?: (progress: UpstreamProgress) => void;
  /** Who answers sampling/elicitation/roots requests the upstream makes during this call. */
  readonly peer?: DownstreamPeer;
}

/** One upstream progress notification's values. */
export interface UpstreamProgress {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}
