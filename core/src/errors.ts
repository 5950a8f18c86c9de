/**
 * Every coded error Hangar raises lives in this file. Each one carries a stable `code`
 * (`HANGAR_ERR_*`) for logs and tests, and the HTTP `status_code` the REST error middleware
 * answers with. The middleware renders `{"error": <name>, "message", "status_code"}` (seed 001),
 * where `<name>` is the class name, so class names are part of the public contract.
 */
const HANGAR_ERROR = Symbol.for('hangar.error');

/**
 * True for any `HangarError`, including one made by a plugin's own copy of `@hangar/core` (an npm
 * plugin may bring a nested copy, where `instanceof` would fail).
 */
export function isHangarError(error: unknown): error is HangarError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[HANGAR_ERROR] === true;
}

export class HangarError extends Error {
  /** Brand checked by `isHangarError`, so errors from another copy of `@hangar/core` still count. */
  readonly [HANGAR_ERROR] = true;
  /** Stable machine-readable code, `HANGAR_ERR_*`. */
  readonly code: string;
  /** HTTP status the REST API answers with when this error escapes a handler. */
  readonly status_code: number;

  constructor(message: string, code = 'HANGAR_ERR_INTERNAL', statusCode = 500, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status_code = statusCode;
  }
}

// ---- plugin system (boot) -------------------------------------------------------------------

/** The plugins file or a plugin's module could not be found or is not a Hangar plugin. */
export class PluginNotFoundError extends HangarError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'HANGAR_ERR_PLUGIN_NOT_FOUND', 500, options);
  }
}

/** A plugin names an `after` dependency that is not loaded. */
export class PluginDependencyMissingError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_PLUGIN_DEPENDENCY_MISSING');
  }
}

/** The `after` graph of the loaded plugins has a cycle. */
export class PluginCycleError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_PLUGIN_CYCLE');
  }
}

/** A plugin's `coreRange` does not accept this kernel's version. */
export class PluginVersionMismatchError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_PLUGIN_VERSION_MISMATCH');
  }
}

/** Two plugins (or two contributions that must be unique) share an id. */
export class PluginDuplicateError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_PLUGIN_DUPLICATE');
  }
}

/** A plugin's options, or the plugins file itself, do not match the expected schema. */
export class PluginBadOptionsError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_PLUGIN_BAD_OPTIONS');
  }
}

/** A plugin's `register` or `init` threw, or it broke the register/init protocol. */
export class PluginInitFailedError extends HangarError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'HANGAR_ERR_PLUGIN_INIT_FAILED', 500, options);
  }
}

/** A plugin's `stop` hook (or the disposal of its services) threw. */
export class PluginStopFailedError extends HangarError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'HANGAR_ERR_PLUGIN_STOP_FAILED', 500, options);
  }
}

/** A plugin's init, start or stop did not finish within its time limit. */
export class PluginTimeoutError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_PLUGIN_TIMEOUT');
  }
}

// ---- configuration ------------------------------------------------------------------------

/** The config file is missing, unreadable, not YAML/JSON, or fails validation. */
export class ConfigError extends HangarError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'HANGAR_ERR_CONFIG', 422, options);
  }
}

/** The command line is wrong (unknown flag, bad value) or unsafe (`--host` exposed without auth). */
export class CliUsageError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_CLI_USAGE', 400);
  }
}

// ---- HTTP API (seed 001 error shapes) -------------------------------------------------------

/** The request body is not valid JSON. */
export class InvalidJSONError extends HangarError {
  constructor(message = 'Request body is not valid JSON') {
    super(message, 'HANGAR_ERR_INVALID_JSON', 400);
  }
}

/** A field is missing or has the wrong type or value; the message names the field. */
export class ValidationError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_VALIDATION', 422);
  }
}

/** No route answers this path. */
export class NotFoundError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_NOT_FOUND', 404);
  }
}

/** A route exists for this path but not for this HTTP method. */
export class MethodNotAllowedError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_METHOD_NOT_ALLOWED', 405);
  }
}

/** The HTTP method is not one the API implements at all (e.g. `PROPFIND`). */
export class NotImplementedError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_NOT_IMPLEMENTED', 501);
  }
}

/** The request body is larger than the API accepts. */
export class PayloadTooLargeError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_PAYLOAD_TOO_LARGE', 413);
  }
}

/** The body is not JSON (wrong Content-Type) where JSON is required. */
export class UnsupportedMediaTypeError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_UNSUPPORTED_MEDIA_TYPE', 415);
  }
}

