import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Logger } from 'pino';
import type { InvocationTarget } from '../extensions/invocation.js';
import type { InvocationTargets } from '../invocation/InvocationTargets.js';
import type { McpServer } from '../lifecycle/McpServer.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import { namespacedName, namespacedUri, splitNamespacedName, splitNamespacedUri } from './naming.js';

/** How upstream names are shown downstream (config `tool_naming`). */
export type ToolNaming = 'namespaced' | 'flat';

/** An upstream item resolved from the name a client used. */
export interface ResolvedName {
  readonly server: McpServer;
  /** The upstream's own name (tool, prompt) or URI. */
  readonly name: string;
}

/** A downstream tool name resolved: the target to invoke through, and the upstream tool name. */
export interface ResolvedTool {
  readonly target: InvocationTarget;
  readonly name: string;
}

/** One listed tool: the target it is invoked through, the upstream tool, and how it is shown. */
export interface CatalogTool {
  readonly target: InvocationTarget;
  readonly tool: Tool;
  readonly exposed: Tool;
}

type Kind = 'tool' | 'prompt' | 'resource' | 'resource template';

/**
 * What the MCP face lists of the upstream servers and how a downstream name finds its way back.
 * Lists are the servers' known lists (real, last-known or predefined); the listing doors first wait
 * for the servers whose lists are unknown to start (`McpServerRegistry.listReady`).
 *
 * In `namespaced` mode names are reversible by construction (naming.ts). In `flat` mode upstream
 * names and URIs are shown unchanged; a name two servers share belongs to the server registered
 * first, and the conflict is logged once as a warning naming both servers. Names the face reserves
 * for its own meta tools shadow upstream tools of the same name, with a warning too.
 *
 * Tools are invoked through targets: every registered server, and in namespaced mode also the
 * targets contributed resolvers list (`<group>__<tool>`, with the group's tools); a name resolves
 * first-wins over the contributed resolvers, then the servers, as the invoker resolves it. In flat
 * mode only servers are listed: a group's tools carry its members' names, which they already show.
 */
export class UpstreamCatalog {
  private readonly warned = new Set<string>();

  constructor(
    private readonly registry: McpServerRegistry,
    private readonly targets: InvocationTargets,
    readonly naming: ToolNaming,
    private readonly logger: Logger,
    /** Names of the face's own tools (meta and contributed), which upstream tools cannot take. */
    private readonly reservedToolNames: () => ReadonlySet<string>,
  ) {}

  /** Every exposed upstream tool with the target it is invoked through (access filtering is the caller's). */
  tools(): CatalogTool[] {
    const out: CatalogTool[] = [];
    if (this.naming === 'namespaced') {
      const listed = this.targets.listed();
      const shadowed = new Set(listed.map((target) => target.id));
      for (const server of this.registry.list()) {
        if (shadowed.has(server.id)) {
          this.warnOnce(
            `shadowed:${server.id}`,
            `the tools of MCP server '${server.id}' are hidden: a plugin's target has the same name`,
          );
          continue;
        }
        this.pushTools(out, this.targets.serverTarget(server), server.tools);
      }
      for (const target of listed) this.pushTools(out, target, target.tools());
      return out;
    }
    const reserved = this.reservedToolNames();
    for (const [name, { server, item }] of this.toolIndex()) {
      if (reserved.has(name)) {
        this.warnOnce(
          `reserved:${name}:${server.id}`,
          `tool '${name}' of MCP server '${server.id}' is hidden: Hangar's own tool has that name`,
        );
        continue;
      }
      out.push({ target: this.targets.serverTarget(server), tool: item, exposed: item });
    }
    return out;
  }

  /** The target and upstream tool a downstream tool name means; undefined when it names none. */
  resolveTool(exposed: string): ResolvedTool | undefined {
    if (this.naming === 'namespaced') {
      const split = splitNamespacedName(exposed);
      const target = split && this.targets.find(split.serverId);
      return target && split && { target, name: split.name };
    }
    if (this.reservedToolNames().has(exposed)) return undefined;
    const owner = this.toolIndex().get(exposed);
    return owner && { target: this.targets.serverTarget(owner.server), name: exposed };
  }

  /**
   * For a name no known list holds, in flat mode: `resolve` again once the servers whose lists are
   * unknown have started (bounded by `list_start_timeout_s`), so a name is only declared unknown
   * once every server could say whether it has it. Undefined (nothing to wait for) when every list
   * is known, or in namespaced mode, where a name carries its server and the call starts it.
   * Callers try the plain lookup first, so a hit costs nothing more.
   */
  resolveAfterListsReady<T>(resolve: () => T | undefined): Promise<T | undefined> | undefined {
    if (this.naming !== 'flat') return undefined;
    return this.registry.listReady()?.then(resolve);
  }

