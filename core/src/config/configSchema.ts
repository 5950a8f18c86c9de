import { z } from 'zod';
import { durationSchema } from './duration.js';

/** Ids of servers, groups and sources: `^[a-zA-Z0-9_-]{1,64}$` (docs/config.md). */
export const ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** A server id as a zod schema (`mcp_servers` keys, REST ids). */
export const idSchema = z.string().regex(ID_PATTERN, 'must match ^[a-zA-Z0-9_-]{1,64}$');

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

/**
 * The fields every MCP server has, whatever its mode, in the order a config file writes them.
 * `mode` is any string here: which modes exist is known only once the transports are registered
 * (`ServerConfigSchema` checks it and adds the mode's own fields).
 */
export const commonServerShape = {
  mode: z.string().min(1),
  description: z.string().optional(),
  idle_ttl_s: z.number().int().min(1).max(86400).default(300),
  health_check_interval_s: z.number().int().min(5).max(3600).default(60),
  max_consecutive_failures: z.number().int().min(1).max(100).default(3),
  tool_access: toolAccessSchema.optional(),
  tools: z.array(predefinedToolSchema).optional(),
};

/** The common server fields as a loose object schema (a mode's own fields pass through unchecked). */
export const commonServerConfigSchema = z.looseObject(commonServerShape);

/** The names of the common server fields, in config-file order. */
export const COMMON_SERVER_FIELDS: readonly string[] = Object.keys(commonServerShape);

/**
 * A validated MCP server config, defaults applied: the common fields, typed, plus the fields its
 * mode's transport declares (`TransportFactory.configSchema`). Those are `unknown` here on purpose;
 * a transport reads them through its own schema (`transportFields`), so they stay type-safe.
 */
export interface McpServerConfig {
  /** The transport's mode; an alias given in the config is stored as the mode of the transport it names. */
  readonly mode: string;
  readonly description?: string;
  readonly idle_ttl_s: number;
  readonly health_check_interval_s: number;
  readonly max_consecutive_failures: number;
  readonly tool_access?: z.output<typeof toolAccessSchema>;
  readonly tools?: readonly z.output<typeof predefinedToolSchema>[];
  /** The mode's own fields (`command`, `env`, `endpoint`, …). */
  readonly [field: string]: unknown;
}

const discoverySourceSchema = z.strictObject({
  type: z.string().min(1),
  mode: z.enum(['additive', 'authoritative']).default('additive'),
  enabled: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Kernel sections a plugin may extend through `core.configSections`: the kernel validates and reads
 * only the fields listed here; a plugin section with the same key owns every other field. Without
 * such a plugin, the other fields are warned about as unknown and ignored.
 */
export const SHARED_KERNEL_SECTIONS: Readonly<Record<string, readonly string[]>> = {
  // The kernel's authorizer switch and the non-loopback boot check read `enabled`; an auth plugin
  // owns the rest (users, keys, providers, …).
  auth: ['enabled'],
};

/**
 * The kernel's own config sections besides `mcp_servers` (whose schema is composed from the
 * registered transports, see `ServerConfigSchema`). Plugins add theirs through the
 * `configSections` extension point; any other top-level key is warned about by name and ignored.
 */
export const kernelConfigShape = {
  // Kept in the kernel: a kernel discovery manager (not written yet) reads it; the source types
  // themselves come from plugins (`core.discoverySources`).
  discovery: z.strictObject({ sources: z.array(discoverySourceSchema).default([]) }).default({ sources: [] }),
  auth: z.strictObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
  tool_naming: z.enum(['namespaced', 'flat']).default('namespaced'),
  /**
   * How long a listing (MCP `tools/list`, …, REST, `registry_tools`) waits for the servers whose
   * lists are unknown to start; those still starting are left out and announced by `list_changed`.
   */
  list_start_timeout_s: z.number().int().min(1).max(300).default(10),
  event_store: z
    .strictObject({
      driver: z.enum(['sqlite', 'memory']).default('sqlite'),
      path: z.string().optional(),
      /**
       * How long events of each class are kept (README, Events): `tool_invocations` (the
       * `ToolInvocation*` events) and `health_checks` (`HealthCheckPassed`/`Failed`). A class left
       * out is kept forever, and so is every other event (registry, config, groups, auth, …).
       */
      retention: z
        .strictObject({ tool_invocations: durationSchema.optional(), health_checks: durationSchema.optional() })
        .optional(),
      /** How often retention runs (also once at boot). */
      prune_interval: durationSchema.default('1h'),
    })
    .default({ driver: 'sqlite', prune_interval: '1h' }),
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

/** Every top-level key the kernel owns, `mcp_servers` included. */
export const KERNEL_CONFIG_KEYS: readonly string[] = ['mcp_servers', ...Object.keys(kernelConfigShape)];

/** The validated kernel config plus plugin sections (typed by the plugins that own them). */
export interface HangarConfig {
  mcp_servers: Record<string, McpServerConfig>;
  discovery: z.output<typeof kernelConfigShape.discovery>;
  /** The kernel's part of `auth`; an auth plugin's part is in `sections.auth`. */
  auth: { enabled: boolean };
  tool_naming: 'namespaced' | 'flat';
  list_start_timeout_s: number;
  event_store: z.output<typeof kernelConfigShape.event_store>;
  event_stream: { queue_size: number };
  operations: { max_kept: number; max_events: number };
  /** Validated sections contributed by plugins, by top-level key. */
  sections: Readonly<Record<string, unknown>>;
  /** The file the config came from, if any. */
  source?: string;
}
