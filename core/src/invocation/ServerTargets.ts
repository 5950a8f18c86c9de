import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Permission } from '../extensions/auth.js';
import type { InvocationTarget, TargetResolver } from '../extensions/invocation.js';
import type { McpServer } from '../lifecycle/McpServer.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';

/**
 * One registered MCP server as an invocation target (`kind: 'mcp_server'`): it offers the server's
 * last-known tools, needs `tool:invoke` on `mcp_server:<id>`, and selects the server itself
 * unless a failover already tried it. Its `toolAccess` is the server, so the server's own
 * `tool_access` decides what callers see.
 */
export class ServerTarget implements InvocationTarget {
  readonly kind = 'mcp_server';
  /** Built once: the hot path hands the same object to the authorizer on every call. */
  readonly invokePermission: Permission;

  constructor(readonly server: McpServer) {
    this.invokePermission = Object.freeze({ action: 'tool:invoke', resource: `mcp_server:${server.id}` });
  }

  get id(): string {
    return this.server.id;
  }

  get toolAccess(): McpServer {
    return this.server;
  }

  tools(): readonly Tool[] {
    return this.server.tools;
  }

  select(_tool: string, exclude: ReadonlySet<string>): McpServer | undefined {
    return exclude.has(this.server.id) ? undefined : this.server;
  }
}

/**
 * The kernel's own target resolver, asked after every contributed one: a registered server's id
 * resolves to its `ServerTarget`. Targets are kept per `McpServer` object (weakly), so resolving
 * allocates nothing after a server's first call, and a server registered again under the same id
 * gets a fresh target.
 */
export class ServerTargetResolver implements TargetResolver {
  readonly name = 'core.mcp_servers';
  private readonly targets = new WeakMap<McpServer, ServerTarget>();

  constructor(private readonly registry: McpServerRegistry) {}

  resolve(name: string): ServerTarget | undefined {
    const server = this.registry.find(name);
    return server && this.targetOf(server);
  }

  list(): ServerTarget[] {
    return this.registry.list().map((server) => this.targetOf(server));
  }

  /** The target of one registered server. */
  targetOf(server: McpServer): ServerTarget {
    let target = this.targets.get(server);
    if (target === undefined) {
      target = new ServerTarget(server);
      this.targets.set(server, target);
    }
    return target;
  }
}
