import type { Logger } from 'pino';
import { isHangarError, PluginInitFailedError, PluginStopFailedError, PluginTimeoutError, type HangarError } from '../errors.js';
import { loggerRef } from '../services/coreServices.js';
import type { PluginLifecycle } from './definePlugin.js';
import type { ExtensionRegistry } from './ExtensionRegistry.js';
import type { LoadedPlugin } from './loadPlugins.js';
import { orderPlugins } from './orderPlugins.js';
import type { AnyRef } from './refs.js';
import { errorMessage, registerPlugin, type Registration } from './registerPlugin.js';
import type { ServiceContainer } from './ServiceContainer.js';

/** Time limits of the plugin phases. */
export interface KernelTimeouts {
  /** Per plugin, for `init` and for `start`. Default 30 s. */
  readonly initMs?: number;
  /** Per plugin, for `stop`. Default 5 s. */
  readonly stopMs?: number;
}

interface Running {
  readonly pluginId: string;
  readonly lifecycle: PluginLifecycle;
  /** Singleton services this plugin's factories made, disposed (newest first) after its stop hook. */
  readonly disposers: (() => void | Promise<void>)[];
}

/** Called after each plugin's init and its contribution factories (the host attaches event sinks there). */
export type PluginReadyListener = (pluginId: string) => void;

/** Timings of one plugin's phases, for the load tree. */
export interface PluginTiming {
  readonly pluginId: string;
  readonly after: readonly string[];
  registerMs: number;
  initMs: number;
  startMs: number;
}

/**
 * Runs plugins through their phases: order (dependencies, cycles, duplicates), `register` for all,
 * then `init` one at a time in dependency order, then `start` hooks; on shutdown `stop` hooks in
 * reverse order, each bounded by a timeout so one hung plugin cannot hold Hangar up.
 *
 * Init order honours `after` and, in addition, what a plugin's init and factories depend on: a
 * plugin that needs a service another plugin provides initialises after that plugin, and one that
 * reads an extension point initialises after every plugin contributing to it (Backstage's rule:
 * the owner of a point comes alive once its contributions exist), without repeating them in `after`.
 *
 * Around each init: the plugin's singleton service factories are created just before it, its
 * contribution factories just after it (see `factory`).
 */
export class Kernel {
  private registrations: Registration[] = [];
  private running: Running[] = [];
  private readonly timings = new Map<string, PluginTiming>();

  constructor(
    private readonly container: ServiceContainer,
    private readonly extensions: ExtensionRegistry,
    private readonly logger: Logger,
    private readonly timeouts: KernelTimeouts = {},
  ) {}

  /** Orders the plugins and runs every `register`. */
  register(plugins: readonly LoadedPlugin[]): void {
    const ordered = orderPlugins(plugins.map((plugin) => ({ id: plugin.definition.id, after: plugin.definition.after, plugin })));
    for (const { plugin } of ordered) {
      const started = performance.now();
      this.registrations.push(
        registerPlugin(plugin.definition, plugin.options, this.extensions, this.container, (deps, scope) =>
          this.resolveDeps(plugin.definition.id, deps, scope),
        ),
      );
      this.timings.set(plugin.definition.id, {
        pluginId: plugin.definition.id,
        after: plugin.definition.after ?? [],
        registerMs: performance.now() - started,
        initMs: 0,
        startMs: 0,
      });
    }
    this.registrations = this.initOrder();
  }

  /**
   * Runs each plugin's `init` in order, resolving its dependencies from the container: first its
   * singleton service factories, then `init`, then its contribution factories; `onReady` hears of
   * each plugin once all three are done.
   */
  async init(onReady?: PluginReadyListener): Promise<void> {
    for (const { pluginId, init, serviceFactories } of this.registrations) {
      const started = performance.now();
      const running: Running = { pluginId, lifecycle: {}, disposers: [] };
      this.running.push(running);
      await this.withTimeout(pluginId, 'init', this.timeouts.initMs ?? 30_000, async () => {
        for (const { ref, factory } of serviceFactories) {
          const value = await factory.create(this.resolveDeps(pluginId, factory.deps) as never);
          this.container.fill(ref, value);
          if (factory.dispose) running.disposers.push(() => factory.dispose?.(value));
        }
        const lifecycle = await init.run(this.resolveDeps(pluginId, init.deps ?? {}) as never);
        Object.assign(running, { lifecycle: lifecycle ?? {} });
        for (const { point, factory } of this.extensions.takePending(pluginId)) {
          this.extensions.add(point, await factory.create(this.resolveDeps(pluginId, factory.deps) as never), pluginId);
        }
      });
      this.timing(pluginId).initMs = performance.now() - started;
      onReady?.(pluginId);
    }
  }

