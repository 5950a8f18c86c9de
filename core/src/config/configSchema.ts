import { z } from 'zod';

/** Ids of servers, groups and sources: `^[a-zA-Z0-9_-]{1,64}$` (DESIGN §3). */
export const ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const idSchema = z.string().regex(ID_PATTERN, 'must match ^[a-zA-Z0-9_-]{1,64}$');

/** A tool declared in config so clients see it before the server has started. */
export const predefinedToolSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
});

/** Allow/deny globs over upstream tool names; deny wins. */
export const toolAccessSchema = z.strictObject({
  allow_list: z.array(z.string().min(1)).optional(),
  deny_list: z.array(z.string().min(1)).optional(),
});

/** One MCP server as written under `mcp_servers.<id>` (or the `providers` alias). */
export const mcpServerConfigSchema = z
  .strictObject({
    mode: z.enum(['subprocess', 'docker', 'container', 'remote', 'group']),
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]).optional(),
    args: z.array(z.string()).optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).default({}),
    endpoint: z.url().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    image: z.string().min(1).optional(),
    volumes: z.array(z.string()).default([]),
    network: z.string().default('none'),
    read_only: z.boolean().default(true),
    resources: z.strictObject({ memory: z.string().optional(), cpu: z.number().positive().optional() }).optional(),
    idle_ttl_s: z.number().int().min(1).max(86400).default(300),
    health_check_interval_s: z.number().int().min(5).max(3600).default(60),
    max_consecutive_failures: z.number().int().min(1).max(100).default(3),
    description: z.string().optional(),
    tools: z.array(predefinedToolSchema).optional(),
    tool_access: toolAccessSchema.optional(),
  })
  .superRefine((server, ctx) => {
    if (server.mode === 'subprocess' && server.command === undefined) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'is required for mode subprocess' });
    }
    if ((server.mode === 'docker' || server.mode === 'container') && server.image === undefined) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: `is required for mode ${server.mode}` });
    }
    if (server.mode === 'remote' && server.endpoint === undefined) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'is required for mode remote' });
    }
  })
  .transform(({ command, args, mode, ...rest }) => ({
    ...rest,
    // `container` is the seed's alias of `docker`; `args` appends to `command` (Claude Desktop style).
    mode: mode === 'container' ? ('docker' as const) : mode,
    command: command === undefined ? undefined : [...(typeof command === 'string' ? [command] : command), ...(args ?? [])],
  }));

/** A validated MCP server config, defaults applied. */
export type McpServerConfig = z.output<typeof mcpServerConfigSchema>;

const discoverySourceSchema = z.strictObject({
  type: z.string().min(1),
  mode: z.enum(['additive', 'authoritative']).default('additive'),
  enabled: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The kernel's own config sections. Plugins add theirs through the `configSections` extension
 * point; any other top-level key is warned about by name and ignored.
 */
export const kernelConfigShape = {
  mcp_servers: z.record(idSchema, mcpServerConfigSchema).default({}),
  discovery: z.strictObject({ sources: z.array(discoverySourceSchema).default([]) }).default({ sources: [] }),
  auth: z.looseObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
  tool_naming: z.enum(['namespaced', 'flat']).default('namespaced'),
  event_store: z
    .strictObject({ driver: z.enum(['sqlite', 'memory']).default('sqlite'), path: z.string().optional() })
    .default({ driver: 'sqlite' }),
  /** `/api/ws/events`: frames a connection may fall behind by before the oldest are dropped. */
  event_stream: z
    .strictObject({ queue_size: z.number().int().min(1).max(1_000_000).default(1024) })
    .default({ queue_size: 1024 }),
  /** Operations (`/api/operations`, `/api/ws/operations`): finished ones kept, events kept per operation. */
  operations: z
    .strictObject({
      max_kept: z.number().int().min(1).max(1_000_000).default(1000),
      max_events: z.number().int().min(2).max(1_000_000).default(1000),
    })
    .default({ max_kept: 1000, max_events: 1000 }),
};

/** The validated kernel config plus plugin sections (typed by the plugins that own them). */
export interface HangarConfig {
  mcp_servers: Record<string, McpServerConfig>;
  discovery: z.output<typeof kernelConfigShape.discovery>;
  auth: { enabled: boolean } & Record<string, unknown>;
  tool_naming: 'namespaced' | 'flat';
  event_store: { driver: 'sqlite' | 'memory'; path?: string };
  event_stream: { queue_size: number };
  operations: { max_kept: number; max_events: number };
  /** Validated sections contributed by plugins, by top-level key. */
  sections: Readonly<Record<string, unknown>>;
  /** The file the config came from, if any. */
  source?: string;
}
