import Router from '@koa/router';
import type { HttpRoutes } from '../extensions/httpRoutes.js';
import type { HangarState } from '../http/HttpHost.js';
import { toolInvokerRef } from '../invocation/ToolInvoker.js';
import { mcpServersRef } from '../lifecycle/McpServerRegistry.js';
import type { McpServerState } from '../lifecycle/McpServerState.js';
import { clockRef, runtimeRef } from '../services/coreServices.js';

/**
 * `GET /api/system` (seed 001): server and tool counts, tool calls so far, uptime and the core
 * version. `total_tools` counts the tools the caller can see. `mcp_servers_by_state` names only the states some server is in, as the seed shows.
 */
export function createSystemRoutes(): HttpRoutes {
  const router = new Router<HangarState>();

  router.get('/system', (ctx) => {
    const scope = ctx.state.services;
    const servers = scope.resolve(mcpServersRef).list();
    const runtime = scope.resolve(runtimeRef);
    const byState: Partial<Record<McpServerState, number>> = {};
    for (const server of servers) byState[server.state] = (byState[server.state] ?? 0) + 1;
    const invoker = scope.resolve(toolInvokerRef);
    const uptimeMs = Math.max(0, scope.resolve(clockRef).now() - runtime.startedAt);
    ctx.body = {
      system: {
        total_mcp_servers: servers.length,
        mcp_servers_by_state: byState,
        // The same count the listings show: tools hidden by tool_access or a policy are not counted.
        total_tools: servers.reduce((sum, server) => sum + invoker.visibleTools(server, ctx.state.principal).length, 0),
        total_tool_calls: invoker.totalCalls,
        uptime_seconds: Math.round(uptimeMs) / 1000,
        version: runtime.version,
      },
    };
  });

  return { name: 'core-system', router, mount: 'api' };
}
