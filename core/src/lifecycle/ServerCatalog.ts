import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../config/configSchema.js';
import type { UpstreamClient } from './UpstreamClient.js';

/** Which of a server's lists changed. */
export type McpServerListKind = 'tools' | 'resources' | 'prompts';

/** The lists a server offers, as last seen. */
export interface CatalogLists {
  readonly tools: readonly Tool[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
  readonly prompts: readonly Prompt[];
}

/**
 * What a server offers (tools, resources, templates, prompts), as last seen: listing never has to
 * start a server. Before the first start, tools come from the config's predefined list.
 */
export class ServerCatalog {
  private known: CatalogLists | undefined;
  // Tools a previous Hangar process saw (from the stored `McpServerStarted`), until this one starts it.
  private remembered: readonly Tool[] | undefined;
  // Built once per config object: validators cache compiled schemas by object identity.
  private predefined: { config: McpServerConfig; tools: readonly Tool[] } | undefined;

  constructor(private readonly config: () => McpServerConfig) {}

  get tools(): readonly Tool[] {
    if (this.known) return this.known.tools;
    if (this.remembered) return this.remembered;
    const config = this.config();
    if (this.predefined?.config !== config) this.predefined = { config, tools: predefinedTools(config) };
    return this.predefined.tools;
  }

  /** True while `tools` comes from the config. */
  get toolsPredefined(): boolean {
    return this.known === undefined && this.remembered === undefined && (this.config().tools?.length ?? 0) > 0;
  }

  /**
   * True while nothing is known of the server's lists: it never started in this process, the
   * config predefines no tools and no earlier process left its last-known tools. Listing starts
   * such a server (see `ListReadiness`); any other server is listed from what is known.
   */
  get unknown(): boolean {
    return this.known === undefined && this.remembered === undefined && (this.config().tools?.length ?? 0) === 0;
  }

  /**
   * Lists `tools` as the server's last-known tools until it starts: what it offered when an
   * earlier Hangar process last started it. Listing keeps working across restarts without a spawn.
   */
  remember(tools: readonly Tool[]): void {
    if (this.known === undefined) this.remembered = tools;
  }

  get resources(): readonly Resource[] {
    return this.known?.resources ?? [];
  }

  get resourceTemplates(): readonly ResourceTemplate[] {
    return this.known?.resourceTemplates ?? [];
  }

  get prompts(): readonly Prompt[] {
    return this.known?.prompts ?? [];
  }

  /** Reads every list a started server offers (the client answers [] for a capability it lacks). */
  static async fetch(client: UpstreamClient, timeoutMs: number): Promise<CatalogLists> {
    const [tools, resources, resourceTemplates, prompts] = await Promise.all([
      client.listTools(timeoutMs),
      client.listResources(timeoutMs),
      client.listResourceTemplates(timeoutMs),
      client.listPrompts(timeoutMs),
    ]);
    return { tools, resources, resourceTemplates, prompts };
  }

  /** Replaces the lists; returns which ones changed. */
  replace(next: CatalogLists): McpServerListKind[] {
    const changed: McpServerListKind[] = [];
    if (this.toolsPredefined || !sameJson(this.tools, next.tools)) changed.push('tools');
    if (!sameJson(this.resources, next.resources) || !sameJson(this.resourceTemplates, next.resourceTemplates)) {
      changed.push('resources');
    }
    if (!sameJson(this.prompts, next.prompts)) changed.push('prompts');
    this.known = next;
    return changed;
  }

  /** Re-reads one list after the upstream said it changed. */
  async refresh(client: UpstreamClient, kind: McpServerListKind, timeoutMs: number): Promise<void> {
    const current: CatalogLists = {
      tools: this.tools,
      resources: this.resources,
      resourceTemplates: this.resourceTemplates,
      prompts: this.prompts,
    };
    if (kind === 'tools') this.known = { ...current, tools: await client.listTools(timeoutMs) };
    if (kind === 'prompts') this.known = { ...current, prompts: await client.listPrompts(timeoutMs) };
    if (kind === 'resources') {
      const [resources, resourceTemplates] = await Promise.all([
        client.listResources(timeoutMs),
        client.listResourceTemplates(timeoutMs),
      ]);
      this.known = { ...current, resources, resourceTemplates };
    }
  }
}

function predefinedTools(config: McpServerConfig): readonly Tool[] {
  return (config.tools ?? []).map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: { type: 'object', ...tool.inputSchema },
  }));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
