import path from 'node:path';
import type { Logger } from 'pino';
import { isHangarError, ValidationError } from '../errors.js';
import { createEvent } from '../events/DomainEvent.js';
import type { EventBus } from '../events/EventBus.js';
import type { Principal } from '../extensions/auth.js';
import type { ConfigSection } from '../extensions/configSections.js';
import { serviceRef } from '../kernel/refs.js';
import type { McpServerRegistry } from '../lifecycle/McpServerRegistry.js';
import { systemClock, type Clock } from '../services/Clock.js';
import type { HangarConfig, McpServerConfig } from './configSchema.js';
import { writeBackupFile } from './configBackups.js';
import { configServers } from './configServers.js';
import {
  diffConfigs,
  exportConfigYaml,
  maskConfig,
  normaliseConfig,
  normaliseServer,
  type ConfigDiff,
  type ConfigDocument,
  type ConfigView,
} from './configYaml.js';
import { isPlainObject } from './isPlainObject.js';
import { loadConfig } from './loadConfig.js';
import { Redactor } from './redact.js';
import type { ServerConfigSchema } from './ServerConfigSchema.js';
import type { BackupResult } from './configBackups.js';

/** What the config manager is built from. */
export interface ConfigManagerOptions {
  /** The config Hangar booted with (`configRef`); its `source` is the file later diffs read. */
  readonly config: HangarConfig;
  readonly registry: McpServerRegistry;
  readonly eventBus: EventBus;
  readonly logger: Logger;
  /** `--data-dir`; backups go to `<dataDir>/backups/`. */
  readonly dataDir: string;
  /** The plugins' config sections (`core.configSections`), validated on reload and diff. */
  readonly sections: readonly ConfigSection[];
  /** What `GET /api/config` and the diff mask (the kernel's `core.redactor`); default: one for the registry's transports. */
  readonly redactor?: Redactor;
  /** Environment for `${VAR}` interpolation (default `process.env`); the one Hangar booted with. */
  readonly env?: NodeJS.ProcessEnv;
  /** Base of a relative `config_path` and of a relative boot config path (default `process.cwd()`). */
  readonly cwd?: string;
  readonly clock?: Clock;
  /** Backups kept (default 10). */
  readonly backupsKept?: number;
}

/** The body of `POST /api/config/reload`. */
export interface ReloadOptions {
  /** File to load (relative to Hangar's working directory); default: the current config file. */
  readonly config_path?: string;
  /** Only changed servers restart (default); `false` restarts every running config server. */
  readonly graceful?: boolean;
  /** Who asked, recorded in the `ConfigurationReloaded` event's metadata. */
  readonly actor?: Principal;
}

/** What a reload did, server by server (ids sorted); also the `ConfigurationReloaded` payload. */
export interface ReloadResult {
  /** The file that was loaded (absolute); later diffs compare against it. */
  readonly config_path: string;
  readonly graceful: boolean;
  /** New in the file (including ids that replaced an `api` or `discovery` server). */
  readonly added: string[];
  /** Config servers no longer in the file, deregistered. */
  readonly removed: string[];
  /** Config servers whose config changed. */
  readonly updated: string[];
  /** Config servers whose config is the same. */
  readonly unchanged: string[];
  /** Servers whose process was stopped and started again by this reload. */
  readonly restarted: string[];
  /** Servers a step failed for (a restart that could not start, …); the rest of the reload applied. */
  readonly failed: { mcp_server_id: string; error: string }[];
  /** Other top-level keys that differ from the running ones and take effect only after a restart. */
  readonly restart_required: string[];
}

/**
 * Config management (seed 001 "Configuration"): the in-memory config (the loaded sections plus
 * every registered server's current config), its masked view, YAML export, rotating backups, the
 * diff against the file on disk, and reload. Reloads, backups and diffs run one at a time, so
 * each sees a config that no other of them is halfway through changing.
 *
 * Secrets: what is shown (`get`, `diff`) is redacted by the kernel's `Redactor`. The export and the
 * backups keep real values on purpose: both exist to boot a Hangar from, and a masked backup would
 * restore servers with `***` for credentials. The export is answered only to callers the API lets
 * manage the config; backups are written owner-only (0600, in a 0700 folder) under the data
 * directory, which already holds the same values in the event store.
 */
