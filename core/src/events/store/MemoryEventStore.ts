import { ConcurrencyError, ServiceUnavailableError } from '../../errors.js';
import {
  DEFAULT_READ_LIMIT,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedVersion,
  type ReadFilter,
  type ReadOptions,
  type StoredEvent,
} from './EventStore.js';

/**
 * The event store in memory: unit tests and `event_store: {driver: memory}`. Same contract as the
 * SQLite adapter (`eventStoreContract.ts`), nothing survives the process.
 */
export class MemoryEventStore implements EventStore {
  readonly driver = 'memory';
  private readonly events: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private closed = false;

  append(streamId: string, events: readonly EventToAppend[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    return this.whileOpen(() => this.write(streamId, events, expectedVersion));
  }

  private write(streamId: string, events: readonly EventToAppend[], expectedVersion: ExpectedVersion): AppendResult {
    const stream = this.streams.get(streamId) ?? [];
    const version = stream.length - 1;
    if (expectedVersion !== 'any' && expectedVersion !== version) {
      throw new ConcurrencyError(streamId, expectedVersion, version);
    }
    const created_at = new Date().toISOString();
    const positions: number[] = [];
    for (const [index, event] of events.entries()) {
      const stored: StoredEvent = {
        global_position: this.events.length + 1,
        stream_id: streamId,
        stream_version: version + 1 + index,
        event_type: event.event_type,
        // Copies, so a caller mutating what it appended or read cannot change history.
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
        created_at,
      };
      this.events.push(stored);
      stream.push(stored);
      positions.push(stored.global_position);
    }
    if (stream.length > 0) this.streams.set(streamId, stream);
    return { next_expected_version: stream.length - 1, positions };
  }

  readStream(streamId: string, fromVersion = 0, options: ReadOptions = {}): Promise<StoredEvent[]> {
    return this.whileOpen(() => {
      const types = options.eventTypes && new Set(options.eventTypes);
      const matching = (this.streams.get(streamId) ?? [])
        .slice(Math.max(0, fromVersion))
        .filter((event) => !types || types.has(event.event_type));
      if (options.newestFirst) matching.reverse();
      return copies(matching.slice(0, options.limit ?? matching.length));
    });
  }

  readAll(fromPosition = 1, limit = DEFAULT_READ_LIMIT, filter: ReadFilter = {}): Promise<StoredEvent[]> {
    return this.whileOpen(() => {
      const types = filter.eventTypes && new Set(filter.eventTypes);
      const streams = filter.streamIds && new Set(filter.streamIds);
      const found: StoredEvent[] = [];
      for (let index = Math.max(0, fromPosition - 1); index < this.events.length && found.length < limit; index++) {
        const event = this.events[index]!;
        if ((!types || types.has(event.event_type)) && (!streams || streams.has(event.stream_id))) found.push(event);
      }
      return copies(found);
    });
  }

  countStream(streamId: string, eventTypes?: readonly string[]): Promise<number> {
    return this.whileOpen(() => {
      const stream = this.streams.get(streamId) ?? [];
      const types = eventTypes && new Set(eventTypes);
      return types ? stream.filter((event) => types.has(event.event_type)).length : stream.length;
    });
  }

  streamVersion(streamId: string): Promise<number> {
    return this.whileOpen(() => (this.streams.get(streamId)?.length ?? 0) - 1);
  }

  lastPosition(): Promise<number> {
    return this.whileOpen(() => this.events.length);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Runs `work` unless closed; every failure is a rejection, never a synchronous throw. */
  private whileOpen<T>(work: () => T): Promise<T> {
    return new Promise((resolve) => {
      if (this.closed) throw new ServiceUnavailableError('event store is closed');
      resolve(work());
    });
  }
}

function copies(events: readonly StoredEvent[]): StoredEvent[] {
  return events.map((event) => structuredClone(event));
}
