import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z, type ZodType } from 'zod';
import { formatIssues } from '../config/formatIssue.js';
import { isHangarError, ValidationError } from '../errors.js';
import type { RegistryTool, RegistryToolCaller } from '../extensions/registryTools.js';
import { errorResult, jsonResult } from './mcpErrors.js';

/** Which argument names are accepted as aliases of which (seed 003 says `provider`). */
const ALIASES: Readonly<Record<string, string>> = { provider: 'mcp_server', providers: 'mcp_servers' };

/** What `defineMetaTool` builds a meta tool from. */
export interface MetaToolDefinition<S extends ZodType<Record<string, unknown>>> {
  /** The tool name exposed to MCP clients (a contributed tool of a kernel tool's name replaces it). */
  readonly name: string;
  readonly description: string;
  /** The arguments: advertised as JSON Schema (input side) and validated before `run`. */
  readonly schema: S;
  /** Does the work; its value is answered as JSON text (or passed on as is with `raw`). */
  run(args: z.output<S>, caller: RegistryToolCaller): Promise<unknown>;
  /** Answers with the raw result instead of JSON text (the invoke tools pass the upstream's result on). */
  readonly raw?: boolean;
}

/**
 * Declares a meta tool (`RegistryTool`) from a zod schema, as the kernel's `registry_*` tools are:
 * the schema gives the advertised JSON Schema and validates the arguments (an `isError`
 * `ValidationError` naming the field), the aliases `provider`/`providers` are folded into
 * `mcp_server`/`mcp_servers` first, and whatever `run` returns is answered as JSON text
 * (`jsonResult`). A `HangarError` thrown by `run` becomes an `isError` result with the REST error
 * body (`errorResult`); anything else is rethrown, so the MCP face logs it with its stack (a bug)
 * before answering an `InternalServerError` result.
 */
export function defineMetaTool<S extends ZodType<Record<string, unknown>>>(definition: MetaToolDefinition<S>): RegistryTool {
  const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(definition.schema, { io: 'input' });
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: inputSchema as RegistryTool['inputSchema'],
    async call(args, caller) {
      try {
        const parsed = definition.schema.safeParse(withAliases(args));
        if (!parsed.success) throw new ValidationError(formatIssues(parsed.error.issues));
        const value = await definition.run(parsed.data, caller);
        return definition.raw ? (value as CallToolResult) : jsonResult(value);
      } catch (error) {
        if (!isHangarError(error)) throw error;
        return errorResult(error);
      }
    },
  };
}

function withAliases(args: Record<string, unknown>): Record<string, unknown> {
  const out = { ...args };
  for (const [alias, name] of Object.entries(ALIASES)) {
    if (alias in out) {
      if (!(name in out)) out[name] = out[alias];
      delete out[alias];
    }
  }
  return out;
}
