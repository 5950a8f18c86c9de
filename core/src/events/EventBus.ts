import type { Logger } from 'pino';
import type { EventSink } from '../extensions/eventSinks.js';
import type { DomainEvent, PublishedEvent } from './DomainEvent.js';

/**
 * Publishes domain events to every `core.eventSinks` contribution. Delivery is isolated: each
 * sink is called in its own microtask, a sink that throws or rejects is logged, and the publisher
 * never waits for sinks. Subscribers added at run time (`subscribe`) are treated like sinks.
 */
export class EventBus {
  private readonly sinks: EventSink[];

  constructor(
    sinks: readonly EventSink[],
    private readonly logger: Logger,
  ) {
    this.sinks = [...sinks];
  }

  /** Hands `event` to every sink without awaiting them. */
  publish(event: DomainEvent | PublishedEvent): void {
    for (const sink of this.sinks) {
      queueMicrotask(() => this.deliver(sink, event));
    }
  }

  /** Adds a run-time subscriber; returns a function that removes it. */
  subscribe(sink: EventSink): () => void {
    this.sinks.push(sink);
    return () => {
      const index = this.sinks.indexOf(sink);
      if (index >= 0) this.sinks.splice(index, 1);
    };
  }

  private deliver(sink: EventSink, event: PublishedEvent): void {
    try {
      const result = sink.handle(event);
      if (result instanceof Promise) result.catch((error: unknown) => this.report(sink, event, error));
    } catch (error) {
      this.report(sink, event, error);
    }
  }

  private report(sink: EventSink, event: PublishedEvent, error: unknown): void {
    this.logger.error({ err: error, sink: sink.name, event_type: event.event_type }, 'event sink failed');
  }
}
