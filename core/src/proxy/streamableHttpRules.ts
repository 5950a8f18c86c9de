import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import {
  isInitializeRequest,
  JSONRPCMessageSchema,
  RELATED_TASK_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * A request the streamable HTTP transport refuses: the HTTP status and the JSON-RPC error of the
 * body, word for word what the SDK's `WebStandardStreamableHTTPServerTransport` answers.
 */
export interface Refusal {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** 406 unless a POST accepts both JSON and SSE (a substring check, as the SDK does: Accept is a list). */
export function checkPostAccept(headers: IncomingHttpHeaders): Refusal | undefined {
  const accept = headers.accept;
  if (accept?.includes('application/json') && accept.includes('text/event-stream')) return undefined;
  return {
    status: 406,
    code: -32000,
    message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
  };
}

/** 406 unless a GET accepts SSE. */
export function checkGetAccept(headers: IncomingHttpHeaders): Refusal | undefined {
  if (headers.accept?.includes('text/event-stream')) return undefined;
  return { status: 406, code: -32000, message: 'Not Acceptable: Client must accept text/event-stream' };
}

/** 415 unless the POST body is `application/json` (the parsed media type; parameters allowed). */
export function checkContentType(headers: IncomingHttpHeaders): Refusal | undefined {
  if (isJsonContentType(headers['content-type'])) return undefined;
  return { status: 415, code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json' };
}

/**
 * The JSON-RPC messages of a parsed POST body, each accepted or refused as the SDK's
 * `JSONRPCMessageSchema` would (plain requests and notifications without a schema pass), or the
 * 400 the SDK answers for a batch too large or a message that is not JSON-RPC.
 */
export function parseMessages(body: unknown): JSONRPCMessage[] | Refusal {
  if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
    return { status: 400, code: -32600, message: `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages` };
  }
  try {
    return Array.isArray(body) ? body.map(toMessage) : [toMessage(body)];
  } catch {
    return { status: 400, code: -32700, message: 'Parse error: Invalid JSON-RPC message' };
  }
}

function toMessage(value: unknown): JSONRPCMessage {
  return isPlainRequestOrNotification(value) ? value : JSONRPCMessageSchema.parse(value);
}

const MESSAGE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

/**
 * Whether a value is, beyond doubt, a request or notification `JSONRPCMessageSchema` accepts as
 * it is: the shape of nearly every message a client POSTs, checked without a schema pass. Anything
 * less plain (responses, an unusual `_meta`, a doubtful id) is left to the schema, so the verdict
 * is always the SDK's.
 */
export function isPlainRequestOrNotification(value: unknown): value is JSONRPCMessage {
  if (!isRecord(value) || value.jsonrpc !== '2.0' || typeof value.method !== 'string') return false;
  for (const key of Object.keys(value)) if (!MESSAGE_KEYS.has(key)) return false;
  if ('id' in value && typeof value.id !== 'string' && !Number.isSafeInteger(value.id)) return false;
  if (!('params' in value)) return true;
  const params = value.params;
  if (!isRecord(params)) return false;
  if (!('_meta' in params)) return true;
  const meta = params._meta;
  if (!isRecord(meta) || RELATED_TASK_META_KEY in meta) return false;
  const token = meta.progressToken;
  return !('progressToken' in meta) || typeof token === 'string' || Number.isSafeInteger(token);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a message that passed `JSONRPCMessageSchema` is a request: the schemas are strict, so
 * `method` with `id` is a request and nothing else (no second schema pass, unlike `isJSONRPCRequest`).
 */
export function isRequestMessage(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

/** Whether a message is an `initialize` request (the schema pass only for messages named so). */
export function isInitializeMessage(message: unknown): boolean {
  return (message as { method?: unknown } | null)?.method === 'initialize' && isInitializeRequest(message);
}

/** Whether a parsed POST body holds an `initialize` request (which opens a session). */
export function isInitializeBody(body: unknown): boolean {
  return Array.isArray(body) ? body.some(isInitializeMessage) : isInitializeMessage(body);
}

/** The SDK's `validateSession`: 400 before initialize or without the header, 404 for another session's id. */
export function checkSession(
  headers: IncomingHttpHeaders,
  initialized: boolean,
  sessionId: string | undefined,
): Refusal | undefined {
  if (!initialized) return { status: 400, code: -32000, message: 'Bad Request: Server not initialized' };
  const id = headers['mcp-session-id'];
  if (!id) return { status: 400, code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' };
  if (id !== sessionId) return { status: 404, code: -32001, message: 'Session not found' };
  return undefined;
}

/** 400 for an `mcp-protocol-version` header naming a version the SDK does not support; none is fine. */
export function checkProtocolVersion(headers: IncomingHttpHeaders): Refusal | undefined {
  const version = headers['mcp-protocol-version'];
  if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return undefined;
  const supported = SUPPORTED_PROTOCOL_VERSIONS.join(', ');
  return {
    status: 400,
    code: -32000,
    message: `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${supported})`,
  };
}

/** Answers a refusal: its status and a JSON-RPC error body with `id: null`. */
export function writeRefusal(res: ServerResponse, refusal: Refusal, data?: unknown): void {
  const error: { code: number; message: string; data?: unknown } = { code: refusal.code, message: refusal.message };
  if (data !== undefined) error.data = data;
  res.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error, id: null }));
}
