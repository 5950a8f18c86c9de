import type { Logger } from 'pino';
import { Redactor } from '../config/redact.js';
import type { EventSink } from '../extensions/eventSinks.js';
import type { DomainEvent, PublishedEvent } from './DomainEvent.js';
import { EventSerializer, type HistoricEvent } from './EventSerializer.js';
import { mcpServerStream, type EventStore, type ReadFilter, type ReadOptions } from './store/EventStore.js';
import { MemoryEventStore } from './store/MemoryEventStore.js';

/** Events a sink may fall behind by before the oldest are dropped (and the drop logged). */
const DEFAULT_SINK_QUEUE_LIMIT = 10_000;

/** What the bus is built from. */
export interface EventBusOptions {
  readonly sinks: readonly EventSink[];
  readonly store: EventStore;
  readonly serializer: EventSerializer;
  readonly logger: Logger;
  readonly sinkQueueLimit?: number;
  /**
   * What sinks see of a server config (Hangar passes the one built from its transports). Default:
   * a redactor that knows no transport and masks every mode field.
   */
  readonly redactor?: Redactor;
}

/** A `fromPosition` read that retention reached into (see `EventBus.truncation`). */
export interface Truncation {
  /** The highest position retention ever deleted. */
  readonly pruned_through: number;
  /** The first event kept at or after the position asked for; null when none is. */
  readonly first_kept_position: number | null;
}

/** Where an event is stored: its stream, when not the one its `mcp_server_id` implies. */
export interface PublishOptions {
  /** `group:<id>`, `auth`, `discovery`, `config`, …; default `mcp_server:<id>`, else `hangar`. */
  readonly stream?: string;
}

/**
 * Every domain event goes through here: it is appended to the event store first, then handed to
 * each `core.eventSinks` contribution with its `global_position`, in store order. Appends are not
 * awaited by the publisher (the store batches concurrent appends into one commit).
 *
 * Sinks never see secrets: an event whose data carries a server `config` or `patch` is redacted
 * once on its way to them (others are handed on as they are), while the store keeps the real
 * values, since a restart rebuilds the servers created over REST from them.
 *
 * Sinks are isolated: each has its own ordered queue, drained one event at a time; a sink that
 * throws or rejects is logged, and a slow sink only delays itself. A sink more than
 * `sinkQueueLimit` events behind loses its oldest events, with a warning in the log.
 *
 * The bus is also the read side of the history (`readAll`, `readStream`): stored events come back
 * upcast to the current payload versions.
 */
export class EventBus {
  private readonly channels: SinkChannel[];
  private tail: Promise<void> = Promise.resolve();
  private readonly store: EventStore;
  private readonly serializer: EventSerializer;
  private readonly logger: Logger;
  private readonly sinkQueueLimit: number;
  private readonly redactor: Redactor;

  constructor(options: EventBusOptions) {
    this.redactor = options.redactor ?? Redactor.for([]);
    this.store = options.store;
    this.serializer = options.serializer;
    this.logger = options.logger;
    this.sinkQueueLimit = options.sinkQueueLimit ?? DEFAULT_SINK_QUEUE_LIMIT;
    this.channels = options.sinks.map((sink) => new SinkChannel(sink, this.sinkQueueLimit, this.logger));
  }

  /** A bus over a fresh in-memory store with the kernel's serializer (tests, embedding). */
  static inMemory(sinks: readonly EventSink[], logger: Logger): EventBus {
    return new EventBus({ sinks, store: new MemoryEventStore(), serializer: new EventSerializer(), logger });
  }

  /** Stores `event` and then hands it to every sink, without making the caller wait. */
  publish(event: DomainEvent, options?: PublishOptions): void {
    // `append` already logged a failure; the event still reached the sinks.
    this.append(event, options).catch(() => undefined);
  }

  /**
   * Like `publish`, but resolves once the event is stored (with its position), for callers that
   * answer only after a change is durable (a REST create answers 201 only then). Rejects when the
   * store refused the event; sinks still receive it, without a position.
   */
  append(event: DomainEvent, options?: PublishOptions): Promise<HistoricEvent> {
    const stream = options?.stream ?? (event.mcp_server_id === undefined ? 'hangar' : mcpServerStream(event.mcp_server_id));
    const stored = this.store.append(stream, [this.serializer.serialize(event)], 'any').then((result): HistoricEvent => ({
      ...event,
      global_position: result.positions[0]!,
      stream_id: stream,
      stream_version: result.next_expected_version,
    }));
    // Sinks see events in store order: each delivery waits for the appends published before it.
    this.tail = this.tail.then(() =>
      stored.then(
        (historic) => this.deliver(historic),
        (error: unknown) => {
          this.logger.error({ err: error, event_type: event.event_type, stream }, 'could not store event');
          this.deliver(event);
        },
      ),
    );
    return stored;
  }

