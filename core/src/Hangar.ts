import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { builtinPlugins } from './builtins/builtinPlugins.js';
import { loadConfig } from './config/loadConfig.js';
import type { HangarConfig } from './config/configSchema.js';
import { CliUsageError, ConfigError, PluginDuplicateError, type HangarError } from './errors.js';
import { ConfigManager, configManagerRef } from './config/ConfigManager.js';
import { configDirOf, configServers } from './config/configServers.js';
import { Redactor, redactorRef } from './config/redact.js';
import { ServerConfigSchema } from './config/ServerConfigSchema.js';
import { EventBus } from './events/EventBus.js';
import { EventSerializer } from './events/EventSerializer.js';
import { createEventRetention, type EventRetention } from './events/retention/EventRetention.js';
import { openEventStore } from './events/store/openEventStore.js';
import { authenticatorsExtensionPoint } from './extensions/auth.js';
import { configSectionsExtensionPoint } from './extensions/configSections.js';
import { eventSinksExtensionPoint } from './extensions/eventSinks.js';
import { httpRoutesExtensionPoint } from './extensions/httpRoutes.js';
import { requestHooksExtensionPoint } from './extensions/requestHooks.js';
import { invocationInterceptorsExtensionPoint, targetResolversExtensionPoint } from './extensions/invocation.js';
import { wsRoutesExtensionPoint } from './extensions/wsRoutes.js';
import { HttpHost } from './http/HttpHost.js';
import type { MountedRoute } from './http/routeTable.js';
import { isLoopback } from './http/isLoopback.js';
import { CORE_VERSION, ROOT_DIR } from './kernel/coreVersion.js';
import type { PluginDefinition } from './kernel/definePlugin.js';
import { ExtensionRegistry } from './kernel/ExtensionRegistry.js';
import { Kernel, type KernelTimeouts } from './kernel/Kernel.js';
import { checkPlugin, loadPlugins, type LoadedPlugin } from './kernel/loadPlugins.js';
import { parsePluginEntries, readPluginsFile, type PluginEntry } from './kernel/pluginsFile.js';
import { ServiceContainer } from './kernel/ServiceContainer.js';
import { toolInvokerRef, ToolInvoker } from './invocation/ToolInvoker.js';
import { OperationRegistry, operationsRef } from './operations/OperationRegistry.js';
import { McpServerRegistry, mcpServersRef } from './lifecycle/McpServerRegistry.js';
import { ProcessLedger } from './lifecycle/ProcessLedger.js';
import { restoreRegistry } from './lifecycle/registryHistory.js';
import { authorizerRef, policiesExtensionPoint } from './extensions/auth.js';
import { PolicyAuthorizer } from './invocation/PolicyAuthorizer.js';
import { transportsExtensionPoint } from './extensions/transports.js';
import { upcastersExtensionPoint } from './extensions/upcasters.js';
import { systemClock, type Clock } from './services/Clock.js';
import { nodeSpawner, processSpawnerRef, type ProcessSpawner } from './services/ProcessSpawner.js';
import { clockRef, configRef, eventBusRef, loggerRef, runtimeRef, type HangarRuntime } from './services/coreServices.js';

/** How to boot Hangar. */
export interface HangarOptions {
  readonly logger: Logger;
  /** Config file (YAML, or JSON); omitted means an empty config. */
  readonly configFile?: string;
  /** Plugins file; omitted means `pluginEntries` (or none). */
  readonly pluginsFile?: string;
  /** Plugin entries given directly (as the plugins file's `plugins` array). */
  readonly pluginEntries?: readonly unknown[];
  /** Plugin definitions given as objects (tests, embedding), loaded after the file's plugins. */
  readonly extraPlugins?: readonly { definition: PluginDefinition<unknown>; options?: unknown }[];
  /** Serve HTTP on this address; omitted means stdio mode (no HTTP). */
  readonly http?: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Starts server processes (default: `child_process.spawn`). */
  readonly spawner?: ProcessSpawner;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeouts?: KernelTimeouts;
  /** Allow a non-loopback HTTP host while authentication is off (`--unsafe-no-auth`). */
  readonly unsafeNoAuth?: boolean;
  /** WebSocket keepalive interval (default 30 s). */
  readonly wsPingIntervalMs?: number;
}

/**
 * A running Hangar: the kernel with its plugins, services and (in HTTP mode) the HTTP host.
 * `Hangar.start` boots it completely or not at all: any boot error stops what had started and is
 * rethrown as the coded `HangarError` that caused it.
 */
export class Hangar {
  private stopping: Promise<HangarError[]> | undefined;

  private constructor(
    readonly container: ServiceContainer,
    readonly extensions: ExtensionRegistry,
    readonly config: HangarConfig,
    private readonly kernel: Kernel,
    private readonly host: HttpHost | undefined,
    private readonly logger: Logger,
    private readonly retention: EventRetention,
  ) {}

