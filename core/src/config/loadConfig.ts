import { readFile } from 'node:fs/promises';
import { z, type ZodType } from 'zod';
import { parseDocument } from 'yaml';
import { ConfigError, ExtensionConflictError } from '../errors.js';
import type { ConfigSection } from '../extensions/configSections.js';
import { remoteTransport } from '../transports/remoteTransport.js';
import { subprocessTransport } from '../transports/subprocessTransport.js';
import { idSchema, KERNEL_CONFIG_KEYS, kernelConfigShape, SHARED_KERNEL_SECTIONS, type HangarConfig } from './configSchema.js';
import { interpolate } from './interpolate.js';
import { isPlainObject } from './isPlainObject.js';
import { formatIssuePath, formatIssues, type Issue } from './formatIssue.js';
import { ServerConfigSchema } from './ServerConfigSchema.js';

/** Where the config comes from, and who validates which section. */
export interface LoadConfigOptions {
  /** File to read; YAML, or JSON (`.json`, including Claude Desktop's `mcpServers` shape). */
  readonly file?: string;
  /** Already-parsed document (for tests and `POST /api/config/reload` bodies). */
  readonly document?: unknown;
  readonly sections?: readonly ConfigSection[];
  /**
   * The server schema composed from the registered transports (Hangar builds it at boot); default:
   * the kernel's own `subprocess` and `remote` transports only.
   */
  readonly servers?: ServerConfigSchema;
  readonly env?: NodeJS.ProcessEnv;
  /** Told about every unknown key, with its full path. */
  readonly warn?: (message: string) => void;
}

/**
 * Reads, interpolates and validates a Hangar config. Errors name the file, the key path
 * (`mcp_servers.math.idle_ttl_s`) and what is wrong; unknown keys are reported through `warn`
 * and dropped.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<HangarConfig> {
  const label = options.file ?? '<config>';
  const raw = options.document !== undefined ? options.document : await readDocument(options.file);
  return validateConfig(raw, label, options);
}

/** Validates an already-parsed config document; see `loadConfig`. */
export function validateConfig(raw: unknown, label: string, options: LoadConfigOptions = {}): HangarConfig {
  const warn = options.warn ?? (() => undefined);
  const document = normalise(raw ?? {}, label);
  const interpolated = interpolate(document, options.env ?? process.env, label) as Record<string, unknown>;

  const sections = options.sections ?? [];
  const sectionKeys = new Set(sections.map((s) => s.key));
  for (const key of sectionKeys) {
    if (KERNEL_CONFIG_KEYS.includes(key) && !(key in SHARED_KERNEL_SECTIONS)) {
      throw new ExtensionConflictError(`config section '${key}' is the kernel's; a plugin cannot contribute it`);
    }
  }
  for (const key of Object.keys(interpolated)) {
    if (!KERNEL_CONFIG_KEYS.includes(key) && !sectionKeys.has(key)) {
      warn(`${label}: unknown key '${key}' is ignored (no loaded plugin owns it)`);
      delete interpolated[key];
    }
  }

  // A shared section (`auth`) is split: the kernel validates its own fields, the owning plugin the rest.
  const kernelPart = pick(interpolated, KERNEL_CONFIG_KEYS);
  const pluginPart: Record<string, unknown> = { ...interpolated };
  for (const [key, fields] of Object.entries(SHARED_KERNEL_SECTIONS)) {
    const value = interpolated[key];
    if (!sectionKeys.has(key) || !isPlainObject(value)) continue;
    kernelPart[key] = pick(value, fields);
    pluginPart[key] = Object.fromEntries(Object.entries(value).filter(([field]) => !fields.includes(field)));
  }

  const servers = options.servers ?? defaultServers();
  const kernelSchema = z.object({ ...kernelConfigShape, mcp_servers: z.record(idSchema, servers.schema).default({}) });
  const kernel = parseStrictly(kernelSchema, kernelPart, label, [], warn);
  const parsedSections: Record<string, unknown> = {};
  for (const section of sections) {
    // An absent section is validated as an empty mapping, so schemas with defaults need no `.optional()`.
    parsedSections[section.key] = parseStrictly(section.schema, pluginPart[section.key] ?? {}, label, [section.key], warn);
  }
  return { ...(kernel as Omit<HangarConfig, 'sections'>), sections: parsedSections, source: options.file };
}

let kernelServers: ServerConfigSchema | undefined;

/** The schema of the kernel's own transports, for callers that load a config outside a booted Hangar. */
function defaultServers(): ServerConfigSchema {
  kernelServers ??= ServerConfigSchema.from([subprocessTransport, remoteTransport]);
  return kernelServers;
}

async function readDocument(file: string | undefined): Promise<unknown> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
    }
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = first.linePos ? ` at line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    throw new ConfigError(`${file}: not valid YAML${where}: ${first.message.split('\n')[0]}`);
  }
  return document.toJS() as unknown;
}

/** Applies the aliases: `providers` → `mcp_servers`, Claude Desktop's `mcpServers` → subprocess servers. */
function normalise(raw: unknown, label: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${label}: the config must be a mapping of keys (mcp_servers, groups, …)`);
  }
  const document = { ...(raw as Record<string, unknown>) };
  if ('providers' in document) {
    if ('mcp_servers' in document)
      throw new ConfigError(`${label}: providers: give either mcp_servers or its alias providers, not both`);
    document.mcp_servers = document.providers;
    delete document.providers;
  }
  if ('mcpServers' in document && !('mcp_servers' in document)) {
    document.mcp_servers = fromClaudeDesktop(document.mcpServers, label);
    delete document.mcpServers;
  }
  return document;
}

function fromClaudeDesktop(servers: unknown, label: string): Record<string, unknown> {
  if (typeof servers !== 'object' || servers === null) throw new ConfigError(`${label}: mcpServers: expected an object`);
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(servers as Record<string, Record<string, unknown>>)) {
    const { command, args, env, url, headers, ...rest } = entry ?? {};
    out[name] =
      url !== undefined
        ? { mode: 'remote', endpoint: url, ...(headers === undefined ? {} : { headers }), ...rest }
        : {
            mode: 'subprocess',
            command,
            ...(args === undefined ? {} : { args }),
            ...(env === undefined ? {} : { env }),
            ...rest,
          };
  }
  return out;
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

/**
 * Parses with strict object schemas; `unrecognized_keys` issues become warnings and the keys are
 * removed before a second parse, every other issue is an error naming the path.
 */
function parseStrictly(
  schema: ZodType,
  value: unknown,
  label: string,
  prefix: PropertyKey[],
  warn: (m: string) => void,
): unknown {
  const first = schema.safeParse(value);
  if (first.success) return first.data;
  const issues = first.error.issues as Issue[];
  const unknown = issues.filter((issue) => issue.code === 'unrecognized_keys');
  const real = issues.filter((issue) => issue.code !== 'unrecognized_keys');
  if (real.length > 0) {
    throw new ConfigError(`${label}: ${formatIssues(real, formatIssuePath(prefix))}`);
  }
  const cleaned = structuredClone(value) as Record<string, unknown>;
  for (const issue of unknown) {
    const parent = issue.path.reduce<unknown>(
      (node, key) => (node as Record<PropertyKey, unknown>)[key as string],
      cleaned,
    ) as Record<string, unknown>;
    for (const key of issue.keys ?? []) {
      warn(`${label}: unknown key '${formatIssuePath([...prefix, ...issue.path, key])}' is ignored`);
      delete parent[key];
    }
  }
  return parseStrictly(schema, cleaned, label, prefix, warn);
}