  /** Resolves once every event published so far is stored and queued for every sink. */
  settled(): Promise<void> {
    return this.tail;
  }

  /** Adds a run-time sink (same isolation as the contributed ones); returns its removal. */
  subscribe(sink: EventSink): () => void {
    const channel = new SinkChannel(sink, this.sinkQueueLimit, this.logger);
    this.channels.push(channel);
    return () => {
      const index = this.channels.indexOf(channel);
      if (index >= 0) this.channels.splice(index, 1);
    };
  }

  /** Stored events with `global_position >= fromPosition`, oldest first. */
  async readAll(fromPosition: number, limit: number, filter?: ReadFilter): Promise<HistoricEvent[]> {
    const stored = await this.store.readAll(fromPosition, limit, filter);
    return stored.map((event) => this.serializer.deserialize(event));
  }

  /**
   * Like `readAll`, with server configs redacted as sinks see them: for readers that hand the
   * history out of Hangar (`GET /api/events`, `/api/ws/events` replays).
   */
  async readAllRedacted(fromPosition: number, limit: number, filter?: ReadFilter): Promise<HistoricEvent[]> {
    return (await this.readAll(fromPosition, limit, filter)).map((event) => this.redactor.event(event));
  }

  /** One stream's events with `stream_version >= fromVersion`, oldest first. */
  async readStream(streamId: string, fromVersion: number, options?: ReadOptions): Promise<HistoricEvent[]> {
    const stored = await this.store.readStream(streamId, fromVersion, options);
    return stored.map((event) => this.serializer.deserialize(event));
  }

  /** How many events `streamId` holds (of `eventTypes`, when given). */
  countStream(streamId: string, eventTypes?: readonly string[]): Promise<number> {
    return this.store.countStream(streamId, eventTypes);
  }

  /** The highest stored global position (0 when empty). */
  lastPosition(): Promise<number> {
    return this.store.lastPosition();
  }

  /**
   * Whether retention may have deleted events a reader from `fromPosition` would have seen
   * (`fromPosition <= pruned_through`); undefined when it did not.
   */
  async truncation(fromPosition: number): Promise<Truncation | undefined> {
    const pruned = await this.store.prunedThrough();
    if (fromPosition > pruned) return undefined;
    const [first] = await this.store.readAll(fromPosition, 1);
    return { pruned_through: pruned, first_kept_position: first?.global_position ?? null };
  }

  /** Waits for pending appends and closes the store (Hangar is stopping). */
  async close(): Promise<void> {
    await this.settled();
    await this.store.close();
  }

  private deliver(event: PublishedEvent): void {
    const outside = this.redactor.event(event);
    for (const channel of this.channels) channel.push(outside);
  }
}

/** One sink's ordered, bounded queue. */
class SinkChannel {
  private readonly queue: PublishedEvent[] = [];
  private draining = false;
  private dropped = 0;

  constructor(
    private readonly sink: EventSink,
    private readonly limit: number,
    private readonly logger: Logger,
  ) {}

  push(event: PublishedEvent): void {
    this.queue.push(event);
    if (this.queue.length > this.limit) {
      this.queue.shift();
      if (this.dropped++ === 0)
        this.logger.warn({ sink: this.sink.name }, 'event sink is falling behind; dropping its oldest events');
    }
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    for (let event = this.queue.shift(); event !== undefined; event = this.queue.shift()) {
      try {
        const result = this.sink.handle(event);
        if (result instanceof Promise) await result;
      } catch (error) {
        this.logger.error({ err: error, sink: this.sink.name, event_type: event.event_type }, 'event sink failed');
      }
    }
    if (this.dropped > 0) {
      this.logger.warn({ sink: this.sink.name, dropped: this.dropped }, 'event sink caught up after dropping events');
      this.dropped = 0;
    }
    this.draining = false;
  }
}
