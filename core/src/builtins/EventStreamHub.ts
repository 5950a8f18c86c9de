import type { WebSocket } from 'ws';
import type { PublishedEvent } from '../events/DomainEvent.js';
import type { EventSink } from '../extensions/eventSinks.js';
import type { WsRoute } from '../extensions/wsRoutes.js';

/**
 * The `/api/ws/events` hub: an event sink that forwards every domain event, as a flat JSON frame
 * (seed 000), to each connected WebSocket client. A client whose socket buffer is over
 * `maxBufferedBytes` is skipped for that event rather than let memory grow without bound.
 */
export class EventStreamHub implements EventSink {
  readonly name = 'websocket-events';
  private readonly clients = new Set<WebSocket>();

  constructor(private readonly maxBufferedBytes = 8 * 1024 * 1024) {}

  /** The WebSocket route contribution for `/api/ws/events`. */
  readonly route: WsRoute = {
    path: 'events',
    handle: (socket) => {
      this.clients.add(socket);
      socket.on('close', () => this.clients.delete(socket));
      socket.on('error', () => this.clients.delete(socket));
    },
  };

  /** Number of connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** Closes every client (1001, going away); used at shutdown. */
  closeAll(): void {
    for (const client of this.clients) client.close(1001, 'Hangar is shutting down');
    this.clients.clear();
  }

  handle(event: PublishedEvent): void {
    if (this.clients.size === 0) return;
    const { data, ...envelope } = event;
    const frame = JSON.stringify({ ...data, ...envelope });
    for (const client of this.clients) {
      if (client.readyState === client.OPEN && client.bufferedAmount <= this.maxBufferedBytes) client.send(frame);
    }
  }
}
