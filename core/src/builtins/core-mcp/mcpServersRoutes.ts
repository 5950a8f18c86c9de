import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { ID_PATTERN } from '../../config/configSchema.js';
import { redactorRef } from '../../config/redact.js';
import { ValidationError } from '../../errors.js';
import type { HttpRoutes } from '../../extensions/httpRoutes.js';
import type { HangarState } from '../../http/HttpHost.js';
import { permission } from '../../http/permission.js';
import { ServerTarget } from '../../invocation/ServerTargets.js';
import { toolInvokerRef } from '../../invocation/ToolInvoker.js';
import { mcpServersRef } from '../../lifecycle/McpServerRegistry.js';
import { MCP_SERVER_STATES, type McpServerState } from '../../lifecycle/McpServerState.js';
import { mcpServerViews } from '../../lifecycle/mcpServerViews.js';
import { operationsRef } from '../../operations/OperationRegistry.js';
import { eventBusRef } from '../../services/coreServices.js';
import { parseRequest } from '../../rest/parseRequest.js';

type Context = ParameterizedContext<HangarState, { params: Record<string, string> }>;

/** The resource of the routes on one server: `mcp_server:<id>`. */
const server = (params: Readonly<Record<string, string>>): string => `mcp_server:${params.id}`;

/** Longest `correlation_id` accepted; it is copied into every event of the call. */
const MAX_CORRELATION_ID = 256;

/**
 * `/api/mcp_servers/...` (seed 001, plus `POST .../tools/{tool}/invoke`): list, create, read,
 * update, delete, start, stop, tools, health, logs, invocation history and invoke. Services are
 * resolved per request from the request's scope. Every malformed input is a 4xx naming the field.
 * Each route declares its `mcp_server:<verb>` permission, on `mcp_server:<id>` where there is one.
 */
