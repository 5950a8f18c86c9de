import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { requiredClientCapability, type DownstreamPeer } from './DownstreamPeer.js';

/**
 * Sends a server→client request (sampling, elicitation, roots) an upstream made to the first
 * candidate session whose client declared the capability. MCP does not say which call such a
 * request belongs to, so the caller lists the session of the latest call in flight first, then the
 * last caller (roots/list after a list_changed arrives with no call in flight).
 */
export function relayToPeer(
  request: { method: string; params?: Record<string, unknown> },
  signal: AbortSignal,
  candidates: readonly (DownstreamPeer | undefined)[],
): Promise<Record<string, unknown>> {
  const capability = requiredClientCapability(request.method);
  const peer = candidates.find(
    (candidate) => candidate && (capability === undefined || candidate.clientCapabilities()?.[capability]),
  );
  if (!peer) {
    return Promise.reject(new McpError(ErrorCode.MethodNotFound, `No connected MCP client of Hangar supports ${request.method}`));
  }
  return peer.request(request, signal);
}
