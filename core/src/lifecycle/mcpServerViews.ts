import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../config/configSchema.js';
import type { McpServer } from './McpServer.js';

const REDACTED = '***';

/**
 * How the REST API renders MCP servers (seed 001 field names). `tools` is what the caller may see;
 * the routes pass it in so access filtering stays in one place (the invoker).
 */
export const mcpServerViews = {
  /** An item of `GET /mcp_servers`. */
  summary(server: McpServer, tools: readonly Tool[]) {
    return {
      mcp_server: server.id,
      state: server.state,
      mode: server.config.mode,
      alive: server.alive,
      tools_count: tools.length,
      health_status: server.health().status,
      tools_predefined: server.toolsPredefined,
      description: server.config.description ?? null,
    };
  },

  /** `GET /mcp_servers/{id}`: the summary's facts plus config (secrets masked), tools and health. */
  detail(server: McpServer, tools: readonly Tool[]) {
    return {
      mcp_server_id: server.id,
      state: server.state,
      mode: server.config.mode,
      origin: server.origin,
      alive: server.alive,
      ...(server.pid === undefined ? {} : { pid: server.pid }),
      description: server.config.description ?? null,
      config: redactConfig(server.config),
      tools: tools.map((tool) => ({ name: tool.name, description: tool.description ?? null, inputSchema: tool.inputSchema })),
      tools_predefined: server.toolsPredefined,
      health: server.health(),
      in_flight: server.inFlight,
    };
  },

  /** An item of `GET /mcp_servers/{id}/tools` (the seed calls the input schema `parameters`). */
  tool(tool: Tool) {
    return { name: tool.name, description: tool.description ?? null, parameters: tool.inputSchema };
  },
};

/**
 * The config with every `env` and header value, and any password in the endpoint URL, replaced by
 * `***`: they routinely hold API keys, and the REST API must never hand them back.
 */
function redactConfig(config: McpServerConfig): Record<string, unknown> {
  return {
    ...config,
    env: mask(config.env),
    headers: mask(config.headers),
    ...(config.endpoint === undefined ? {} : { endpoint: redactUrl(config.endpoint) }),
  };
}

function mask(values: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.keys(values ?? {}).map((key) => [key, REDACTED]));
}

function redactUrl(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.password === '') return endpoint;
    url.password = REDACTED;
    return url.toString();
  } catch {
    return endpoint;
  }
}
