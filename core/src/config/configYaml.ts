import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { stringify } from 'yaml';
import { COMMON_SERVER_FIELDS } from './configSchema.js';
import { isPlainObject } from './isPlainObject.js';
import type { Redactor } from './redact.js';

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

/** The order a server's fields are written in, by its mode (`ServerConfigSchema` is one). */
export interface ServerKeyOrder {
  keyOrder(mode: unknown): readonly string[];
}

/** How configs are shown outside: the redactor, and the server field order (default: common fields first). */
export interface ConfigView {
  readonly redactor: Redactor;
  readonly order?: ServerKeyOrder;
}

// Without the transports, a server's common fields come first and the rest follows, sorted.
const COMMON_FIRST: ServerKeyOrder = { keyOrder: () => COMMON_SERVER_FIELDS };

// What `interpolate` would replace when the file is loaded again (`$${VAR}` included).
const INTERPOLATION = /\$?\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}/g;

/**
 * The config as plain data in a stable order: `mcp_servers` first with servers sorted by id and
 * each server's fields in its mode's order (`order`), every other mapping sorted by key;
 * `undefined` dropped. Two configs with the same values give the same normalised value, whatever
 * order they were written or registered in.
 */
export function normaliseConfig(document: ConfigDocument, order: ServerKeyOrder = COMMON_FIRST): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(document).sort((a, b) => (a === 'mcp_servers' ? -1 : b === 'mcp_servers' ? 1 : a.localeCompare(b)));
  for (const key of keys) {
    const value = document[key];
    if (value === undefined) continue;
    out[key] = key === 'mcp_servers' && isPlainObject(value) ? normaliseServers(value, order) : normaliseValue(value);
  }
  return out;
}

/** One server's config, normalised like `normaliseConfig` does (for comparing two configs of a server). */
export function normaliseServer(config: object, order: ServerKeyOrder = COMMON_FIRST): Record<string, unknown> {
  const entries = Object.entries(config).filter(([, value]) => value !== undefined);
  const keys = order.keyOrder((config as Record<string, unknown>).mode);
  const rank = (key: string): number => {
    const index = keys.indexOf(key);
    return index === -1 ? keys.length : index;
  };
  entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(entries.map(([key, value]) => [key, normaliseValue(value)]));
}

/** The normalised config as YAML (no line folding, so long commands stay on one line). */
export function configToYaml(document: ConfigDocument, order?: ServerKeyOrder): string {
  return stringify(normaliseConfig(document, order), { lineWidth: 0 });
}

/**
 * YAML that `hangar --config` loads back to the same values: like `configToYaml`, with every
 * literal `${VAR}` in a value escaped as `$${VAR}` so the loader's interpolation restores it
 * instead of reading the environment again.
 */
export function exportConfigYaml(document: ConfigDocument, order?: ServerKeyOrder): string {
  return stringify(
    mapStrings(normaliseConfig(document, order), (text) => text.replace(INTERPOLATION, (match) => `$${match}`)),
    {
      lineWidth: 0,
    },
  );
}

/**
 * The normalised config with its secrets replaced by `***` (the `Redactor`'s rules). With
 * `reference`, a secret whose value differs from the reference's value at the same path is shown
 * as `*** (changed)`, so a diff still shows it moved.
 */
export function maskConfig(document: ConfigDocument, view: ConfigView, reference?: ConfigDocument): Record<string, unknown> {
  const normalisedReference = reference === undefined ? undefined : normaliseConfig(reference, view.order);
  return view.redactor.document(normaliseConfig(document, view.order), normalisedReference);
}

/**
 * Unified diff of the file's config against the in-memory one, on normalised YAML with secrets
 * masked on both sides; a secret that differs shows as `*** (changed)` on the in-memory side.
 */
export function diffConfigs(onDisk: ConfigDocument, inMemory: ConfigDocument, view: ConfigView): ConfigDiff {
  const has_changes = configToYaml(onDisk, view.order) !== configToYaml(inMemory, view.order);
  if (!has_changes) return { diff: '', has_changes };
  const before = stringify(maskConfig(onDisk, view), { lineWidth: 0 });
  const after = stringify(maskConfig(inMemory, view, onDisk), { lineWidth: 0 });
  return {
    diff: createTwoFilesPatch('on-disk', 'in-memory', before, after, undefined, undefined, { headerOptions: FILE_HEADERS_ONLY }),
    has_changes,
  };
}

function normaliseServers(servers: Record<string, unknown>, order: ServerKeyOrder): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(servers)
      .sort()
      .filter((id) => servers[id] !== undefined)
      .map((id) => {
        const server = servers[id];
        return [id, isPlainObject(server) ? normaliseServer(server, order) : normaliseValue(server)];
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

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  return value;
}