/** An entity with this id already exists. */
export class ConflictError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_CONFLICT', 409);
  }
}

/** No credentials, or credentials that identify nobody. */
export class AuthenticationError extends HangarError {
  constructor(message = 'Authentication required') {
    super(message, 'HANGAR_ERR_AUTHENTICATION', 401);
  }
}

/** The caller is known but not allowed to do this. */
export class AccessDeniedError extends HangarError {
  constructor(message = 'Access denied') {
    super(message, 'HANGAR_ERR_ACCESS_DENIED', 403);
  }
}

/** Hangar is starting or stopping and cannot serve this yet. */
export class ServiceUnavailableError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_UNAVAILABLE', 503);
  }
}

/** Something unexpected; the client sees only a generic message, the log has the details. */
export class InternalServerError extends HangarError {
  constructor(message = 'Internal server error', options?: ErrorOptions) {
    super(message, 'HANGAR_ERR_INTERNAL', 500, options);
  }
}

// ---- MCP servers, tools and upstream calls ---------------------------------------------------

/** No MCP server (or group) with this id is registered. */
export class McpServerNotFoundError extends HangarError {
  constructor(id: string) {
    super(`MCP server '${id}' not found`, 'HANGAR_ERR_MCP_SERVER_NOT_FOUND', 404);
  }
}

/** The server exists but has no tool (or prompt, resource) by this name. */
export class ToolNotFoundError extends HangarError {
  constructor(serverId: string, tool: string) {
    super(`Tool '${tool}' not found on MCP server '${serverId}'`, 'HANGAR_ERR_TOOL_NOT_FOUND', 404);
  }
}

/** No operation with this id is kept (never started, or evicted past `operations.max_kept`). */
export class OperationNotFoundError extends HangarError {
  constructor(id: string) {
    super(`Operation '${id}' not found`, 'HANGAR_ERR_OPERATION_NOT_FOUND', 404);
  }
}

/** A state change the McpServer state machine does not allow (a bug if it ever escapes). */
export class InvalidStateTransitionError extends HangarError {
  constructor(serverId: string, from: string, to: string) {
    super(`MCP server '${serverId}' cannot go from ${from} to ${to}`, 'HANGAR_ERR_INVALID_TRANSITION', 409);
  }
}

/** The server could not be started (spawn, connect or MCP initialize failed). */
export class McpServerStartError extends HangarError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'HANGAR_ERR_MCP_SERVER_START', 503, options);
  }
}

/** The server is degraded (or backing off after failures) and does not take calls right now. */
export class McpServerUnavailableError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_MCP_SERVER_UNAVAILABLE', 503);
  }
}

/** The upstream answered with a JSON-RPC error, or its connection broke mid-call. */
export class UpstreamError extends HangarError {
  constructor(
    message: string,
    /** The upstream's JSON-RPC error code, when it sent one. */
    readonly rpcCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, 'HANGAR_ERR_UPSTREAM', 502, options);
  }
}

/** The upstream did not answer within the call's timeout. */
export class UpstreamTimeoutError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_UPSTREAM_TIMEOUT', 504);
  }
}

/** The caller cancelled the call (MCP `notifications/cancelled`, a closed request). */
export class CallCancelledError extends HangarError {
  constructor(message = 'The call was cancelled') {
    super(message, 'HANGAR_ERR_CANCELLED', 499);
  }
}

// ---- extension points and services --------------------------------------------------------

/** Something resolved a service ref that no one provides. */
export class ServiceMissingError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_SERVICE_MISSING');
  }
}

/** Two contributions to a keyed extension point share a key (e.g. two `docker` transports). */
export class ExtensionConflictError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_EXTENSION_CONFLICT');
  }
}

// ---- events -------------------------------------------------------------------------------

/** An append found the stream at another version than the caller expected (optimistic concurrency). */
export class ConcurrencyError extends HangarError {
  constructor(
    readonly stream_id: string,
    readonly expected_version: number,
    readonly actual_version: number,
  ) {
    super(`stream '${stream_id}' is at version ${actual_version}, expected ${expected_version}`, 'HANGAR_ERR_CONCURRENCY', 409);
  }
}

/** A stored payload could not be brought to the current schema version (seed 004). */
export class UpcastingError extends HangarError {
  constructor(message: string) {
    super(message, 'HANGAR_ERR_UPCASTING');
  }
}
