import type { PublishedEvent } from '../events/DomainEvent.js';
import { extensionPoint } from '../kernel/refs.js';

/** A consumer of every domain event (WebSocket hub, metrics, tracing, Langfuse, …). */
export interface EventSink {
  readonly name: string;
  /** Handles one event; may be async. Must not assume any other sink has seen it. */
  handle(event: PublishedEvent): void | Promise<void>;
}

/**
 * `core.eventSinks` — parallel and isolated: the event bus hands each event to every sink
 * without awaiting one before the next; a sink that throws or rejects is logged and never
 * blocks another sink or the publisher.
 */
export const eventSinksExtensionPoint = extensionPoint<EventSink>('core.eventSinks', { key: (s) => s.name });
