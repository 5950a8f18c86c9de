import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Redactor } from '../config/redact.js';
import type { Principal } from '../extensions/auth.js';
import type { ToolInvoker } from '../invocation/ToolInvoker.js';
import type { HangarRuntime } from '../services/coreServices.js';
import type { McpServer } from './McpServer.js';
import type { McpServerState } from './McpServerState.js';

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

  /**
   * `GET /mcp_servers/{id}`: the summary's facts plus config, tools and health. The config's
   * secrets (its transport's `secretFields`, URL passwords, key-named fields) are masked by the
   * kernel's redactor: the REST API never hands them back.
   */
  detail(server: McpServer, tools: readonly Tool[], redactor: Redactor) {
    return {
      mcp_server_id: server.id,
      state: server.state,
      mode: server.config.mode,
      origin: server.origin,
      alive: server.alive,
      ...(server.pid === undefined ? {} : { pid: server.pid }),
      description: server.config.description ?? null,
      config: redactor.server(server.config),
      tools: tools.map((tool) => ({ name: tool.name, description: tool.description ?? null, inputSchema: tool.inputSchema })),
      tools_predefined: server.toolsPredefined,
      health: server.health(),
      in_flight: server.inFlight,
    };
  },

  /**
   * The totals of `GET /system` (seed 001) and `registry_status`. `total_tools` counts what the
   * caller can see, as the listings do; `mcp_servers_by_state` names only the states some server is in.
   */
  system(
    servers: readonly McpServer[],
    invoker: Pick<ToolInvoker, 'visibleTools' | 'totalCalls'>,
    principal: Principal,
    runtime: HangarRuntime,
    now: number,
  ) {
    const byState: Partial<Record<McpServerState, number>> = {};
    for (const server of servers) byState[server.state] = (byState[server.state] ?? 0) + 1;
    return {
      total_mcp_servers: servers.length,
      mcp_servers_by_state: byState,
      total_tools: servers.reduce((sum, server) => sum + invoker.visibleTools(server, principal).length, 0),
      total_tool_calls: invoker.totalCalls,
      uptime_seconds: Math.round(Math.max(0, now - runtime.startedAt)) / 1000,
      version: runtime.version,
    };
  },

  /** An item of `GET /mcp_servers/{id}/tools` (the seed calls the input schema `parameters`). */
  tool(tool: Tool) {
    return { name: tool.name, description: tool.description ?? null, parameters: tool.inputSchema };
  },
};
