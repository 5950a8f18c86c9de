import { serviceRef } from '../kernel/refs.js';
import type { McpFace } from '../proxy/McpFace.js';

/** The MCP face (`core.mcpFace`): `/mcp`, `/sse` + `/messages`, and the stdio session. */
export const mcpFaceRef = serviceRef<McpFace>('core.mcpFace');