export class ConfigManager {
  private file: string | undefined;
  private loaded: HangarConfig;
  private readonly booted: HangarConfig;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cwd: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly servers: ServerConfigSchema;
  private readonly view: ConfigView;

  constructor(private readonly options: ConfigManagerOptions) {
    this.servers = options.registry.serverSchema;
    this.view = { redactor: options.redactor ?? new Redactor(this.servers), order: this.servers };
    this.cwd = options.cwd ?? process.cwd();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.loaded = options.config;
    this.booted = options.config;
    this.file = options.config.source === undefined ? undefined : path.resolve(this.cwd, options.config.source);
  }

  /** The config file later diffs and path-less reloads read (absolute), if any. */
  get configPath(): string | undefined {
    return this.file;
  }

  /**
   * The in-memory config: the loaded file's sections (kernel and plugins, as top-level keys) with
   * `mcp_servers` taken from the registry, every origin, each with its current config.
   */
  current(): ConfigDocument {
    const servers = Object.fromEntries(this.options.registry.list().map((server) => [server.id, server.config]));
    return documentOf(this.loaded, servers);
  }

  /** `GET /api/config`: the in-memory config with its secrets masked. */
  get(): { config: Record<string, unknown> } {
    return { config: maskConfig(this.current(), this.view) };
  }

  /**
   * `POST /api/config/export`: the in-memory config as YAML that `hangar --config` loads to the
   * same servers, secrets included (see the class comment). A server of a mode with a `cwd` field
   * but without a `cwd` runs in Hangar's working directory; the export says so, since a file's
   * servers otherwise run next to the file.
   */
  exportYaml(): string {
    const servers = this.options.registry.list().map((server): [string, McpServerConfig] => {
      const { config } = server;
      const pinned = config.cwd === undefined && this.servers.declares(config.mode, 'cwd');
      return [server.id, pinned ? { ...config, cwd: this.cwd } : config];
    });
    return exportConfigYaml(documentOf(this.loaded, Object.fromEntries(servers)), this.servers);
  }

  /**
   * `POST /api/config/backup`: writes the export to `<data-dir>/backups/hangar-config-<time>.yaml`
   * through a temp file and a rename (a reader never sees half a file), then keeps the newest ten.
   */
  backup(): Promise<BackupResult> {
    return this.serially(() => this.writeBackup());
  }

  /** `GET /api/config/diff`: the config file, read and validated now, against the in-memory config. */
  diff(): Promise<ConfigDiff> {
    return this.serially(async () => {
      const onDisk = await this.load(this.file, (message) => this.logger.debug(message));
      return diffConfigs(documentOf(onDisk, configServers(onDisk, this.servers)), this.current(), this.view);
    });
  }

  /**
   * `POST /api/config/reload`: loads and validates the file first (an invalid or missing file is a
   * 422 `ValidationError` naming it and the key path, and nothing changes), then applies its
   * servers to the config-origin ones: new ids registered, missing ones deregistered, changed ones
   * replaced (a running one restarts when a field its transport lists in `restartFields` changed);
   * `graceful: false` restarts every running one.
   * A file server whose id an `api`/`discovery` server holds takes its place. Other sections are
   * kept for `current()`, and listed in `restart_required` when they differ from the running ones.
   */
  reload(options: ReloadOptions = {}): Promise<ReloadResult> {
    return this.serially(() => this.applyReload(options));
  }