  /** Every exposed prompt. */
  prompts(): Prompt[] {
    if (this.naming === 'flat') {
      return [...this.promptIndex().values()].map((entry) => entry.item);
    }
    return this.registry
      .list()
      .flatMap((server) => server.prompts.map((prompt) => ({ ...prompt, name: namespacedName(server.id, prompt.name) })));
  }

  /** The server and upstream prompt a downstream prompt name means. */
  resolvePrompt(exposed: string): ResolvedName | undefined {
    if (this.naming === 'namespaced') return this.resolveNamespaced(splitNamespacedName(exposed));
    const owner = this.promptIndex().get(exposed);
    return owner && { server: owner.server, name: exposed };
  }

  /** Every exposed resource. */
  resources(): Resource[] {
    if (this.naming === 'flat') {
      return [...this.resourceIndex().values()].map((entry) => entry.item);
    }
    return this.registry
      .list()
      .flatMap((server) => server.resources.map((resource) => ({ ...resource, uri: namespacedUri(server.id, resource.uri) })));
  }

  /** Every exposed resource template. */
  resourceTemplates(): ResourceTemplate[] {
    if (this.naming === 'flat') {
      return [...this.templateIndex().values()].map((entry) => entry.item);
    }
    return this.registry.list().flatMap((server) =>
      server.resourceTemplates.map((template) => ({
        ...template,
        uriTemplate: namespacedUri(server.id, template.uriTemplate),
      })),
    );
  }

  /**
   * The server and upstream URI a downstream resource URI means. In flat mode: the server listing
   * that exact URI, else the first whose template matches it.
   */
  resolveUri(exposed: string): ResolvedName | undefined {
    if (this.naming === 'namespaced') return this.resolveNamespaced(splitNamespacedUri(exposed));
    const owner = this.resourceIndex().get(exposed);
    if (owner) return { server: owner.server, name: exposed };
    for (const { server, item } of this.templateIndex().values()) {
      if (new UriTemplate(item.uriTemplate).match(exposed) !== null) return { server, name: exposed };
    }
    return undefined;
  }

  /** The server and upstream template a downstream URI template means (completion references). */
  resolveTemplate(exposed: string): ResolvedName | undefined {
    if (this.naming === 'namespaced') return this.resolveNamespaced(splitNamespacedUri(exposed));
    const owner = this.templateIndex().get(exposed);
    return owner && { server: owner.server, name: exposed };
  }

  /** The downstream form of one of `serverId`'s URIs (read results, update notifications). */
  exposeUri(serverId: string, uri: string): string {
    return this.naming === 'namespaced' ? namespacedUri(serverId, uri) : uri;
  }

  private pushTools(out: CatalogTool[], target: InvocationTarget, tools: readonly Tool[]): void {
    for (const tool of tools) out.push({ target, tool, exposed: { ...tool, name: namespacedName(target.id, tool.name) } });
  }

  private resolveNamespaced(split: { serverId: string; name: string } | undefined): ResolvedName | undefined {
    const server = split && this.registry.find(split.serverId);
    return server && split && { server, name: split.name };
  }

  private toolIndex(): Map<string, { server: McpServer; item: Tool }> {
    return this.flatIndex(
      'tool',
      (server) => server.tools,
      (tool) => tool.name,
    );
  }

  private promptIndex(): Map<string, { server: McpServer; item: Prompt }> {
    return this.flatIndex(
      'prompt',
      (server) => server.prompts,
      (prompt) => prompt.name,
    );
  }

  private resourceIndex(): Map<string, { server: McpServer; item: Resource }> {
    return this.flatIndex(
      'resource',
      (server) => server.resources,
      (resource) => resource.uri,
    );
  }

  private templateIndex(): Map<string, { server: McpServer; item: ResourceTemplate }> {
    return this.flatIndex(
      'resource template',
      (server) => server.resourceTemplates,
      (template) => template.uriTemplate,
    );
  }

  /** Flat mode: each name to the first server (registration order) that has it. */
  private flatIndex<T>(
    kind: Kind,
    items: (server: McpServer) => readonly T[],
    keyOf: (item: T) => string,
  ): Map<string, { server: McpServer; item: T }> {
    const index = new Map<string, { server: McpServer; item: T }>();
    for (const server of this.registry.list()) {
      for (const item of items(server)) {
        const key = keyOf(item);
        const first = index.get(key);
        if (first === undefined) {
          index.set(key, { server, item });
        } else if (first.server !== server) {
          this.warnOnce(
            `${kind}:${key}:${first.server.id}:${server.id}`,
            `tool_naming flat: ${kind} '${key}' of MCP server '${server.id}' is refused: MCP server '${first.server.id}' (registered first) has the same ${kind}`,
          );
        }
      }
    }
    return index;
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message);
  }
}
