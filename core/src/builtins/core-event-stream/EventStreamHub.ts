import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { PublishedEvent } from '../../events/DomainEvent.js';
import type { EventBus } from '../../events/EventBus.js';
import { eventFrame } from '../../events/eventFrames.js';
import type { EventSink } from '../../extensions/eventSinks.js';
import type { WsRoute } from '../../extensions/wsRoutes.js';
import { EventStreamConnection, type EventStreamConnectionStats } from './EventStreamConnection.js';

/** What the hub is built from. */
export interface EventStreamHubDeps {
  /** The history `from_position` replays read. */
  readonly bus: Pick<EventBus, 'readAll' | 'truncation'>;
  /** `event_stream.queue_size`: event frames a connection may fall behind by. */
  readonly queueSize: number;
  readonly logger: Logger;
}

/** The hub's numbers, for tests and metrics. */
export interface EventStreamStats {
  /** Connected clients. */
  readonly clients: number;
  /** Event frames dropped on every connection since the hub started. */
  readonly dropped: number;
  /** One entry per connected client, oldest connection first. */
  readonly connections: readonly EventStreamConnectionStats[];
}

/**
 * The `/api/ws/events` hub (seed 000, docs/api.md): an event sink that offers every domain
 * event, as a flat `eventFrame`, to each connected client, and the WebSocket route that accepts
 * them. Each client is an `EventStreamConnection` with its own filters, bounded queue and
 * `from_position` replay, so a slow client never slows the bus or another client.
 *
 * The core-event-stream plugin makes it with a factory once the bus exists, so its sink and its
 * route are the same object from the start. Upgrades are already authenticated and authorized by
 * the HTTP host; pings and dead peers are the host's too.
 */
export class EventStreamHub implements EventSink {
  readonly name = 'websocket-events';
  private readonly connections = new Set<EventStreamConnection>();
  private dropped = 0;
  private closing = false;

  /** The WebSocket route contribution for `/api/ws/events`. */
  readonly route: WsRoute = {
    path: 'events',
    permission: { action: 'events:read', resource: 'global' },
    handle: (socket) => this.connect(socket),
  };

  constructor(private readonly deps: EventStreamHubDeps) {}

  /** Offers one event to every client; serialised once, and only if some client wants it. */
  handle(event: PublishedEvent): void {
    let frame: string | undefined;
    const frameOf = (): string => (frame ??= JSON.stringify(eventFrame(event)));
    for (const connection of this.connections) connection.offer(event, frameOf);
  }

  /** Closes every client (1001, going away) and refuses new ones; used at shutdown. */
  closeAll(): void {
    this.closing = true;
    for (const connection of [...this.connections]) connection.close(1001, 'Hangar is shutting down');
    this.connections.clear();
  }

  /** Connected clients, their queues, and the drops so far. */
  stats(): EventStreamStats {
    const connections = [...this.connections].map((connection) => connection.stats());
    return { clients: connections.length, dropped: this.dropped, connections };
  }

  private connect(socket: WebSocket): void {
    if (this.closing) {
      socket.close(1001, 'Hangar is shutting down');
      return;
    }
    const connection = new EventStreamConnection({
      socket,
      queueSize: this.deps.queueSize,
      bus: this.deps.bus,
      logger: this.deps.logger,
      onDrop: () => this.dropped++,
      onClose: (gone) => this.connections.delete(gone),
    });
    this.connections.add(connection);
  }
}
