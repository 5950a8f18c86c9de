import { wireError } from './mcpErrors.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitResultSchema,
  EmptyResultSchema,
  ErrorCode,
  ListRootsResultSchema,
  ResultSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { requiredClientCapability, type DownstreamPeer } from '../lifecycle/DownstreamPeer.js';

/** The `extra` the SDK hands a request handler of our downstream `Server`. */
export type HandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Server→client requests (sampling, elicitation) may wait for a human; the upstream's own signal ends them sooner. */
const CLIENT_REQUEST_TIMEOUT_MS = 10 * 60_000;

/**
 * The downstream peer of one request handled by a session: a server→client request an upstream
 * makes while this request (a tool call, a resource read, …) is in flight is sent with the SDK's
 * `extra.sendRequest`, so it carries `relatedRequestId` and, over streamable HTTP, goes out on
 * that request's own SSE stream, where the client is sure to be listening. Once the request has
 * been answered (`inFlight()` false) — the lifecycle may still pick this peer as the last one
 * used — requests go out unrelated, on the session's standalone stream. Without `extra` the peer
 * is the session's own.
 *
 * A client that did not declare the capability a method needs (`sampling`, `elicitation`,
 * `roots`) is not asked at all: the upstream gets JSON-RPC `-32601`, which is what the client
 * itself would answer for a method it has no handler for.
 */
export function sessionPeer(
  sessionId: string,
  server: Server,
  call?: { readonly extra: HandlerExtra; readonly inFlight: () => boolean },
): DownstreamPeer {
  return {
    id: sessionId,
    clientCapabilities: () => server.getClientCapabilities(),
    async request(request, signal) {
      const capability = requiredClientCapability(request.method);
      if (capability !== undefined && !server.getClientCapabilities()?.[capability]) {
        throw wireError(
          ErrorCode.MethodNotFound,
          `The downstream MCP client (session ${sessionId}) does not support ${capability} (${request.method})`,
        );
      }
      const schema = resultSchemaFor(request);
      const message = request as ServerRequest;
      const options = { signal, timeout: CLIENT_REQUEST_TIMEOUT_MS };
      const result =
        call && call.inFlight()
          ? await call.extra.sendRequest(message, schema, options)
          : await server.request(message, schema, options);
      return result;
    },
  };
}

/** The SDK schema the client's answer is checked against (a passthrough for other methods). */
function resultSchemaFor(request: { method: string; params?: Record<string, unknown> }) {
  switch (request.method) {
    case 'sampling/createMessage':
      return request.params?.tools === undefined ? CreateMessageResultSchema : CreateMessageResultWithToolsSchema;
    case 'elicitation/create':
      return ElicitResultSchema;
    case 'roots/list':
      return ListRootsResultSchema;
    case 'ping':
      return EmptyResultSchema;
    default:
      return ResultSchema;
  }
}