  /** Runs `start` hooks in init order. */
  async start(): Promise<void> {
    for (const { pluginId, lifecycle } of this.running) {
      if (!lifecycle.start) continue;
      const started = performance.now();
      await this.withTimeout(pluginId, 'start', this.timeouts.initMs ?? 30_000, async () => lifecycle.start?.());
      this.timing(pluginId).startMs = performance.now() - started;
    }
  }

  /**
   * Runs `stop` hooks in reverse init order. A hook that throws or exceeds its timeout is logged
   * and collected; the others still stop. Returns the collected errors.
   */
  async stop(): Promise<HangarError[]> {
    const errors: HangarError[] = [];
    const running = this.running.reverse();
    this.running = [];
    for (const { pluginId, lifecycle, disposers } of running) {
      if (!lifecycle.stop && disposers.length === 0) continue;
      try {
        await this.withTimeout(pluginId, 'stop', this.timeouts.stopMs ?? 5_000, async () => {
          await lifecycle.stop?.();
          for (const dispose of disposers.reverse()) await dispose();
        });
      } catch (error) {
        const coded = isHangarError(error)
          ? error
          : new PluginStopFailedError(`plugin '${pluginId}': stop failed: ${errorMessage(error)}`);
        this.logger.error({ plugin: pluginId, code: coded.code }, coded.message);
        errors.push(coded);
      }
    }
    return errors;
  }

  /** Plugin ids in init order. */
  get pluginIds(): string[] {
    return this.registrations.map((r) => r.pluginId);
  }

  /** The load tree in init order with timings, one line per plugin, for `--log-level debug`. */
  describeLoadTree(): string {
    const ms = (value: number): string => value.toFixed(1);
    return this.registrations
      .map(({ pluginId }) => {
        const t = this.timing(pluginId);
        const deps = t.after.length > 0 ? ` (after ${t.after.join(', ')})` : '';
        return `├─ ${pluginId}${deps}  register ${ms(t.registerMs)} ms, init ${ms(t.initMs)} ms, start ${ms(t.startMs)} ms`;
      })
      .join('\n');
  }

  /**
   * `after`, plus an edge to the provider of every service and to every contributor of every
   * extension point that the plugin's init or factories depend on; ordered by the same stable sort.
   */
  private initOrder(): Registration[] {
    const nodes = this.registrations.map((registration) => {
      const { pluginId } = registration;
      const refs = [
        ...Object.values(registration.init.deps ?? {}),
        ...registration.serviceFactories.flatMap(({ factory }) => Object.values(factory.deps)),
        ...this.extensions.pendingOf(pluginId).flatMap((factory) => Object.values(factory.deps)),
      ];
      const providers = refs.flatMap((ref): string[] => {
        if (ref.kind === 'extensionPoint') return [...this.extensions.contributors(ref)];
        const owner = this.container.ownerOf(ref);
        return owner === undefined || owner === 'core' ? [] : [owner];
      });
      const after = [...new Set([...registration.after, ...providers])].filter((id) => id !== pluginId);
      return { id: pluginId, after, registration };
    });
    return orderPlugins(nodes).map((node) => node.registration);
  }

  private timing(pluginId: string): PluginTiming {
    return this.timings.get(pluginId)!;
  }

  private resolveDeps(
    pluginId: string,
    deps: Record<string, AnyRef>,
    scope: ServiceContainer = this.container,
  ): Record<string, unknown> {
    const resolved: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(deps)) {
      if (ref.kind === 'extensionPoint') {
        resolved[name] = this.extensions.get(ref);
      } else if (ref.id === loggerRef.id) {
        resolved[name] = this.logger.child({ plugin: pluginId });
      } else if (!scope.has(ref)) {
        throw new PluginInitFailedError(
          `plugin '${pluginId}': dependency '${name}' needs service '${ref.id}', which nothing provides`,
        );
      } else {
        resolved[name] = scope.resolve(ref);
      }
    }
    return resolved;
  }

  private async withTimeout<T>(pluginId: string, phase: string, ms: number, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PluginTimeoutError(`plugin '${pluginId}': ${phase} did not finish within ${ms} ms`)),
        ms,
      );
    });
    try {
      return await Promise.race([work(), timeout]);
    } catch (error) {
      if (error instanceof PluginTimeoutError || (phase === 'stop' && isHangarError(error))) throw error;
      const Failed = phase === 'stop' ? PluginStopFailedError : PluginInitFailedError;
      throw new Failed(`plugin '${pluginId}': ${phase} failed: ${errorMessage(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
