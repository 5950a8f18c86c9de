import type { EventSink, PublishedEvent } from '@hangar/core';

/**
 * Counts domain events by `event_type`. It is a `core.eventSinks` contribution: the event bus hands
 * it every published event in parallel with the other sinks and isolated from them, so `handle`
 * stays synchronous and cheap and must not assume any other sink has seen the event.
 */
export class EventCounter implements EventSink {
  /** Sinks are keyed by name across all plugins, so the name starts with the plugin id. */
  readonly name = 'hello-plugin.event-counter';
  private readonly byType = new Map<string, number>();
  private seen = 0;

  /** Counts one event under its type. */
  handle(event: PublishedEvent): void {
    this.seen += 1;
    this.byType.set(event.event_type, (this.byType.get(event.event_type) ?? 0) + 1);
  }

  /** Events seen since Hangar started. */
  get total(): number {
    return this.seen;
  }

  /** Events seen per `event_type`, in order of first appearance. */
  countsByType(): Record<string, number> {
    return Object.fromEntries(this.byType);
  }
}
