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
 * blocks another sink or the publisher. A sink joins the bus once its plugin has initialised (a
 * factory-made sink right after its plugin's init), so it never sees an event before its plugin is
 * ready; the servers of the config and the history are registered after every init, so every sink
 * sees those registrations.
 */
export const eventSinksExtensionPoint = extensionPoint<EventSink>('core.eventSinks', { key: (s) => s.name });
