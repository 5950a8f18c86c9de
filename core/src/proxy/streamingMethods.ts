import { isInitializeRequest, isJSONRPCRequest, type JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/**
 * Requests the face answers on streamable HTTP with one `application/json` body: their handlers
 * never send anything related to them before the answer (no upstream progress, no sampling or
 * elicitation on their behalf). `tools/call`, `resources/read` and `prompts/get` are answered as
 * SSE streams, because the upstream may report progress or ask the client something meanwhile.
 */
export const JSON_ANSWERED_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'logging/setLevel',
  'completion/complete',
]);

/**
 * Whether a POST body is answered as JSON: it holds at least one request and every request in it
 * is a JSON-answered method. Decided from the parsed body alone, per HTTP request, so concurrent
 * requests on one session never influence each other's mode (the SDK transport itself always
 * streams; webBridge.sseToJson collapses the stream for these).
 */
export function answeredAsJson(body: unknown): boolean {
  const messages = Array.isArray(body) ? (body as unknown[]) : [body];
  const requests = messages.filter((message): message is JSONRPCRequest => isJSONRPCRequest(message));
  return requests.length > 0 && requests.every((request) => JSON_ANSWERED_METHODS.has(request.method));
}

/** Whether a POST body is an `initialize` request (which opens a session). */
export function isInitializeBody(body: unknown): boolean {
  const messages = Array.isArray(body) ? (body as unknown[]) : [body];
  return messages.some((message) => isInitializeRequest(message));
}
