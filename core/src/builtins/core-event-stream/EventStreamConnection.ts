import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { PublishedEvent } from '../../events/DomainEvent.js';
import type { EventBus } from '../../events/EventBus.js';
import { EventReplay, type ReplayTarget } from './EventReplay.js';
import {
  matchesSubscription,
  parseClientMessage,
  SUBSCRIBE_ALL,
  subscribedFrame,
  type EventSubscription,
} from './eventSubscription.js';
import { OutboundQueue } from '../websocket/OutboundQueue.js';
import { SocketPump } from '../websocket/SocketPump.js';
import { textOf } from '../websocket/socketText.js';

/** Replies (`subscribed`, `error`) a client may leave unread before it is disconnected. */
const MAX_CONTROL_FRAMES = 64;

/** What one connection needs from its hub. */
export interface EventStreamConnectionOptions {
  readonly socket: WebSocket;
  /** Event frames the connection may fall behind by before the oldest are dropped. */
  readonly queueSize: number;
  /** The history, for `from_position` replays; without it a replay is refused. */
  readonly bus?: Pick<EventBus, 'readAll' | 'truncation'>;
  readonly logger?: Logger;
  /** Called for every event frame dropped because the queue was full. */
  readonly onDrop?: () => void;
  /** Called once when the connection is gone (closed, errored, or closed by the hub). */
  readonly onClose?: (connection: EventStreamConnection) => void;
}

/** One connection's numbers, for tests and metrics. */
export interface EventStreamConnectionStats {
  /** Event frames queued now. */
  readonly queued: number;
  /** The most event frames ever queued at once (never above the queue size). */
  readonly peakQueued: number;
  /** Frames handed to the socket whose write has not completed. */
  readonly inFlight: number;
  /** Bytes buffered in `ws` and the socket. */
  readonly bufferedBytes: number;
  /** Event frames dropped on this connection so far. */
  readonly dropped: number;
  /** Whether a `from_position` replay is running. */
  readonly replaying: boolean;
}

/**
 * One `/api/ws/events` client: its subscription (seed 000; every event until it subscribes), its
 * bounded outbound queue, and at most one running `from_position` replay.
 *
 * Frames go out through a `SocketPump`, so a client that stops reading costs at most the queue
 * plus the in-flight frames. When the queue is full the oldest event frame is dropped; the next
 * time a frame is about to go out, a `warning` frame with the drop count goes first.
 */
export class EventStreamConnection implements ReplayTarget {
  private subscription: EventSubscription = SUBSCRIBE_ALL;
  private readonly queue: OutboundQueue;
  private replay: EventReplay | undefined;
  private waiter: { level: number; resolve: () => void } | undefined;
  private readonly pump: SocketPump;
  private dropped = 0;
  private peakQueued = 0;
  private closed = false;
  private readonly onMessage = (data: RawData): void => this.receive(textOf(data));
  private readonly onGone = (): void => this.dispose();

  constructor(private readonly options: EventStreamConnectionOptions) {
    this.queue = new OutboundQueue(options.queueSize, (dropped) =>
      JSON.stringify({ type: 'warning', dropped, message: `${dropped} events were dropped because this client fell behind` }),
    );
    this.pump = new SocketPump(options.socket, { next: () => this.nextFrame(), drained: () => this.drained() });
    options.socket.on('message', this.onMessage);
    options.socket.once('close', this.onGone);
    // `ws` closes the socket after an error; the error itself needs no more than a debug line.
    options.socket.on('error', (error) => {
      options.logger?.debug({ err: error }, 'event stream client errored');
      this.dispose();
    });
  }

  get capacity(): number {
    return this.queue.capacity;
  }

  get queued(): number {
    return this.queue.events;
  }

  /** Takes one live event: queued (or buffered by a running replay) when it matches. */
  offer(event: PublishedEvent, frame: () => string): void {
    if (this.closed || !matchesSubscription(this.subscription, event)) return;
    if (this.replay) this.replay.offer(event);
    else this.enqueueEvent(frame());
  }

  enqueueEvent(frame: string): void {
    if (this.closed) return;
    if (this.queue.pushEvent(frame)) {
      this.dropped++;
      this.options.onDrop?.();
    }
    if (this.queue.events > this.peakQueued) this.peakQueued = this.queue.events;
    this.pump.schedule();
  }

  waitForQueuedAtMost(level: number): Promise<void> {
    if (this.closed || this.queue.events <= level) return Promise.resolve();
    this.releaseWaiter();
    return new Promise((resolve) => (this.waiter = { level, resolve }));
  }

  /** Closes the socket (1001 at shutdown) and leaves the hub at once. */
  close(code: number, reason: string): void {
    this.options.socket.close(code, reason);
    this.dispose();
  }

  stats(): EventStreamConnectionStats {
    return {
      queued: this.queue.events,
      peakQueued: this.peakQueued,
      inFlight: this.pump.pending,
      bufferedBytes: this.options.socket.bufferedAmount,
      dropped: this.dropped,
      replaying: this.replay !== undefined,
    };
  }

  private receive(text: string): void {
    const message = parseClientMessage(text);
    if ('error' in message) this.sendControl({ type: 'error', message: message.error });
    else this.subscribe(message.subscription);
  }

  /** Replaces the subscription; the ack goes out after what is already queued, before any replayed event. */
  private subscribe(subscription: EventSubscription): void {
    this.stopReplay();
    this.subscription = subscription;
    this.sendControl(subscribedFrame(subscription));
    const from = subscription.fromPosition;
    if (from === undefined || this.closed) return;
    const { bus, logger } = this.options;
    if (!bus) {
      this.sendControl({ type: 'error', message: 'Invalid from_position: this Hangar keeps no event history to replay' });
      return;
    }
    const replay: EventReplay = new EventReplay({
      bus,
      subscription,
      target: this,
      onLive: () => {
        if (this.replay === replay) this.replay = undefined;
      },
      onTruncated: (truncation) =>
        this.sendControl({
          type: 'truncated',
          from_position: from,
          ...truncation,
          message: `Events from position ${from} through ${truncation.pruned_through} may have been deleted by retention; the replay resumes at the next kept event`,
        }),
      onError: (error) => {
        logger?.error({ err: error, from_position: from }, 'event stream replay failed');
        const reason = error instanceof Error ? error.message : String(error);
        this.sendControl({ type: 'error', message: `Replay from_position ${from} failed: ${reason}; live events follow` });
      },
    });
    this.replay = replay;
    void replay.run();
  }

  private sendControl(frame: Record<string, unknown>): void {
    if (this.closed) return;
    if (this.queue.controls >= MAX_CONTROL_FRAMES) {
      this.close(1008, 'too many unread replies');
      return;
    }
    this.queue.pushControl(JSON.stringify(frame));
    this.pump.schedule();
  }

  /** The next frame for the pump (a pending drop warning first), none once closed. */
  private nextFrame(): string | undefined {
    return this.closed ? undefined : this.queue.next();
  }

  /** A replay paced by the queue resumes once the queue has drained to its level. */
  private drained(): void {
    if (this.waiter && this.queue.events <= this.waiter.level) this.releaseWaiter();
  }

  private stopReplay(): void {
    this.replay?.cancel();
    this.replay = undefined;
    this.releaseWaiter();
  }

  private releaseWaiter(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopReplay();
    this.queue.clear();
    this.options.socket.off('message', this.onMessage);
    this.options.socket.off('close', this.onGone);
    this.options.onClose?.(this);
  }
}
