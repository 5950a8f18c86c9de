import Router from '@koa/router';
import type { HttpRoutes } from '../../extensions/httpRoutes.js';
import type { HangarState } from '../../http/HttpHost.js';
import { permission } from '../../http/permission.js';
import { toolInvokerRef } from '../../invocation/ToolInvoker.js';
import { mcpServersRef } from '../../lifecycle/McpServerRegistry.js';
import { mcpServerViews } from '../../lifecycle/mcpServerViews.js';
import { clockRef, runtimeRef } from '../../services/coreServices.js';

/** `GET /api/system` (seed 001): server and tool counts, tool calls so far, uptime and the core version. */
export function createSystemRoutes(): HttpRoutes {
  const router = new Router<HangarState>();

  router.get('/system', permission('system:read'), (ctx) => {
    const scope = ctx.state.services;
    ctx.body = {
      system: mcpServerViews.system(
        scope.resolve(mcpServersRef).list(),
        scope.resolve(toolInvokerRef),
        ctx.state.principal,
        scope.resolve(runtimeRef),
        scope.resolve(clockRef).now(),
      ),
    };
  });

  return { name: 'core-system', router, mount: 'api' };
}
