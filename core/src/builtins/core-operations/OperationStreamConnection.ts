import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { OperationEvent } from '../../operations/Operation.js';
import { parseOperationCommand, type OperationCommand } from './operationCommands.js';
import { OutboundQueue } from '../websocket/OutboundQueue.js';
import { SocketPump } from '../websocket/SocketPump.js';
import { textOf } from '../websocket/socketText.js';

/** What one connection needs from its hub. */
export interface OperationStreamConnectionOptions {
  readonly socket: WebSocket;
  /** Live progress and log frames the connection may fall behind by before the oldest are dropped. */
  readonly queueSize: number;
  /**
   * Frames that are never dropped (replies, replays, status and terminal events) a client may leave
   * unread: past this, a new command or live event closes the connection (1008).
   */
  readonly pinnedLimit: number;
  readonly logger?: Logger;
  /** Called with each valid command, in order; the hub answers through `reply` and `replay`. */
  readonly onCommand: (command: OperationCommand, connection: OperationStreamConnection) => void;
  /** Called for every frame dropped because the queue was full. */
  readonly onDrop?: () => void;
  /** Called once when the connection is gone (closed, errored, or closed by the hub). */
  readonly onClose?: (connection: OperationStreamConnection) => void;
}

/** One connection's numbers, for tests and metrics. */
export interface OperationStreamConnectionStats {
  readonly clientId: string;
  /** Droppable (progress, log) frames queued now. */
  readonly queued: number;
  /** Never-dropped frames queued now. */
  readonly pinned: number;
  /** The most droppable frames ever queued at once (never above the queue size). */
  readonly peakQueued: number;
  readonly inFlight: number;
  /** Frames dropped on this connection so far. */
  readonly dropped: number;
  /** Subscriptions held (`"*"` counts as one). */
  readonly subscriptions: number;
}

/**
 * One `/api/ws/operations` client (seed 002): what it follows (`"*"` and/or operation ids), its
 * bounded outbound queue, and its commands, passed to the hub.
 *
 * Only live `progress` and `log` frames may be dropped: when the queue holds `queueSize` of them,
 * the oldest goes, and a `{"status": "warning", "dropped": N}` frame precedes the next frame sent.
 * Replies, replayed events and live `status`, `result`, `completed` and `error` frames keep their
 * place and are never dropped; a client that leaves more than `pinnedLimit` of them unread is
 * disconnected instead. Frames go out through a `SocketPump`.
 */
export class OperationStreamConnection {
  readonly clientId: string;
  private readonly queue: OutboundQueue;
  private readonly ids = new Set<string>();
  private all = false;
  /** The hub's ending count when `"*"` was subscribed (see `OperationStreamHub.endedBy`). */
  private allSince = 0;
  private readonly pump: SocketPump;
  private dropped = 0;
  private peakQueued = 0;
  private closed = false;
  private readonly onMessage = (data: RawData, isBinary: boolean): void => this.receive(data, isBinary);
  private readonly onGone = (): void => this.dispose();

  constructor(
    clientId: string,
    private readonly options: OperationStreamConnectionOptions,
  ) {
    this.clientId = clientId;
    this.queue = new OutboundQueue(options.queueSize, (dropped) =>
      JSON.stringify({
        status: 'warning',
        dropped,
        message: `${dropped} progress or log events were dropped because this client fell behind`,
      }),
    );
    this.pump = new SocketPump(options.socket, { next: () => this.nextFrame() });
    options.socket.on('message', this.onMessage);
    options.socket.once('close', this.onGone);
    // `ws` closes the socket after an error; the error itself needs no more than a debug line.
    options.socket.on('error', (error) => {
      options.logger?.debug({ err: error, client_id: clientId }, 'operations stream client errored');
      this.dispose();
    });
  }

  /** Whether live events of `operationId` go to this client. */
  follows(operationId: string): boolean {
    return this.all || this.ids.has(operationId);
  }

  /** Whether the client follows `operationId` by id. */
  followsById(operationId: string): boolean {
    return this.ids.has(operationId);
  }

  /** The hub's ending count when `"*"` was subscribed, or undefined without `"*"`. */
  get allSubscribedAt(): number | undefined {
    return this.all ? this.allSince : undefined;
  }

  /** Subscriptions held (`"*"` counts as one). */
  get subscriptions(): number {
    return this.ids.size + (this.all ? 1 : 0);
  }

  follow(operationId: string): void {
    this.ids.add(operationId);
  }

  unfollow(operationId: string): void {
    this.ids.delete(operationId);
  }

  followAll(since: number): void {
    this.all = true;
    this.allSince = since;
  }

  unfollowAll(): void {
    this.all = false;
  }

  /** Takes one live event of an operation the client follows (the hub checked `follows`). */
  offer(event: OperationEvent, frame: () => string): void {
    if (this.closed) return;
    if (event.event_type !== 'progress' && event.event_type !== 'log') {
      this.pin(frame());
      return;
    }
    if (this.queue.pushEvent(frame())) {
      this.dropped++;
      this.options.onDrop?.();
    }
    if (this.queue.events > this.peakQueued) this.peakQueued = this.queue.events;
    this.pump.schedule();
  }

  /** Queues kept events of one operation, in order; replayed events are never dropped. */
  replay(events: readonly OperationEvent[]): void {
    if (this.closed) return;
    for (const event of events) this.queue.pushControl(JSON.stringify(event));
    this.pump.schedule();
  }

  /** Queues a reply (an ack, an answer, an error frame, the `connected` event). */
  reply(frame: Readonly<Record<string, unknown>>): void {
    this.pin(JSON.stringify(frame));
  }

  /** Closes the socket (1001 at shutdown) and leaves the hub at once. */
  close(code: number, reason: string): void {
    this.options.socket.close(code, reason);
    this.dispose();
  }

  stats(): OperationStreamConnectionStats {
    return {
      clientId: this.clientId,
      queued: this.queue.events,
      pinned: this.queue.controls,
      peakQueued: this.peakQueued,
      inFlight: this.pump.pending,
      dropped: this.dropped,
      subscriptions: this.subscriptions,
    };
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closed || this.tooFarBehind()) return;
    if (isBinary) {
      this.reply({ status: 'error', error: 'ValidationError', message: 'Binary frames are not accepted; send JSON text' });
      return;
    }
    const command = parseOperationCommand(textOf(data));
    if ('error' in command) this.reply({ status: 'error', ...command });
    else this.options.onCommand(command, this);
  }

  private pin(frame: string): void {
    if (this.closed || this.tooFarBehind()) return;
    this.queue.pushControl(frame);
    this.pump.schedule();
  }

  /** Closes a client that leaves too many never-dropped frames unread; true when it did. */
  private tooFarBehind(): boolean {
    if (this.queue.controls < this.options.pinnedLimit) return false;
    this.options.logger?.warn(
      { client_id: this.clientId, unread: this.queue.controls },
      'operations stream client disconnected: too many unread frames',
    );
    this.close(1008, 'too many unread frames');
    return true;
  }

  /** The next frame for the pump (a pending drop warning first), none once closed. */
  private nextFrame(): string | undefined {
    return this.closed ? undefined : this.queue.next();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.options.socket.off('message', this.onMessage);
    this.options.socket.off('close', this.onGone);
    this.options.onClose?.(this);
  }
}
