import type { Logger } from 'pino';
import type { HangarConfig } from '../config/configSchema.js';
import type { EventBus } from '../events/EventBus.js';
import { serviceRef } from '../kernel/refs.js';
import type { Clock } from './Clock.js';

/** Facts about this Hangar process. */
export interface HangarRuntime {
  /** `@hangar/core` version. */
  readonly version: string;
  /** Where Hangar keeps its state (`--data-dir`). */
  readonly dataDir: string;
  /** `stdio` or `http`. */
  readonly mode: 'stdio' | 'http';
  /** Time the process booted, ms since epoch. */
  readonly startedAt: number;
  /** The address HTTP listens on (`--host`), in HTTP mode. */
  readonly httpHost?: string;
}

/** The root pino logger (stderr); plugins get a child logger bound to their id in `deps`. */
export const loggerRef = serviceRef<Logger>('core.logger');
/** The validated configuration. */
export const configRef = serviceRef<HangarConfig>('core.config');
/** Time. */
export const clockRef = serviceRef<Clock>('core.clock');
/** Publishes domain events to every event sink. */
export const eventBusRef = serviceRef<EventBus>('core.eventBus');
/** Version, data dir, mode, start time. */
export const runtimeRef = serviceRef<HangarRuntime>('core.runtime');
