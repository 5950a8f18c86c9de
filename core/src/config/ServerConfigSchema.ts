import { z, type ZodObject, type ZodType } from 'zod';
import { ExtensionConflictError } from '../errors.js';
import type { TransportFactory } from '../extensions/transports.js';
import { COMMON_SERVER_FIELDS, commonServerConfigSchema, type McpServerConfig } from './configSchema.js';
import type { Issue } from './formatIssue.js';

/** How `ServerConfigSchema.safeParse` treats fields the server's mode does not declare. */
export interface ServerParseOptions {
  /**
   * Drop them instead of refusing them. Only for configs Hangar wrote itself under an older schema
   * (the event history), which carried every mode's defaults on every server.
   */
  readonly lenient?: boolean;
}

/** The outcome of `ServerConfigSchema.safeParse`. */
export type ServerParseResult =
  { readonly success: true; readonly data: McpServerConfig } | { readonly success: false; readonly issues: readonly Issue[] };

const COMMON = new Set(COMMON_SERVER_FIELDS);

/**
 * The schema of one MCP server config, composed from the registered transports: the common fields
 * (`configSchema.ts`) plus the fields of the server's mode, as its transport declares them. Built
 * once at boot from `core.transports` and used wherever a server config is validated (config file,
 * REST create and update, reload), so a plugin's mode is configurable like the kernel's own.
 *
 * Rules: `mode` must name a registered transport (or one of its aliases; the stored config carries
 * the transport's own mode); a field another mode declares is an error naming it; a field no mode
 * declares is an `unrecognized_keys` issue, as on any strict object (the config loader warns about
 * it and drops it, REST refuses it).
 */
export class ServerConfigSchema {
  /** The zod schema of one server config (for `mcp_servers` records). */
  readonly schema: ZodType<McpServerConfig>;
  private readonly lenientSchema: ZodType<McpServerConfig>;
  private readonly byName = new Map<string, TransportFactory>();
  private readonly owners = new Map<string, string[]>();

  private constructor(readonly transports: readonly TransportFactory[]) {
    for (const transport of transports) {
      for (const name of [transport.mode, ...(transport.aliases ?? [])]) {
        const holder = this.byName.get(name);
        if (holder) {
          throw new ExtensionConflictError(
            `transports '${holder.mode}' and '${transport.mode}' both answer mode '${name}'; one mode (or alias) has one transport`,
          );
        }
        this.byName.set(name, transport);
      }
      for (const field of Object.keys(transport.configSchema.shape)) {
        if (COMMON.has(field)) {
          throw new ExtensionConflictError(`transport '${transport.mode}' declares '${field}', a field every server has`);
        }
        this.owners.set(field, [...(this.owners.get(field) ?? []), transport.mode]);
      }
    }
    this.schema = this.build(false);
    this.lenientSchema = this.build(true);
  }

  /** The schema for these transports (the contributions to `core.transports`, in load order). */
  static from(transports: readonly TransportFactory[]): ServerConfigSchema {
    return new ServerConfigSchema(transports);
  }

  /** The registered modes (without aliases), in registration order. */
  get modes(): readonly string[] {
    return this.transports.map((transport) => transport.mode);
  }

  /** The transport serving `mode` (its own mode or an alias), if any. */
  transportFor(mode: unknown): TransportFactory | undefined {
    return typeof mode === 'string' ? this.byName.get(mode) : undefined;
  }

  /** Validates one server config; issues carry the key paths and messages the callers report. */
  safeParse(value: unknown, options: ServerParseOptions = {}): ServerParseResult {
    const parsed = (options.lenient ? this.lenientSchema : this.schema).safeParse(value);
    return parsed.success ? { success: true, data: parsed.data } : { success: false, issues: parsed.error.issues };
  }

  /** Whether `mode`'s transport declares `field` (common fields are not any mode's). */
  declares(mode: unknown, field: string): boolean {
    const transport = this.transportFor(mode);
    return transport !== undefined && field in transport.configSchema.shape;
  }

  /** Fields of a `mode` server whose change needs a new process or connection, `mode` included. */
  restartFields(mode: unknown): readonly string[] {
    return ['mode', ...(this.transportFor(mode)?.restartFields ?? [])];
  }

  /** The order a `mode` server's fields are written in: the common ones, then the mode's in schema order. */
  keyOrder(mode: unknown): readonly string[] {
    const transport = this.transportFor(mode);
    return transport === undefined
      ? COMMON_SERVER_FIELDS
      : [...COMMON_SERVER_FIELDS, ...Object.keys(transport.configSchema.shape)];
  }

  private build(lenient: boolean): ZodType<McpServerConfig> {
    return commonServerConfigSchema.transform((server, ctx) => {
      const common: Record<string, unknown> = {};
      const own: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(server)) (COMMON.has(field) ? common : own)[field] = value;
      const transport = this.transportFor(server.mode);
      if (!transport)
        ctx.addIssue({ code: 'custom', path: ['mode'], message: this.unknownMode(server.mode), input: server.mode });
      const shape = transport?.configSchema.shape ?? {};
      const mine = Object.fromEntries(Object.entries(own).filter(([field]) => field in shape));
      const foreign = Object.keys(own).filter((field) => !(field in shape));
      if (!lenient && foreign.length > 0) {
        const unknown = foreign.filter((field) => !this.owners.has(field));
        if (unknown.length > 0) ctx.addIssue({ code: 'unrecognized_keys', keys: unknown, input: server, path: [] });
        for (const field of foreign.filter((f) => this.owners.has(f))) {
          const message = `is a field of mode ${this.owners.get(field)!.join(', ')}, not of mode '${server.mode}'`;
          ctx.addIssue({ code: 'custom', path: [field], message, input: own[field] });
        }
      }
      if (!transport) return z.NEVER;
      const parsed = transport.configSchema.safeParse(mine);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
        return z.NEVER;
      }
      return { ...common, ...parsed.data, mode: transport.mode } as McpServerConfig;
    });
  }

  private unknownMode(mode: string): string {
    const names = this.transports.map((t) => (t.aliases?.length ? `${t.mode} (or ${t.aliases.join(', ')})` : t.mode));
    const available = names.length === 0 ? 'none (no transport is loaded)' : names.join(', ');
    return `unknown mode '${mode}'; available: ${available} (a plugin that provides a '${mode}' transport adds it)`;
  }
}

/**
 * A transport's own fields of `config`, parsed with its own schema: how a transport reads its
 * configuration type-safely (`transportFields(subprocessConfigSchema, context.config).command`).
 * Parsing again is harmless: the config was validated with the same schema, and its normalisations
 * give the same result on their own output.
 */
export function transportFields<S extends ZodObject>(schema: S, config: McpServerConfig): z.output<S> {
  const own = Object.fromEntries(Object.keys(schema.shape).flatMap((field) => (field in config ? [[field, config[field]]] : [])));
  return schema.parse(own);
}
