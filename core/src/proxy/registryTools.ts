import { randomUUID } from 'node:crypto';
import { mcpServerViews } from '../lifecycle/mcpServerViews.js';
import { z } from 'zod';
import type { HangarConfig } from '../config/configSchema.js';
import type { Authorizer, Principal } from '../extensions/auth.js';
import type { DiscoverySourceFactory } from '../extensions/discoverySources.js';
import type { OperationRegistry } from '../operations/OperationRegistry.js';
import type { ToolInvoker } from '../invocation/ToolInvoker.js';
import type { McpServer } from '../lifecycle/McpServer.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import { MCP_SERVER_STATES, type McpServerState } from '../lifecycle/McpServerState.js';
import type { Clock } from '../services/Clock.js';
import type { HangarRuntime } from '../services/coreServices.js';
import { toErrorBody } from '../http/errorMiddleware.js';
import { ServerTarget } from '../invocation/ServerTargets.js';
import { invokeWithRetries } from './invokeWithRetries.js';
import type { RegistryTool } from '../extensions/registryTools.js';
import { defineMetaTool } from './metaToolKit.js';

/** What the kernel's meta tools work with. */
export interface MetaToolContext {
  readonly registry: McpServerRegistry;
  readonly invoker: ToolInvoker;
  /** `registry_invoke_stream` runs each call as an operation (`/api/ws/operations`). */
  readonly operations: OperationRegistry;
  readonly config: HangarConfig;
  readonly authorizer: Authorizer;
  readonly runtime: HangarRuntime;
  /** For uptime. */
  readonly clock: Clock;
  /** Source types some plugin can create (`filesystem`, `docker`, …). */
  readonly discoverySources: readonly DiscoverySourceFactory[];
}

const serverId = z.string().min(1).describe('MCP server id (`provider` is accepted as an alias)');
const targetId = z
  .string()
  .min(1)
  .describe('MCP server id, or the name of a group or other target a plugin provides (`provider` is accepted as an alias)');
const invokeShape = {
  mcp_server: targetId,
  tool: z.string().min(1).describe('The upstream tool name (`add`, not `math__add`)'),
  arguments: z.record(z.string(), z.unknown()).optional().describe('Arguments, checked against the tool inputSchema'),
  timeout_s: z.number().positive().max(3600).optional().describe('Timeout in seconds (default 30)'),
};

const DISCOVERY_NOTE =
  'Hangar has no discovery service running yet: nothing was scanned. The sources are those the config declares under discovery.sources.';

/**
 * The kernel's `registry_*` meta tools (seed 003 names, docs/mcp.md). `registry_list` never starts
 * a server; `registry_tools` starts one only while its tools are unknown (`McpServerRegistry.listReady`); `registry_start`, `registry_warm` and the invoke tools do. The invoke tools pass the
 * upstream's own result on (content unchanged) with `_meta["hangar/invocation"]` added; the others
 * answer JSON text. Every failure is an `isError` result with the error's name and message.
 */
