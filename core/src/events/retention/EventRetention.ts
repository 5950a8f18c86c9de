import type { Logger } from 'pino';
import { parseDuration } from '../../config/duration.js';
import type { Clock, TimerHandle } from '../../services/Clock.js';
import type { EventStore, PruneResult, PruneRule } from '../store/EventStore.js';
import { RETENTION_CLASSES, type RetentionClass } from './retentionClasses.js';

/** `event_store.retention`: how long each class is kept, as config durations. */
export type RetentionSettings = Partial<Record<RetentionClass, string>>;

/** What `EventRetention` works with. */
export interface EventRetentionOptions {
  readonly store: Pick<EventStore, 'prune'>;
  readonly retention: RetentionSettings;
  /** Milliseconds between runs (after one ends). */
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Rows per delete statement (the store's default when unset). */
  readonly batchSize?: number;
}

/** The prune rules of `retention` at time `now`: one per configured class. */
export function retentionRules(retention: RetentionSettings, now: number): PruneRule[] {
  const rules: PruneRule[] = [];
  for (const [name, types] of Object.entries(RETENTION_CLASSES) as [RetentionClass, readonly string[]][]) {
    const text = retention[name];
    const keepMs = text === undefined ? undefined : parseDuration(text);
    if (keepMs !== undefined) rules.push({ eventTypes: types, before: new Date(now - keepMs) });
  }
  return rules;
}

/**
 * Applies `event_store.retention`: once at `start` (in the background, boot does not wait for it)
 * and then every `intervalMs` on the injected clock, one run at a time. Each run logs one line
 * (events deleted, how long). A failed run is logged and the schedule goes on.
 */
export class EventRetention {
  private timer: TimerHandle | undefined;
  private running: Promise<PruneResult | undefined> | undefined;
  private stopped = false;
  /** Aborted by `stop`, so a long run ends at its next batch instead of holding Hangar's shutdown. */
  private readonly abort = new AbortController();

  constructor(private readonly options: EventRetentionOptions) {}

  /** True when some class is limited (otherwise `start` schedules nothing). */
  get enabled(): boolean {
    return retentionRules(this.options.retention, 0).length > 0;
  }

  /** Runs now, then on the schedule. */
  start(): void {
    if (!this.enabled || this.stopped) return;
    void this.runOnce().finally(() => this.schedule());
  }

  /**
   * One pruning run now (waits for a run in progress first). Resolves with what it did, or
   * undefined when it failed (logged) or retention is stopped.
   */
  async runOnce(): Promise<PruneResult | undefined> {
    while (this.running) await this.running;
    if (this.stopped) return undefined;
    this.running = this.prune();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Cancels the schedule, stops a run in progress at its next batch and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.timer?.cancel();
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.runOnce().finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  private async prune(): Promise<PruneResult | undefined> {
    const { clock, logger, store, retention, batchSize } = this.options;
    const rules = retentionRules(retention, clock.now());
    const started = performance.now();
    try {
      const result = await store.prune(rules, { signal: this.abort.signal, ...(batchSize === undefined ? {} : { batchSize }) });
      const duration_ms = Math.round(performance.now() - started);
      logger.info(
        { deleted: result.deleted, duration_ms, pruned_through: result.pruned_through },
        `event store pruned: ${result.deleted} events deleted in ${duration_ms} ms`,
      );
      return result;
    } catch (error) {
      logger.error({ err: error }, 'event store pruning failed');
      return undefined;
    }
  }
}

/** The retention of the config's `event_store` section over `store`. */
export function createEventRetention(
  settings: { readonly retention?: RetentionSettings | undefined; readonly prune_interval: string },
  store: Pick<EventStore, 'prune'>,
  clock: Clock,
  logger: Logger,
): EventRetention {
  return new EventRetention({
    store,
    retention: settings.retention ?? {},
    // The schema validated it; an hour if it somehow did not.
    intervalMs: parseDuration(settings.prune_interval) ?? 3_600_000,
    clock,
    logger,
  });
}
