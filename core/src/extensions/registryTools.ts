import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from './auth.js';
import type { DownstreamPeer, UpstreamProgress } from '../lifecycle/DownstreamPeer.js';
import { extensionPoint } from '../kernel/refs.js';

/**
 * Who calls a meta tool, and with what: the same for the kernel's `registry_*` tools and for
 * contributed ones.
 */
export interface RegistryToolCaller {
  /** The MCP session's principal. */
  readonly principal: Principal;
  /** Aborted when the client cancels the request or the session ends. */
  readonly signal: AbortSignal;
  /** Forwards progress to the downstream caller's progressToken (undefined when it sent none). */
  readonly progress?: (progress: UpstreamProgress) => void;
  /** Answers sampling/elicitation/roots requests an upstream makes during this call. */
  readonly peer?: DownstreamPeer;
  /** The MCP session the call came in on. */
  readonly sessionId: string;
}

/**
 * An MCP meta tool shown beside the kernel's `registry_*` tools (build one with `defineMetaTool`).
 * Answer failures as an `isError` result (`errorResult`), or throw a `HangarError`: it becomes one.
 * Anything else thrown is a bug: it is logged with its stack and answered as an
 * `InternalServerError` result.
 */
export interface RegistryTool {
  /** The tool name exposed to MCP clients. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments. */
  readonly inputSchema: { type: 'object'; properties?: Record<string, unknown>; required?: string[] };
  call(args: Record<string, unknown>, caller: RegistryToolCaller): Promise<CallToolResult>;
}

/**
 * `core.registryTools` — keyed by `name`; exactly one contribution per name. A plugin tool replaces
 * the kernel tool of that name (logged at boot), e.g. a discovery plugin's `registry_discover`.
 * Meta tools are listed before upstream tools and shadow, in flat naming, an upstream tool of the
 * same name.
 */
export const registryToolsExtensionPoint = extensionPoint<RegistryTool>('core.registryTools', { key: (t) => t.name });