export function registryMetaTools(context: MetaToolContext): RegistryTool[] {
  const { registry, invoker, authorizer } = context;

  const readable = async (principal: Principal, state?: McpServer['state']): Promise<McpServer[]> => {
    const servers = registry.list(state);
    const allowed = await Promise.all(
      servers.map((server) =>
        authorizer.permitted(principal, { action: 'mcp_servers:read', resource: `mcp_server:${server.id}` }),
      ),
    );
    return servers.filter((_, index) => allowed[index]);
  };
  const readOne = async (principal: Principal, id: string): Promise<McpServer> => {
    const server = registry.get(id);
    await authorizer.authorize(principal, { action: 'mcp_servers:read', resource: `mcp_server:${server.id}` });
    return server;
  };

  return [
    defineMetaTool({
      name: 'registry_list',
      description: 'List all MCP servers with state, health status and available tools (never starts one).',
      schema: z.object({
        state_filter: z
          .enum(MCP_SERVER_STATES as [McpServerState, ...McpServerState[]])
          .optional()
          .describe('Only servers in this state'),
      }),
      run: async ({ state_filter }, { principal }) => ({
        mcp_servers: (await readable(principal, state_filter)).map((server) => {
          const tools = invoker.visibleTools(server, principal);
          return { ...mcpServerViews.summary(server, tools), tools: tools.map((tool) => tool.name) };
        }),
      }),
    }),
    defineMetaTool({
      name: 'registry_start',
      description: 'Explicitly start an MCP server.',
      schema: z.object({ mcp_server: serverId }),
      run: async ({ mcp_server }, { principal }) => {
        const server = registry.get(mcp_server);
        await authorizer.authorize(principal, { action: 'mcp_servers:start', resource: `mcp_server:${server.id}` });
        return server.start(principal);
      },
    }),
    defineMetaTool({
      name: 'registry_stop',
      description: 'Stop a running MCP server.',
      schema: z.object({ mcp_server: serverId, reason: z.string().min(1).optional().describe('Default "user_request"') }),
      run: async ({ mcp_server, reason }, { principal }) => {
        const server = registry.get(mcp_server);
        await authorizer.authorize(principal, { action: 'mcp_servers:stop', resource: `mcp_server:${server.id}` });
        return server.stop(reason ?? 'user_request', principal);
      },
    }),
    defineMetaTool({
      name: 'registry_invoke',
      description: 'Invoke a tool of an MCP server (starts the server if needed); answers with the tool result.',
      schema: z.object(invokeShape),
      raw: true,
      run: (args, caller) => invokeWithRetries(invoker, args, caller, { forwardProgress: false, door: 'meta' }),
    }),
    defineMetaTool({
      name: 'registry_invoke_ex',
      description:
        'Invoke a tool with retries, a correlation id and metadata. Retries (default 0: tools may not be idempotent) ' +
        'apply to start failures, timeouts and broken connections, never to a tool that answered.',
      schema: z.object({
        ...invokeShape,
        max_retries: z.number().int().min(0).max(10).optional().describe('Extra attempts after a transient failure (default 0)'),
        correlation_id: z.string().min(1).max(200).optional().describe('Ties the invocation events together'),
        metadata: z.record(z.string(), z.unknown()).optional().describe('Echoed back in _meta["hangar/invocation"]'),
      }),
      raw: true,
      run: (args, caller) => invokeWithRetries(invoker, args, caller, { forwardProgress: false, door: 'meta' }),
    }),
    defineMetaTool({
      name: 'registry_invoke_stream',
      description:
        "Invoke a tool and forward the upstream's progress notifications to this call's progressToken. The call is " +
        'also an operation, watched live on /api/ws/operations; _meta["hangar/invocation"].operation_id names it.',
      schema: z.object({
        ...invokeShape,
        correlation_id: z.string().min(1).max(200).optional(),
        metadata: z.record(z.string(), z.unknown()).optional(),
      }),
      raw: true,
      run: (args, caller) => {
        const correlation_id = args.correlation_id ?? randomUUID();
        const descriptor = {
          mcp_server: args.mcp_server,
          tool: args.tool,
          correlation_id,
          source: 'mcp',
          principal_id: caller.principal.id,
        };
        const { done } = context.operations.run(
          args.metadata === undefined ? descriptor : { ...descriptor, metadata: args.metadata },
          (operation) =>
            invokeWithRetries(
              invoker,
              { ...args, correlation_id },
              {
                ...caller,
                signal: operation.signal,
                progress: (progress) => {
                  operation.progress(progress);
                  caller.progress?.(progress);
                },
              },
              { forwardProgress: true, operation_id: operation.id, door: 'operation' },
            ),
          caller.signal,
        );
        return done;
      },
    }),
    defineMetaTool({
      name: 'registry_tools',
      description:
        'Get the tool schemas of an MCP server, or of a group or other target a plugin provides (predefined or ' +
        'last-known tools; a server whose tools are unknown is started first, waiting at most list_start_timeout_s).',
      schema: z.object({ mcp_server: targetId }),
      run: async ({ mcp_server }, { principal }) => {
        const target = invoker.targets.resolve(mcp_server);
        if (target instanceof ServerTarget) {
          const { server } = target;
          await authorizer.authorize(principal, { action: 'mcp_servers:read', resource: `mcp_server:${server.id}` });
          await registry.listReady(server);
          return {
            mcp_server: server.id,
            tools_predefined: server.toolsPredefined,
            tools: invoker.visibleTools(server, principal),
          };
        }
        // A plugin's target (a group): reading its tools needs what invoking through it needs.
        await authorizer.authorize(principal, target.invokePermission);
        // A group's members are the plugin's business: every unknown list is waited for.
        await registry.listReady();
        return { mcp_server: target.id, kind: target.kind, tools: invoker.targetTools(target, principal) };
      },
    }),
    defineMetaTool({
      name: 'registry_health',
      description: 'Health status and recent checks of one MCP server, or of all.',
      schema: z.object({ mcp_server: serverId.optional() }),
      run: async ({ mcp_server }, { principal }) => {
        const entry = (server: McpServer) => ({ mcp_server: server.id, state: server.state, ...server.health() });
        if (mcp_server !== undefined) return entry(await readOne(principal, mcp_server));
        return { mcp_servers: (await readable(principal)).map(entry) };
      },
    }),
    defineMetaTool({
      name: 'registry_status',
      description: 'Dashboard view: every MCP server and totals.',
      schema: z.object({}),
      run: async (_args, { principal }) => {
        const servers = await readable(principal);
        return {
          mcp_servers: servers.map((server) => ({
            mcp_server: server.id,
            state: server.state,
            mode: server.config.mode,
            alive: server.alive,
            pid: server.pid ?? null,
            health_status: server.health().status,
            tools_count: invoker.visibleTools(server, principal).length,
            in_flight: server.inFlight,
          })),
          summary: mcpServerViews.system(servers, invoker, principal, context.runtime, context.clock.now()),
        };
      },
    }),
    defineMetaTool({
      name: 'registry_discover',
      description: 'Trigger a discovery cycle over the configured discovery sources.',
      schema: z.object({}),
      run: async (_args, { principal }) => {
        await authorizer.authorize(principal, { action: 'discovery:scan', resource: 'global' });
        return { scan_triggered: false, mcp_servers_found: 0, sources: sourcesOf(context), note: DISCOVERY_NOTE };
      },
    }),
    defineMetaTool({
      name: 'registry_sources',
      description: 'List the configured discovery sources and whether a plugin provides their type.',
      schema: z.object({}),
      run: async (_args, { principal }) => {
        await authorizer.authorize(principal, { action: 'discovery:read', resource: 'global' });
        return {
          sources: sourcesOf(context),
          available_types: context.discoverySources.map((factory) => factory.type),
          note: DISCOVERY_NOTE,
        };
      },
    }),
    defineMetaTool({
      name: 'registry_warm',
      description: 'Pre-start MCP servers to avoid cold-start latency (`providers` is accepted as an alias).',
      schema: z.object({ mcp_servers: z.array(z.string().min(1)).min(1).describe('MCP server ids') }),
      run: async ({ mcp_servers }, { principal }) => {
        const results = await Promise.all(
          [...new Set(mcp_servers)].map(async (id) => {
            try {
              const server = registry.get(id);
              await authorizer.authorize(principal, { action: 'mcp_servers:start', resource: `mcp_server:${server.id}` });
              const { state, started, startup_duration_ms } = await server.start(principal);
              return { mcp_server: id, ok: true, state, started, startup_duration_ms };
            } catch (error) {
              const { error: name, message } = toErrorBody(error);
              return { mcp_server: id, ok: false, error: name, message };
            }
          }),
        );
        return { warmed: results.filter((result) => result.ok).length, results };
      },
    }),
  ];
}

function sourcesOf(context: MetaToolContext): Record<string, unknown>[] {
  const types = new Set(context.discoverySources.map((factory) => factory.type));
  return context.config.discovery.sources.map((source) => ({
    type: source.type,
    mode: source.mode,
    enabled: source.enabled,
    factory_available: types.has(source.type),
  }));
}