  private async applyReload(options: ReloadOptions): Promise<ReloadResult> {
    const graceful = options.graceful ?? true;
    const file = options.config_path === undefined ? this.file : path.resolve(this.cwd, options.config_path);
    if (file === undefined)
      throw new ValidationError('config_path: Hangar was started without a config file; give the file to load');
    const next = await this.load(file, (message) => this.logger.warn(message));
    const wanted = configServers(next, this.servers);
    const { registry } = this.options;
    const lists = { added: [] as string[], removed: [] as string[], updated: [] as string[], unchanged: [] as string[] };
    const restarted: string[] = [];
    const failed: { mcp_server_id: string; error: string }[] = [];
    const attempt = async (id: string, step: () => Promise<void>): Promise<void> => {
      try {
        await step();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.warn({ err: error, mcp_server_id: id }, `config reload: ${id}: ${message}`);
        failed.push({ mcp_server_id: id, error: message });
      }
    };

    for (const server of registry.list()) {
      if (server.origin !== 'config' || server.id in wanted) continue;
      await attempt(server.id, async () => {
        await registry.deregister(server.id, 'config_reloaded');
        lists.removed.push(server.id);
      });
    }
    for (const [id, config] of Object.entries(wanted)) {
      const existing = registry.find(id);
      if (existing?.origin === 'config') continue;
      await attempt(id, async () => {
        if (existing) {
          this.logger.warn(
            `config reload: ${file} declares '${id}', which the ${existing.origin} server of that id held; the file wins`,
          );
          await registry.deregister(id, 'config_reloaded');
        }
        registry.register(id, config, 'config');
        lists.added.push(id);
      });
    }
    const kept = Object.entries(wanted).filter(([id]) => !lists.added.includes(id) && registry.find(id)?.origin === 'config');
    await Promise.all(
      kept.map(([id, config]) =>
        attempt(id, async () => {
          const server = registry.get(id);
          const wasAlive = server.alive;
          const same = this.sameServerConfig(server.config, config);
          (same ? lists.unchanged : lists.updated).push(id);
          // `replace` restarts a running server when a restart field changed, graceful or not.
          let restartedNow = !same && (await registry.replace(id, config)).restarted;
          if (!graceful && wasAlive && !restartedNow) {
            await server.stop('config_reloaded');
            await server.start();
            restartedNow = true;
          }
          if (restartedNow) restarted.push(id);
        }),
      ),
    );

    this.file = file;
    this.loaded = next;
    const result: ReloadResult = {
      config_path: file,
      graceful,
      added: lists.added.sort(),
      removed: lists.removed.sort(),
      updated: lists.updated.sort(),
      unchanged: lists.unchanged.sort(),
      restarted: restarted.sort(),
      failed: failed.sort((a, b) => a.mcp_server_id.localeCompare(b.mcp_server_id)),
      restart_required: this.restartRequired(next),
    };
    this.logger.info({ ...result }, `config reloaded from ${file}`);
    const event = createEvent('ConfigurationReloaded', { ...result }, { now: new Date(this.clock.now()), actor: options.actor });
    await this.options.eventBus.append(event, { stream: 'config' }).catch((error: unknown) => {
      this.logger.error({ err: error }, 'could not store ConfigurationReloaded');
    });
    return result;
  }

  /** Top-level keys (besides `mcp_servers`) whose value differs from the one Hangar booted with. */
  private restartRequired(next: HangarConfig): string[] {
    const before = normaliseConfig(documentOf(this.booted, {}), this.servers);
    const after = normaliseConfig(documentOf(next, {}), this.servers);
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    keys.delete('mcp_servers');
    return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
  }

  private writeBackup(): Promise<BackupResult> {
    const dir = path.join(this.options.dataDir, 'backups');
    return writeBackupFile(dir, this.exportYaml(), { now: this.clock.now(), kept: this.options.backupsKept ?? 10 });
  }

  /** Loads and validates a config file (none: an empty config); a config error becomes a 422 naming it. */
  private async load(file: string | undefined, warn: (message: string) => void): Promise<HangarConfig> {
    try {
      return await loadConfig({ file, sections: this.options.sections, servers: this.servers, env: this.options.env, warn });
    } catch (error) {
      if (isHangarError(error) && error.code === 'HANGAR_ERR_CONFIG') throw new ValidationError(error.message);
      throw error;
    }
  }

  private sameServerConfig(a: McpServerConfig, b: McpServerConfig): boolean {
    return JSON.stringify(normaliseServer(a, this.servers)) === JSON.stringify(normaliseServer(b, this.servers));
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The config manager service (`core.configManager`). */
export const configManagerRef = serviceRef<ConfigManager>('core.configManager');

/**
 * A loaded config as the top-level keys of a file, with `servers` as its `mcp_servers`. A section
 * the kernel shares with a plugin (`auth`) is written as one mapping: the kernel's fields and the
 * plugin's.
 */
function documentOf(config: HangarConfig, servers: Record<string, McpServerConfig>): ConfigDocument {
  const { sections, source: _source, mcp_servers: _servers, ...kernel } = config;
  const document: Record<string, unknown> = { ...kernel };
  for (const [key, value] of Object.entries(sections)) {
    const own = document[key];
    document[key] = isPlainObject(own) && isPlainObject(value) ? { ...own, ...value } : value;
  }
  return { ...document, mcp_servers: servers };
}
