import { ConcurrencyError, ServiceUnavailableError } from '../../errors.js';
import {
  DEFAULT_READ_LIMIT,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedVersion,
  type PruneResult,
  type PruneRule,
  type ReadFilter,
  type ReadOptions,
  type StoredEvent,
} from './EventStore.js';

/** One stream: its version (kept even when retention deleted older events) and the events kept. */
interface Stream {
  version: number;
  events: StoredEvent[];
}

/**
 * The event store in memory: unit tests and `event_store: {driver: memory}`. Same contract as the
 * SQLite adapter (`eventStoreContract.ts`), nothing survives the process.
 */
export class MemoryEventStore implements EventStore {
  readonly driver = 'memory';
  /** Kept events in position order (positions have gaps once something was pruned). */
  private events: StoredEvent[] = [];
  private readonly streams = new Map<string, Stream>();
  private lastGlobal = 0;
  private pruned = 0;
  private closed = false;

  append(streamId: string, events: readonly EventToAppend[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    return this.whileOpen(() => this.write(streamId, events, expectedVersion));
  }

  private write(streamId: string, events: readonly EventToAppend[], expectedVersion: ExpectedVersion): AppendResult {
    const stream = this.streams.get(streamId) ?? { version: -1, events: [] };
    const version = stream.version;
    if (expectedVersion !== 'any' && expectedVersion !== version) {
      throw new ConcurrencyError(streamId, expectedVersion, version);
    }
    const created_at = new Date().toISOString();
    const positions: number[] = [];
    for (const [index, event] of events.entries()) {
      const stored: StoredEvent = {
        global_position: ++this.lastGlobal,
        stream_id: streamId,
        stream_version: version + 1 + index,
        event_type: event.event_type,
        // Copies, so a caller mutating what it appended or read cannot change history.
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
        created_at,
      };
      this.events.push(stored);
      stream.events.push(stored);
      positions.push(stored.global_position);
    }
    stream.version = version + events.length;
    if (stream.events.length > 0) this.streams.set(streamId, stream);
    return { next_expected_version: stream.version, positions };
  }

  readStream(streamId: string, fromVersion = 0, options: ReadOptions = {}): Promise<StoredEvent[]> {
    return this.whileOpen(() => {
      const types = options.eventTypes && new Set(options.eventTypes);
      const matching = (this.streams.get(streamId)?.events ?? []).filter(
        (event) => event.stream_version >= fromVersion && (!types || types.has(event.event_type)),
      );
      if (options.newestFirst) matching.reverse();
      return copies(matching.slice(0, options.limit ?? matching.length));
    });
  }

  readAll(fromPosition = 1, limit = DEFAULT_READ_LIMIT, filter: ReadFilter = {}): Promise<StoredEvent[]> {
    return this.whileOpen(() => {
      const types = filter.eventTypes && new Set(filter.eventTypes);
      const streams = filter.streamIds && new Set(filter.streamIds);
      const found: StoredEvent[] = [];
      for (let index = this.indexOf(fromPosition); index < this.events.length && found.length < limit; index++) {
        const event = this.events[index]!;
        if ((!types || types.has(event.event_type)) && (!streams || streams.has(event.stream_id))) found.push(event);
      }
      return copies(found);
    });
  }

  countStream(streamId: string, eventTypes?: readonly string[]): Promise<number> {
    return this.whileOpen(() => {
      const stream = this.streams.get(streamId)?.events ?? [];
      const types = eventTypes && new Set(eventTypes);
      return types ? stream.filter((event) => types.has(event.event_type)).length : stream.length;
    });
  }

  streamVersion(streamId: string): Promise<number> {
    return this.whileOpen(() => this.streams.get(streamId)?.version ?? -1);
  }

  lastPosition(): Promise<number> {
    return this.whileOpen(() => this.lastGlobal);
  }

  prune(rules: readonly PruneRule[]): Promise<PruneResult> {
    return this.whileOpen(() => {
      const cutoffs = new Map<string, string>();
      for (const rule of rules) {
        const before = rule.before.toISOString();
        for (const type of rule.eventTypes) {
          const known = cutoffs.get(type);
          if (known === undefined || before > known) cutoffs.set(type, before);
        }
      }
      const newest = this.events.at(-1);
      const doomed = (event: StoredEvent): boolean => {
        const before = cutoffs.get(event.event_type);
        if (before === undefined || event.created_at >= before || event === newest) return false;
        return this.streams.get(event.stream_id)!.events.at(-1) !== event;
      };
      const gone = new Set(this.events.filter(doomed));
      for (const event of gone) this.pruned = Math.max(this.pruned, event.global_position);
      if (gone.size > 0) {
        this.events = this.events.filter((event) => !gone.has(event));
        for (const stream of this.streams.values()) stream.events = stream.events.filter((event) => !gone.has(event));
      }
      const deleted = gone.size;
      return { deleted, pruned_through: this.pruned };
    });
  }

  prunedThrough(): Promise<number> {
    return this.whileOpen(() => this.pruned);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The index of the first kept event at or after `position` (binary search). */
  private indexOf(position: number): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.events[middle]!.global_position < position) low = middle + 1;
      else high = middle;
    }
    return low;
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