export function createMcpServersRoutes(): HttpRoutes {
  const router = new Router<HangarState>();

  // Tool listings first start the servers whose tools are unknown, bounded by `list_start_timeout_s`.
  router.get('/mcp_servers', permission('mcp_servers:read'), async (ctx) => {
    const state = parseRequest.queryString(ctx, 'state');
    if (state !== undefined && !MCP_SERVER_STATES.includes(state as McpServerState)) {
      throw new ValidationError(`state: must be one of ${MCP_SERVER_STATES.join(', ')}`);
    }
    const { registry, invoker } = services(ctx);
    await registry.listReady();
    ctx.body = {
      mcp_servers: registry
        .list(state as McpServerState | undefined)
        .map((server) => mcpServerViews.summary(server, invoker.visibleTools(server, ctx.state.principal))),
    };
  });

  // Changes to the set of servers answer only once their event is stored: a 201 survives a crash.
  router.post('/mcp_servers', permission('mcp_servers:write'), async (ctx) => {
    const { mcp_server_id: id, ...config } = parseRequest.body(ctx);
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      throw new ValidationError('mcp_server_id: is required and must match ^[a-zA-Z0-9_-]{1,64}$');
    }
    const { registry, bus } = services(ctx);
    registry.register(id, config, 'api', ctx.state.principal);
    await bus.settled();
    ctx.status = 201;
    ctx.body = { mcp_server_id: id, created: true };
  });

  router.get('/mcp_servers/:id', permission('mcp_servers:read', server), async (ctx) => {
    const { server, invoker, registry } = serverOf(ctx);
    await registry.listReady(server);
    const redactor = ctx.state.services.resolve(redactorRef);
    ctx.body = mcpServerViews.detail(server, invoker.visibleTools(server, ctx.state.principal), redactor);
  });

  router.put('/mcp_servers/:id', permission('mcp_servers:write', server), async (ctx) => {
    const { mcp_server_id: id, ...patch } = parseRequest.body(ctx);
    const { server, registry, bus } = serverOf(ctx);
    if (id !== undefined && id !== server.id) throw new ValidationError('mcp_server_id: cannot be changed');
    await registry.update(server.id, patch, ctx.state.principal);
    await bus.settled();
    ctx.body = { mcp_server_id: server.id, updated: true };
  });

  router.delete('/mcp_servers/:id', permission('mcp_servers:write', server), async (ctx) => {
    const { server, registry, bus } = serverOf(ctx);
    await registry.deregister(server.id, 'deregistered', ctx.state.principal);
    await bus.settled();
    ctx.body = { mcp_server_id: server.id, deleted: true };
  });

  router.post('/mcp_servers/:id/start', permission('mcp_servers:start', server), async (ctx) => {
    ctx.body = await serverOf(ctx).server.start(ctx.state.principal);
  });

  router.post('/mcp_servers/:id/stop', permission('mcp_servers:stop', server), async (ctx) => {
    const reason = parseRequest.optionalString(parseRequest.optionalBody(ctx), 'reason');
    ctx.body = await serverOf(ctx).server.stop(reason || 'user_request', ctx.state.principal);
  });

  router.get('/mcp_servers/:id/tools', permission('mcp_servers:read', server), async (ctx) => {
    // `:id` may name a contributed target (a group) as well as a server: its tools are listed alike.
    const { invoker, registry } = services(ctx);
    const target = invoker.targets.resolve(ctx.params.id!);
    // A group's members are the plugin's business: every unknown list is waited for.
    await registry.listReady(target instanceof ServerTarget ? target.server : undefined);
    ctx.body = { tools: invoker.targetTools(target, ctx.state.principal).map((tool) => mcpServerViews.tool(tool)) };
  });

  router.get('/mcp_servers/:id/health', permission('mcp_servers:read', server), (ctx) => {
    const { server } = serverOf(ctx);
    ctx.body = { mcp_server_id: server.id, state: server.state, ...server.health() };
  });

  router.get('/mcp_servers/:id/logs', permission('mcp_servers:read', server), (ctx) => {
    const lines = parseRequest.queryInt(ctx, 'lines', { min: 1, max: 1000, default: 100 });
    const { server } = serverOf(ctx);
    const logs = server.logs(lines);
    ctx.body = { logs, mcp_server_id: server.id, count: logs.length };
  });

  router.get('/mcp_servers/:id/tools/history', permission('mcp_servers:read', server), async (ctx) => {
    const limit = parseRequest.queryInt(ctx, 'limit', { min: 1, max: 500, default: 100 });
    const from_position = parseRequest.queryInt(ctx, 'from_position', { min: 0, default: 0 });
    const { server, invoker } = serverOf(ctx);
    const { history, total } = await invoker.history(server.id, { limit, from_position });
    ctx.body = { mcp_server_id: server.id, history, total };
  });

  router.post('/mcp_servers/:id/tools/:tool/invoke', permission('tool:invoke', server), async (ctx) => {
    const body = parseRequest.optionalBody(ctx);
    const args = parseRequest.optionalObject(body, 'arguments');
    const timeout_s = body?.timeout_s;
    if (timeout_s !== undefined && typeof timeout_s !== 'number') throw new ValidationError('timeout_s: must be a number');
    const correlation_id = parseRequest.optionalString(body, 'correlation_id');
    if (correlation_id !== undefined && (correlation_id === '' || correlation_id.length > MAX_CORRELATION_ID)) {
      throw new ValidationError(`correlation_id: must be 1 to ${MAX_CORRELATION_ID} characters`);
    }
    if (body?.async !== undefined && typeof body.async !== 'boolean') throw new ValidationError('async: must be a boolean');
    // `:id` is resolved by the invoker, through the contributed target resolvers first: a group id works too.
    const { invoker } = services(ctx);
    const id = ctx.params.id!;
    const tool = ctx.params.tool!;
    const request = { mcp_server: id, tool, arguments: args, timeout_s, principal: ctx.state.principal };
    if (body?.async === true) {
      // Refusals (unknown target or tool, bad arguments, access) answer now; the call itself runs as an operation.
      await invoker.check(request);
      const operations = ctx.state.services.resolve(operationsRef);
      const descriptor = {
        mcp_server: id,
        tool,
        correlation_id: correlation_id ?? randomUUID(),
        source: 'rest',
        principal_id: ctx.state.principal.id,
      };
      const { operation, done } = operations.run(descriptor, async (op) => {
        const outcome = await invoker.invoke({
          ...request,
          correlation_id: descriptor.correlation_id,
          signal: op.signal,
          onProgress: (progress) => op.progress(progress),
          door: 'operation',
        });
        return outcome.result;
      });
      done.catch(() => {}); // the operation records the failure; nobody awaits it here
      ctx.status = 202;
      ctx.body = { operation_id: operation.id, mcp_server_id: id, tool, status: operation.status };
      return;
    }
    // A client that hangs up cancels the upstream call instead of leaving it running for nobody.
    const abort = new AbortController();
    const onClose = (): void => {
      if (!ctx.res.writableFinished) abort.abort();
    };
    ctx.res.once('close', onClose);
    try {
      const {
        result,
        correlation_id: used,
        duration_ms,
      } = await invoker.invoke({
        ...request,
        correlation_id,
        signal: abort.signal,
        door: 'rest',
      });
      ctx.body = { mcp_server_id: id, tool, result, correlation_id: used, duration_ms };
    } finally {
      ctx.res.off('close', onClose);
    }
  });

  return { name: 'core-mcp-servers', router, mount: 'api' };
}

function services(ctx: Context) {
  const scope = ctx.state.services;
  return { registry: scope.resolve(mcpServersRef), invoker: scope.resolve(toolInvokerRef), bus: scope.resolve(eventBusRef) };
}

/** The server named by `:id` (404 `McpServerNotFoundError` when unknown) and the services. */
function serverOf(ctx: Context) {
  const resolved = services(ctx);
  return { ...resolved, server: resolved.registry.get(ctx.params.id!) };
}
