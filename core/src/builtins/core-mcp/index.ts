import {
  authenticatorsExtensionPoint,
  authorizerRef,
  clockRef,
  configRef,
  definePlugin,
  discoverySourcesExtensionPoint,
  factory,
  httpRoutesExtensionPoint,
  loggerRef,
  mcpFaceRef,
  mcpServersRef,
  operationsRef,
  registryToolsExtensionPoint,
  runtimeRef,
  toolInvokerRef,
  type PluginDefinition,
} from '../../index.js';
import { McpFace } from '../../proxy/McpFace.js';
import { createConfigRoutes } from './configRoutes.js';
import { createMcpServersRoutes } from './mcpServersRoutes.js';
import { createSystemRoutes } from './systemRoutes.js';

/**
 * `core-mcp`: the MCP face (`/mcp`, `/sse` + `/messages`, stdio; made by a factory with every
 * dependency in hand, after every plugin contributing meta tools, authenticators or discovery
 * sources), and the REST routes of MCP servers, the system and the config.
 */
export function coreMcpPlugin(): PluginDefinition<unknown> {
  return definePlugin<unknown>({
    id: 'core-mcp',
    coreRange: '*',
    register(env) {
      env.provide(
        mcpFaceRef,
        factory({
          deps: {
            registry: mcpServersRef,
            invoker: toolInvokerRef,
            operations: operationsRef,
            config: configRef,
            logger: loggerRef,
            runtime: runtimeRef,
            clock: clockRef,
            authorizer: authorizerRef,
            registryTools: registryToolsExtensionPoint,
            authenticators: authenticatorsExtensionPoint,
            discoverySources: discoverySourcesExtensionPoint,
          },
          create: (deps) => new McpFace({ ...deps, listenHost: deps.runtime.httpHost }),
        }),
      );
      env.provide(httpRoutesExtensionPoint, createMcpServersRoutes());
      env.provide(httpRoutesExtensionPoint, createSystemRoutes());
      env.provide(httpRoutesExtensionPoint, createConfigRoutes());
      env.provide(httpRoutesExtensionPoint, factory({ deps: { face: mcpFaceRef }, create: ({ face }) => face.routes }));
      env.init({
        deps: { face: mcpFaceRef, registry: mcpServersRef },
        run: ({ face, registry }) => ({
          // Sessions close first so no new call reaches a server that is being stopped.
          stop: async () => {
            await face.close();
            await registry.stopAll();
          },
        }),
      });
    },
  });
}
