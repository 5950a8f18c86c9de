import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { stringify } from 'yaml';
import { isPlainObject } from './isPlainObject.js';

/**
 * A config as top-level keys, the way a config file is written: `mcp_servers` keyed by id, the
 * kernel's other sections and the plugins' sections, each holding validated (defaulted) values.
 */
export type ConfigDocument = Readonly<Record<string, unknown>>;

/** What `GET /api/config/diff` answers. */
export interface ConfigDiff {
  /** Unified diff (`--- on-disk` / `+++ in-memory`) of the masked YAML; empty when nothing differs. */
  readonly diff: string;
  /** True exactly when the unmasked configs differ. */
  readonly has_changes: boolean;
}

/** What a secret is shown as. */
export const MASK = '***';
/** What a secret is shown as on the in-memory side of a diff when it differs from the file's. */
export const MASK_CHANGED = '*** (changed)';

// A server's fields in the order the DESIGN's example writes them; anything else follows, sorted.
const SERVER_KEY_ORDER = [
  'mode',
  'description',
  'command',
  'cwd',
  'env',
  'endpoint',
  'headers',
  'image',
  'volumes',
  'network',
  'read_only',
  'resources',
  'idle_ttl_s',
  'health_check_interval_s',
  'max_consecutive_failures',
  'tool_access',
  'tools',
];

// Keys outside `mcp_servers` whose values are credentials (plugin sections, `auth`, discovery configs).
const SECRET_KEY = /key|token|secret|passw(or)?d|credential/i;
// `scheme://user:password@` — only the password is hidden.
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:)([^\s/@]*)(@)/i;
// What `interpolate` would replace when the file is loaded again (`$${VAR}` included).
const INTERPOLATION = /\$?\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}/g;

/**
 * The config as plain data in a stable order: `mcp_servers` first with servers sorted by id and
 * each server's fields in a fixed order, every other mapping sorted by key; `undefined` dropped.
 * Two configs with the same values give the same normalised value, whatever order they were
 * written or registered in.
 */
export function normaliseConfig(document: ConfigDocument): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(document).sort((a, b) => (a === 'mcp_servers' ? -1 : b === 'mcp_servers' ? 1 : a.localeCompare(b)));
  for (const key of keys) {
    const value = document[key];
    if (value === undefined) continue;
    out[key] = key === 'mcp_servers' && isPlainObject(value) ? normaliseServers(value) : normaliseValue(value);
  }
  return out;
}

/** One server's config, normalised like `normaliseConfig` does (for comparing two configs of a server). */
export function normaliseServer(config: object): Record<string, unknown> {
  const entries = Object.entries(config).filter(([, value]) => value !== undefined);
  const rank = (key: string): number => {
    const index = SERVER_KEY_ORDER.indexOf(key);
    return index === -1 ? SERVER_KEY_ORDER.length : index;
  };
  entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(entries.map(([key, value]) => [key, normaliseValue(value)]));
}

/** The normalised config as YAML (no line folding, so long commands stay on one line). */
export function configToYaml(document: ConfigDocument): string {
  return stringify(normaliseConfig(document), { lineWidth: 0 });
}

/**
 * YAML that `hangar --config` loads back to the same values: like `configToYaml`, with every
 * literal `${VAR}` in a value escaped as `$${VAR}` so the loader's interpolation restores it
 * instead of reading the environment again.
 */
export function exportConfigYaml(document: ConfigDocument): string {
  return stringify(
    mapStrings(normaliseConfig(document), (text) => text.replace(INTERPOLATION, (match) => `$${match}`)),
    {
      lineWidth: 0,
    },
  );
}

/**
 * The config with its secrets replaced by `***`: every `env` and header value of a server, the
 * password of any URL, and, outside `mcp_servers`, every value under a key named like a key,
 * token, secret, password or credential. With `reference`, a secret whose value differs from the
 * reference's value at the same path is shown as `*** (changed)`, so a diff still shows it moved.
 */
export function maskConfig(document: ConfigDocument, reference?: ConfigDocument): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const normalisedReference = reference === undefined ? undefined : normaliseConfig(reference);
  for (const [key, value] of Object.entries(normaliseConfig(document))) {
    const ref = normalisedReference?.[key];
    out[key] = key === 'mcp_servers' ? maskServers(value, ref) : maskPlain(value, ref, SECRET_KEY.test(key));
  }
  return out;
}

/**
 * Unified diff of the file's config against the in-memory one, on normalised YAML with secrets
 * masked on both sides; a secret that differs shows as `*** (changed)` on the in-memory side.
 */
export function diffConfigs(onDisk: ConfigDocument, inMemory: ConfigDocument): ConfigDiff {
  const has_changes = configToYaml(onDisk) !== configToYaml(inMemory);
  if (!has_changes) return { diff: '', has_changes };
  const before = stringify(maskConfig(onDisk), { lineWidth: 0 });
  const after = stringify(maskConfig(inMemory, onDisk), { lineWidth: 0 });
  return {
    diff: createTwoFilesPatch('on-disk', 'in-memory', before, after, undefined, undefined, { headerOptions: FILE_HEADERS_ONLY }),
    has_changes,
  };
}

function normaliseServers(servers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(servers)
      .sort()
      .filter((id) => servers[id] !== undefined)
      .map((id) => {
        const server = servers[id];
        return [id, isPlainObject(server) ? normaliseServer(server) : normaliseValue(server)];
      }),
  );
}

function normaliseValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : normaliseValue(item)));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => value[key] !== undefined)
        .map((key) => [key, normaliseValue(value[key])]),
    );
  }
  return value;
}

function maskServers(servers: unknown, reference: unknown): unknown {
  if (!isPlainObject(servers)) return servers;
  return Object.fromEntries(
    Object.entries(servers).map(([id, server]) => {
      const refServer = childOf(reference, id);
      if (!isPlainObject(server)) return [id, server];
      const masked = Object.entries(server).map(([field, value]) => {
        const ref = childOf(refServer, field);
        if ((field === 'env' || field === 'headers') && isPlainObject(value)) {
          return [field, Object.fromEntries(Object.entries(value).map(([name, v]) => [name, maskLeaf(v, childOf(ref, name))]))];
        }
        return [field, maskPlain(value, ref, false)];
      });
      return [id, Object.fromEntries(masked)];
    }),
  );
}

/** Walks a value; everything below a secret-named key (or all of it, when `secret`) is masked. */
function maskPlain(value: unknown, reference: unknown, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item, i) => maskPlain(item, childOf(reference, i), secret));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, maskPlain(item, childOf(reference, key), secret || SECRET_KEY.test(key))]),
    );
  }
  if (secret) return maskLeaf(value, reference);
  return typeof value === 'string' ? maskUrlPassword(value, reference) : value;
}

function maskLeaf(value: unknown, reference: unknown): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  return reference !== undefined && reference !== value ? MASK_CHANGED : MASK;
}

function maskUrlPassword(text: string, reference: unknown): string {
  const match = URL_PASSWORD.exec(text);
  if (!match) return text;
  const refPassword = typeof reference === 'string' ? URL_PASSWORD.exec(reference)?.[2] : undefined;
  const shown = refPassword !== undefined && refPassword !== match[2] ? MASK_CHANGED : MASK;
  return text.replace(URL_PASSWORD, `$1${shown}$3`);
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  return value;
}

function childOf(node: unknown, key: string | number): unknown {
  if (Array.isArray(node) && typeof key === 'number') return node[key] as unknown;
  if (isPlainObject(node) && typeof key === 'string') return node[key];
  return undefined;
}