  /**
   * Boots Hangar and resolves once every plugin has started (and HTTP is ready). The order:
   * plugins register; the config is read (with the sections and transport schemas plugins
   * declared); unsafe boots are refused (auth on without an authenticator, a public host without
   * auth); the kernel's services are made; HTTP listens (answering 503 `starting`); plugins
   * initialise one at a time, each with its factories, and each event sink is attached as its plugin
   * becomes ready; the servers of the config and the event history are registered (so every sink
   * sees those events); the routes are mounted; `start` hooks run; Hangar is ready.
   */
  static async start(options: HangarOptions): Promise<Hangar> {
    const { logger } = options;
    const container = ServiceContainer.create();
    const extensions = new ExtensionRegistry();
    const kernel = new Kernel(container, extensions, logger, options.timeouts);

    kernel.register(await collectPlugins(options));

    // Server configs are validated against the transports the plugins registered, and redacted by them.
    const serverSchema = ServerConfigSchema.from(extensions.get(transportsExtensionPoint));
    const redactor = new Redactor(serverSchema);
    const config = await loadConfig({
      file: options.configFile,
      sections: extensions.get(configSectionsExtensionPoint),
      servers: serverSchema,
      env: options.env,
      warn: (message) => logger.warn(message),
    });
    checkAuth(options, config, extensions);
    const runtime: HangarRuntime = {
      version: CORE_VERSION,
      dataDir: path.resolve(options.dataDir),
      mode: options.http ? 'http' : 'stdio',
      startedAt: Date.now(),
      ...(options.http ? { httpHost: options.http.host } : {}),
    };
    const clock = options.clock ?? systemClock;
    const spawn = options.spawner ?? nodeSpawner;
    container.register(loggerRef, logger);
    container.register(configRef, config);
    container.register(clockRef, clock);
    container.register(runtimeRef, runtime);
    container.register(processSpawnerRef, spawn);
    container.register(redactorRef, redactor);
    const baseDir = configDirOf(config) ?? process.cwd();
    const store = await openEventStore(config.event_store, { dataDir: runtime.dataDir, baseDir }, logger);
    const retention = createEventRetention(config.event_store, store, clock, logger.child({ component: 'retention' }));
    // Sinks join as their plugins become ready (below), never before.
    const eventBus = new EventBus({
      sinks: [],
      store,
      serializer: new EventSerializer(extensions.get(upcastersExtensionPoint)),
      logger,
      redactor,
    });
    container.register(eventBusRef, eventBus);
    const ledger = new ProcessLedger(path.join(runtime.dataDir, 'run'), logger);
    ledger.reapLeftovers();
    const registry = new McpServerRegistry({
      transports: extensions.get(transportsExtensionPoint),
      serverSchema,
      spawn,
      clock,
      eventBus,
      logger: logger.child({ component: 'mcp-servers' }),
      clientInfo: { name: 'hangar', version: CORE_VERSION },
      listStartTimeoutMs: config.list_start_timeout_s * 1000,
      ledger,
    });
    container.register(mcpServersRef, registry);
    const authorizer = new PolicyAuthorizer(
      () => extensions.get(policiesExtensionPoint),
      logger.child({ component: 'authorizer' }),
      authEnabled(config, extensions),
    );
    container.register(authorizerRef, authorizer);
    container.register(
      toolInvokerRef,
      new ToolInvoker({
        registry,
        eventBus,
        logger,
        clock,
        authorizer,
        // Getters: the invoker reads the contributions on its first call, after every plugin's init.
        targetResolvers: () => extensions.get(targetResolversExtensionPoint),
        interceptors: () => extensions.get(invocationInterceptorsExtensionPoint),
      }),
    );
    container.register(
      operationsRef,
      new OperationRegistry({
        clock,
        logger: logger.child({ component: 'operations' }),
        maxKept: config.operations.max_kept,
        maxEvents: config.operations.max_events,
      }),
    );
    container.register(
      configManagerRef,
      new ConfigManager({
        config,
        registry,
        eventBus,
        logger: logger.child({ component: 'config' }),
        dataDir: runtime.dataDir,
        sections: extensions.get(configSectionsExtensionPoint),
        redactor,
        env: options.env,
        clock,
      }),
    );

    const host = options.http ? new HttpHost({ logger, container, wsPingIntervalMs: options.wsPingIntervalMs }) : undefined;
    const hangar = new Hangar(container, extensions, config, kernel, host, logger, retention);
    try {
      if (host && options.http) await host.listen(options.http.host, options.http.port);
      await kernel.init((pluginId) => {
        for (const { pluginId: owner, value } of extensions.entries(eventSinksExtensionPoint)) {
          if (owner === pluginId) eventBus.subscribe(value);
        }
      });
      await restoreRegistry(registry, eventBus, configServers(config, serverSchema), logger);
      host?.mount({
        routes: extensions.entries(httpRoutesExtensionPoint),
        wsRoutes: extensions.entries(wsRoutesExtensionPoint),
        authenticators: extensions.get(authenticatorsExtensionPoint),
        requestHooks: extensions.get(requestHooksExtensionPoint),
      });
      await kernel.start();
      // In the background: boot does not wait for a first prune of a large store.
      retention.start();
    } catch (error) {
      await hangar.stop();
      throw error;
    }
    host?.setReadiness('ready');
    logger.debug(`plugin load tree:\n${kernel.describeLoadTree()}`);
    const address = host?.address();
    logger.info(
      { version: CORE_VERSION, plugins: kernel.pluginIds, ...(address ? { url: urlOf(address) } : {}) },
      address ? `Hangar ready on ${urlOf(address)}` : 'Hangar ready (stdio)',
    );
    return hangar;
  }

