import path from 'node:path';
import type { Logger } from 'pino';
import type { EventStore } from './EventStore.js';
import { MemoryEventStore } from './MemoryEventStore.js';
import { SqliteEventStore } from './SqliteEventStore.js';

/** Where and how to open the store (the config's `event_store`). */
export interface EventStoreSettings {
  readonly driver: 'sqlite' | 'memory';
  /** SQLite file; relative to `baseDir`. Default `<dataDir>/events.db`. */
  readonly path?: string;
}

/**
 * Opens the configured event store: SQLite at `event_store.path` (relative to the config file's
 * folder) or `<data-dir>/events.db`, or the in-memory store.
 */
export async function openEventStore(
  settings: EventStoreSettings,
  dirs: { readonly dataDir: string; readonly baseDir: string },
  logger: Logger,
): Promise<EventStore> {
  if (settings.driver === 'memory') return new MemoryEventStore();
  const file = settings.path === undefined ? path.join(dirs.dataDir, 'events.db') : path.resolve(dirs.baseDir, settings.path);
  const store = await SqliteEventStore.open(file, { logger });
  logger.debug({ file }, 'event store opened');
  return store;
}
