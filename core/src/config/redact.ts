import type { DomainEvent } from '../events/DomainEvent.js';
import type { TransportFactory } from '../extensions/transports.js';
import { serviceRef } from '../kernel/refs.js';
import { COMMON_SERVER_FIELDS } from './configSchema.js';
import { isPlainObject } from './isPlainObject.js';
import { ServerConfigSchema } from './ServerConfigSchema.js';

/** What a secret is shown as. */
export const MASK = '***';
/** What a secret is shown as when it differs from the reference's value at the same path (a diff). */
export const MASK_CHANGED = '*** (changed)';

// Names whose values are credentials wherever they appear: plugin sections, `auth`, discovery
// configs, header-like names in any mapping (`Authorization`, `Cookie`, `X-Api-Key`), and the
// fields of a mode that forgot to declare them.
const SECRET_NAME = /key|token|secret|passw(or)?d|credential|authorization|cookie/i;
// `scheme://user:password@` — only the password is hidden.
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:)([^\s/@]*)(@)/i;
const COMMON = new Set(COMMON_SERVER_FIELDS);
// Data objects this module produced: `eventFrame` trusts them, and redacts anything else itself.
const redactedData = new WeakSet<object>();

/** The redactor service (`core.redactor`), built by the kernel from the registered transports. */
export const redactorRef = serviceRef<Redactor>('core.redactor');

/**
 * The one place that decides what of a config is secret, for everything that leaves Hangar: REST
 * server views, `GET /api/config` and its diff, event sinks, `/api/ws/events` frames and
 * `GET /api/events`. What stays inside keeps real values: the event store (a restart rebuilds REST
 * servers from it), the YAML export and the backups (both are meant to be booted from; see
 * `ConfigManager`).
 *
 * Rules, in a server config: every value below a field its transport lists in `secretFields`
 * (`env` of `subprocess`, `headers` of `remote`); every value below a key named like a key, token,
 * secret, password, credential, authorization or cookie; the password of any URL. The common
 * fields (`description`, `tools`, …) are the kernel's and hold no secrets. A server whose mode no
 * loaded transport serves (history of a plugin no longer loaded) has all its mode fields masked;
 * a patch without `mode` has every transport's secret fields masked. Outside `mcp_servers` the
 * key-name and URL rules apply. Mapping keys stay visible; values become `***`.
 */
export class Redactor {
  private readonly anySecret: ReadonlySet<string>;

  constructor(private readonly servers: ServerConfigSchema) {
    this.anySecret = new Set(servers.transports.flatMap((transport) => transport.secretFields));
  }

  /** The redactor for these transports; `Redactor.for([])` masks every mode field of every server. */
  static for(transports: readonly TransportFactory[]): Redactor {
    return new Redactor(ServerConfigSchema.from(transports));
  }

  /**
   * One server config, or a partial one (an update's patch; `mode` tells its transport when the
   * patch itself does not). With `reference`, a secret that differs from the reference's value at
   * the same path is shown as `*** (changed)`.
   */
  server(config: Readonly<Record<string, unknown>>, reference?: unknown, mode: unknown = config.mode): Record<string, unknown> {
    const transport = this.servers.transportFor(mode);
    // Unknown mode: fail closed, every mode field is a secret.
    const isSecret = (field: string): boolean =>
      transport ? transport.secretFields.includes(field) : mode === undefined ? this.anySecret.has(field) : true;
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(config)) {
      const ref = childOf(reference, field);
      if (COMMON.has(field)) out[field] = value;
      else if (isSecret(field)) out[field] = maskAll(value, ref);
      else out[field] = this.value(value, ref, SECRET_NAME.test(field));
    }
    return out;
  }

  /** A config document (top-level keys as in a file): `mcp_servers` by id, the other sections as values. */
  document(document: Readonly<Record<string, unknown>>, reference?: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(document)) {
      const ref = childOf(reference, key);
      out[key] =
        key === 'mcp_servers' && isPlainObject(value)
          ? this.serversOf(value, ref)
          : this.value(value, ref, SECRET_NAME.test(key));
    }
    return out;
  }

  /**
   * An event as sinks and clients may see it: the server `config` and `patch` its data carries
   * (`McpServerRegistered`, `McpServerUpdated`) redacted. Events without them are returned as they
   * are, so redacting every event on its way out costs nothing for most.
   */
  event<E extends DomainEvent>(event: E): E {
    const { config, patch } = event.data;
    if (!isPlainObject(config) && !isPlainObject(patch)) return event;
    const data: Record<string, unknown> = { ...event.data };
    if (isPlainObject(config)) data.config = this.server(config);
    if (isPlainObject(patch))
      data.patch = this.server(patch, undefined, patch.mode ?? (isPlainObject(config) ? config.mode : undefined));
    redactedData.add(data);
    return { ...event, data };
  }

  /** True when `event`'s data came out of `Redactor.event` (or carries no config to redact). */
  static isRedacted(event: DomainEvent): boolean {
    const { data } = event;
    return redactedData.has(data) || (!isPlainObject(data.config) && !isPlainObject(data.patch));
  }

  /** Any value by the fixed rules: secret-named keys and URL passwords; everything when `secret`. */
  value(value: unknown, reference?: unknown, secret = false): unknown {
    if (secret) return maskAll(value, reference);
    if (Array.isArray(value)) return value.map((item, i) => this.value(item, childOf(reference, i)));
    if (isPlainObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.value(item, childOf(reference, key), SECRET_NAME.test(key))]),
      );
    }
    return typeof value === 'string' ? maskUrlPassword(value, reference) : value;
  }

  private serversOf(servers: Record<string, unknown>, reference: unknown): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(servers).map(([id, server]) => {
        const ref = childOf(reference, id);
        return [id, isPlainObject(server) ? this.server(server, ref) : this.value(server, ref)];
      }),
    );
  }
}

/** Every string or number below `value` masked; keys, booleans and nulls kept. */
function maskAll(value: unknown, reference: unknown): unknown {
  if (Array.isArray(value)) return value.map((item, i) => maskAll(item, childOf(reference, i)));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskAll(item, childOf(reference, key))]));
  }
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

function childOf(node: unknown, key: string | number): unknown {
  if (Array.isArray(node) && typeof key === 'number') return node[key] as unknown;
  if (isPlainObject(node) && typeof key === 'string') return node[key];
  return undefined;
}
