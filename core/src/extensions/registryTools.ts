import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from './auth.js';
import { extensionPoint } from '../kernel/refs.js';

/** An extra MCP meta tool (like `registry_discover`) shown beside the kernel's `registry_*` tools. */
export interface RegistryTool {
  /** The tool name exposed to MCP clients. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments. */
  readonly inputSchema: { type: 'object'; properties?: Record<string, unknown>; required?: string[] };
  call(args: Record<string, unknown>, caller: { principal: Principal; signal: AbortSignal }): Promise<CallToolResult>;
}

/** `core.registryTools` — keyed by `name`; exactly one tool per name. */
export const registryToolsExtensionPoint = extensionPoint<RegistryTool>('core.registryTools', { key: (t) => t.name });