  /** The HTTP address, in HTTP mode. */
  get address(): AddressInfo | undefined {
    return this.host?.address();
  }

  /** The HTTP base URL, in HTTP mode (`http://127.0.0.1:8000`). */
  get url(): string | undefined {
    const address = this.address;
    return address ? urlOf(address) : undefined;
  }

  /**
   * Every HTTP route served, with its methods, full path, contributing plugin and declared access
   * (permission, public, or undeclared), the probes and WebSocket routes included; empty in stdio
   * mode. For tests and documentation.
   */
  routes(): readonly MountedRoute[] {
    return this.host?.routes() ?? [];
  }

  /**
   * Stops Hangar: readiness goes to `stopping`, plugins stop in reverse order (each bounded by its
   * timeout), then HTTP closes. Idempotent; resolves with the errors of plugins that failed to stop.
   */
  stop(): Promise<HangarError[]> {
    this.stopping ??= (async () => {
      this.host?.setReadiness('stopping');
      const errors = await this.kernel.stop();
      await this.host?.close();
      await this.retention.stop();
      // Last: the servers' final events (stopped) are stored before the store closes.
      await this.container.resolve(eventBusRef).close();
      await this.container.dispose();
      this.logger.info('Hangar stopped');
      return errors;
    })();
    return this.stopping;
  }
}

/**
 * Refuses a boot that would leave callers unchecked: `auth.enabled: true` with no authenticator
 * loaded (every caller would be anonymous), and a non-loopback HTTP host with auth off unless
 * `--unsafe-no-auth` says so.
 */
function checkAuth(options: HangarOptions, config: HangarConfig, extensions: ExtensionRegistry): void {
  if (config.auth.enabled && extensions.contributors(authenticatorsExtensionPoint).size === 0) {
    throw new ConfigError(
      `${config.source ?? 'config'}: auth.enabled is true but no plugin provides an authenticator ` +
        '(load one, such as auth-rbac, or set auth.enabled: false)',
    );
  }
  if (options.http && !isLoopback(options.http.host) && !options.unsafeNoAuth && !authEnabled(config, extensions)) {
    throw new CliUsageError(
      `refusing to serve ${options.http.host} without authentication: enable auth or pass --unsafe-no-auth`,
    );
  }
}

/** Auth is on when the config says so or a plugin contributes an authenticator (value or factory). */
function authEnabled(config: HangarConfig, extensions: ExtensionRegistry): boolean {
  return config.auth.enabled || extensions.contributors(authenticatorsExtensionPoint).size > 0;
}

async function collectPlugins(options: HangarOptions): Promise<LoadedPlugin[]> {
  let entries: PluginEntry[] = [];
  let baseDir = process.cwd();
  if (options.pluginsFile !== undefined) {
    entries = await readPluginsFile(options.pluginsFile);
    baseDir = path.dirname(path.resolve(options.pluginsFile));
  } else if (options.pluginEntries !== undefined) {
    entries = parsePluginEntries({ plugins: options.pluginEntries });
  }
  const builtins = builtinPlugins();
  const builtinIds = new Set(builtins.map((p) => p.id));
  for (const entry of entries) {
    if (builtinIds.has(entry.id))
      throw new PluginDuplicateError(`plugin '${entry.id}' is a built-in of the kernel; choose another id`);
  }
  const warn = (message: string): void => options.logger.warn(message);
  const fromFile = await loadPlugins(entries, { baseDir, rootDir: ROOT_DIR, coreVersion: CORE_VERSION, warn });
  const extra = (options.extraPlugins ?? []).map(({ definition, options: raw }) => ({
    definition,
    options: checkPlugin(definition, raw, CORE_VERSION, warn),
    source: 'inline',
  }));
  const core = builtins.map((definition) => ({
    definition,
    options: checkPlugin(definition, {}, CORE_VERSION),
    source: 'builtin',
  }));
  return [...core, ...fromFile, ...extra];
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
