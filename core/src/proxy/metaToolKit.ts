import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z, type ZodType } from 'zod';
import { formatIssues } from '../config/formatIssue.js';
import { ValidationError } from '../errors.js';
import type { Principal } from '../extensions/auth.js';
import type { RegistryTool } from '../extensions/registryTools.js';
import type { DownstreamPeer, UpstreamProgress } from '../lifecycle/DownstreamPeer.js';
import { errorResult, jsonResult } from './mcpErrors.js';

/** Who calls a meta tool. The kernel's own tools also get the call's progress sink and peer. */
export interface MetaToolCaller {
  readonly principal: Principal;
  readonly signal: AbortSignal;
  /** Forwards progress to the downstream caller's progressToken (no-op when it sent none). */
  readonly progress?: (progress: UpstreamProgress) => void;
  /** Answers sampling/elicitation/roots requests an upstream makes during this call. */
  readonly peer?: DownstreamPeer;
}

/** A meta tool: a contributed `RegistryTool`, or one of the kernel's, which may use the richer caller. */
export interface MetaTool extends RegistryTool {
  call(args: Record<string, unknown>, caller: MetaToolCaller): Promise<CallToolResult>;
}

/** Which argument names are accepted as aliases of which (seed 003 says `provider`). */
const ALIASES: Readonly<Record<string, string>> = { provider: 'mcp_server', providers: 'mcp_servers' };

/**
 * Declares a kernel meta tool from a zod schema: the schema gives the advertised JSON Schema and
 * validates the arguments (a `ValidationError` naming the field), aliases are folded in first, and
 * whatever `run` returns is answered as JSON text; anything it throws becomes an `isError` result
 * with the error's name and message.
 */
export function defineMetaTool<S extends ZodType<Record<string, unknown>>>(definition: {
  name: string;
  description: string;
  schema: S;
  run(args: z.output<S>, caller: MetaToolCaller): Promise<unknown>;
  /** Answers with the raw result instead of JSON text (the invoke tools pass the upstream's result on). */
  raw?: boolean;
}): MetaTool {
  const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(definition.schema, { io: 'input' });
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: inputSchema as MetaTool['inputSchema'],
    async call(args, caller) {
      try {
        const parsed = definition.schema.safeParse(withAliases(args));
        if (!parsed.success) throw new ValidationError(formatIssues(parsed.error.issues));
        const value = await definition.run(parsed.data, caller);
        return definition.raw ? (value as CallToolResult) : jsonResult(value);
      } catch (error) {
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
