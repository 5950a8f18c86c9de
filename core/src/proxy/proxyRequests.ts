import {
  ErrorCode,
  type CompleteRequest,
  type CompleteResult,
  type GetPromptResult,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamCallOptions } from '../lifecycle/DownstreamPeer.js';
import { toMcpError, wireError } from './mcpErrors.js';
import type { ResolvedName, UpstreamCatalog } from './UpstreamCatalog.js';

/**
 * Forwarding of the proxied MCP requests other than tools: the downstream name is resolved
 * through the catalog (a flat name no known list holds, once the servers with unknown lists have
 * started: `UpstreamCatalog.resolveAfterListsReady`), the upstream is asked with its own name
 * (starting the server if it is not running), and URIs in the answer are shown in their downstream form again, so whatever a client
 * gets from Hangar it can read back through Hangar.
 */
export class ProxyRequests {
  constructor(private readonly catalog: UpstreamCatalog) {}

  async readResource(uri: string, options: UpstreamCallOptions): Promise<ReadResourceResult> {
    const target = await this.find(() => this.catalog.resolveUri(uri), `Resource ${uri} not found`);
    const result = await this.forward(target, 'resources/read', { uri: target.name }, options);
    const contents = Array.isArray(result.contents) ? (result.contents as { uri: string }[]) : [];
    return {
      ...result,
      contents: contents.map((content) => ({ ...content, uri: this.catalog.exposeUri(target.server.id, content.uri) })),
    } as ReadResourceResult;
  }

  async getPrompt(
    name: string,
    args: Record<string, string> | undefined,
    options: UpstreamCallOptions,
  ): Promise<GetPromptResult> {
    const target = await this.find(() => this.catalog.resolvePrompt(name), `Prompt ${name} not found`);
    const result = await this.forward(
      target,
      'prompts/get',
      { name: target.name, ...(args ? { arguments: args } : {}) },
      options,
    );
    const messages = Array.isArray(result.messages) ? (result.messages as { content: unknown }[]) : [];
    const expose = (uri: string) => this.catalog.exposeUri(target.server.id, uri);
    return {
      ...result,
      messages: messages.map((message) => ({ ...message, content: exposeContentUris([message.content], expose)[0] })),
    } as GetPromptResult;
  }

  async complete(params: CompleteRequest['params'], options: UpstreamCallOptions): Promise<CompleteResult> {
    const { ref } = params;
    const target =
      ref.type === 'ref/prompt'
        ? await this.find(() => this.catalog.resolvePrompt(ref.name), `Prompt ${ref.name} not found`)
        : await this.find(() => this.catalog.resolveTemplate(ref.uri), `Resource template ${ref.uri} not found`);
    const upstreamRef = ref.type === 'ref/prompt' ? { ...ref, name: target.name } : { ...ref, uri: target.name };
    const { _meta: _dropped, ...rest } = params as CompleteRequest['params'] & { _meta?: unknown };
    return (await this.forward(target, 'completion/complete', { ...rest, ref: upstreamRef }, options)) as CompleteResult;
  }

  /** Subscribes the upstream to one of its resources (starting it if needed); resolves with whose resource it is. */
  async subscribe(uri: string, options: UpstreamCallOptions): Promise<ResolvedName> {
    const target = await this.find(() => this.catalog.resolveUri(uri), `Resource ${uri} not found`);
    await this.forward(target, 'resources/subscribe', { uri: target.name }, options);
    return target;
  }

  private async forward(
    target: ResolvedName,
    method: string,
    params: Record<string, unknown>,
    options: UpstreamCallOptions,
  ): Promise<Record<string, unknown>> {
    try {
      return await target.server.request(method, params, options);
    } catch (error) {
      throw toMcpError(error);
    }
  }

  /** `lookup`'s target; in flat mode a miss is looked up again once the unknown lists are known. */
  private find(lookup: () => ResolvedName | undefined, message: string): ResolvedName | Promise<ResolvedName> {
    const found = lookup();
    if (found) return found;
    const later = this.catalog.resolveAfterListsReady(lookup);
    return later ? later.then((target) => this.require(target, message)) : this.require(undefined, message);
  }

  private require(target: ResolvedName | undefined, message: string): ResolvedName {
    if (!target) throw wireError(ErrorCode.InvalidParams, message);
    return target;
  }
}

/**
 * Content blocks with the URIs of embedded resources and resource links rewritten by `expose`
 * (tool results and prompt messages may point at the upstream's resources).
 */
export function exposeContentUris<T>(blocks: readonly T[], expose: (uri: string) => string): T[] {
  return blocks.map((block) => {
    const content = block as { type?: unknown; uri?: unknown; resource?: { uri?: unknown } };
    if (content.type === 'resource_link' && typeof content.uri === 'string') return { ...block, uri: expose(content.uri) };
    if (content.type === 'resource' && typeof content.resource?.uri === 'string') {
      return { ...block, resource: { ...content.resource, uri: expose(content.resource.uri) } };
    }
    return block;
  });
}
