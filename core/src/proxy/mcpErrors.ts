import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  CallCancelledError,
  isHangarError,
  McpServerNotFoundError,
  ToolNotFoundError,
  UpstreamError,
  UpstreamTimeoutError,
  ValidationError,
} from '../errors.js';
import { toErrorBody } from '../http/errorMiddleware.js';

/**
 * A JSON-RPC error for the wire. The SDK's `McpError` prefixes its message with `MCP error <code>:`
 * and sends that text, so a client (which prefixes again) would show the code twice; the wire
 * message here is the plain text.
 */
export function wireError(code: number, message: string, data?: unknown): McpError {
  const error = new McpError(code, message, data);
  error.message = message;
  return error;
}

/** A meta tool's answer: the value as (pretty) JSON text. */
export function jsonResult(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

/**
 * A failed call as a tool result (`isError: true`) whose text is the REST error body
 * (`{"error": <name>, "message", "status_code"}`), so MCP and REST callers read the same shape.
 * Anything that is not a `HangarError` is reported as an `InternalServerError` with no internals.
 */
export function errorResult(error: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(toErrorBody(error)) }], isError: true };
}

/**
 * How a failed call of an upstream tool (`<server>__<tool>`) answers the downstream client:
 * - the call names nothing callable (unknown server, unknown or hidden tool) → JSON-RPC `-32602`,
 *   as for an unknown tool in the MCP spec;
 * - the arguments break the tool's `inputSchema` → JSON-RPC `-32602` naming the field. This is a
 *   deliberate choice: the client sent invalid params and no upstream saw the call. (The SDK's own
 *   McpServer and the 2025-11-25 spec prefer an `isError` result here; we keep the protocol error
 *   so a client can tell "Hangar refused your arguments" from "the tool ran and failed".)
 * - the upstream answered with a JSON-RPC error → the same code and message;
 * - a cancelled call is rethrown (the SDK sends no response for a cancelled request);
 * - everything else (start failure, timeout, broken connection, access denied) → an `isError`
 *   result with the error's name and message, which the model can read and act on.
 * Returns the result to answer with, or throws the `McpError` to answer with.
 */
export function upstreamCallFailure(error: unknown, exposedName: string): CallToolResult {
  if (error instanceof McpServerNotFoundError || error instanceof ToolNotFoundError) {
    throw wireError(ErrorCode.InvalidParams, `Unknown tool ${exposedName}: ${error.message}`);
  }
  if (error instanceof ValidationError) {
    throw wireError(ErrorCode.InvalidParams, `Invalid arguments for tool ${exposedName}: ${error.message}`);
  }
  if (error instanceof UpstreamError && error.rpcCode !== undefined) throw wireError(error.rpcCode, error.message);
  if (error instanceof CallCancelledError) throw error;
  if (error instanceof McpError) throw error;
  return errorResult(error);
}

/**
 * The JSON-RPC error for a failed proxied request (resources/read, prompts/get, completion, …):
 * the upstream's own code when it sent one, `-32602` for what the client named wrongly (4xx),
 * `-32001` for a timeout, `-32603` otherwise (with the message only for Hangar's own errors).
 */
export function toMcpError(error: unknown): McpError {
  if (error instanceof McpError) return error;
  if (error instanceof UpstreamError && error.rpcCode !== undefined) return wireError(error.rpcCode, error.message);
  if (error instanceof UpstreamTimeoutError) return wireError(ErrorCode.RequestTimeout, error.message);
  if (isHangarError(error)) {
    const code = error.status_code >= 400 && error.status_code < 499 ? ErrorCode.InvalidParams : ErrorCode.InternalError;
    return wireError(code, error.message);
  }
  return wireError(ErrorCode.InternalError, 'Internal error');
}
