import type { PublishedEvent } from '../../events/DomainEvent.js';
import type { EventBus, Truncation } from '../../events/EventBus.js';
import type { HistoricEvent } from '../../events/EventSerializer.js';
import { eventFrame } from '../../events/eventFrames.js';
import { matchesSubscription, type EventSubscription } from './eventSubscription.js';

/** Stored events read per `readAll` call. */
const PAGE_SIZE = 500;

/** Where a replay puts its frames: one connection's outbound queue. */
export interface ReplayTarget {
  /** The most event frames the queue holds. */
  readonly capacity: number;
  /** Event frames queued now. */
  readonly queued: number;
  /** Resolves once at most `level` event frames are queued, or when the wait is interrupted. */
  waitForQueuedAtMost(level: number): Promise<void>;
  /** Queues one event frame. */
  enqueueEvent(frame: string): void;
}

/** What a replay reads and where it writes. */
export interface EventReplayOptions {
  readonly bus: Pick<EventBus, 'readAll' | 'truncation'>;
  /** The subscription, with `fromPosition` set. */
  readonly subscription: EventSubscription;
  readonly target: ReplayTarget;
  /** Called synchronously at the moment the client is caught up: live events go straight to it from then on. */
  readonly onLive: () => void;
  /** Called before any replayed event when retention deleted events at or after `fromPosition`. */
  readonly onTruncated: (truncation: Truncation) => void;
  /** Called when reading the store failed; the client goes live (without the gap guarantee) right after. */
  readonly onError: (error: unknown) => void;
}

/**
 * A `from_position` replay for one connection: stored events first, then live ones, with no gap
 * and no duplicate. Replayed frames are never dropped: the replay waits for room in the queue.
 *
 * Live events that arrive meanwhile are buffered (up to the queue's capacity). Once the store is
 * exhausted (a short page), the buffered events past the last replayed position are queued, and
 * the client goes live at a moment when the buffer is empty and the queue at most half full, so a
 * client that keeps up does not lose live events to a queue the replay left full. When the buffer
 * overflows it is discarded and the store, which holds those events, is read again until a short
 * page; any live event is stored before it is delivered, so one that is not in a page read after
 * buffering (re)started is in the buffer.
 */
export class EventReplay {
  private cancelled = false;
  private buffering = true;
  private buffer: PublishedEvent[] = [];
  private bufferHead = 0;
  /** The last stored position read (matching or not) or replayed from the buffer. */
  private last: number;

  constructor(private readonly options: EventReplayOptions) {
    this.last = (options.subscription.fromPosition ?? 1) - 1;
  }

  /** Takes a live event that matches the subscription and arrived while the replay runs. */
  offer(event: PublishedEvent): void {
    if (!this.buffering) return;
    if (this.buffer.length - this.bufferHead >= this.options.target.capacity) {
      this.resetBuffer();
      this.buffering = false;
      return;
    }
    this.buffer.push(event);
  }

  /** Stops the replay (a new subscribe, or the connection closed); nothing more is queued. */
  cancel(): void {
    this.cancelled = true;
    this.buffering = false;
    this.resetBuffer();
  }

  /** Runs the replay to the switch to live; never rejects. */
  async run(): Promise<void> {
    try {
      await this.replay();
    } catch (error) {
      if (this.cancelled) return;
      this.options.onError(error);
      this.goLive(true);
    }
  }

  private async replay(): Promise<void> {
    const { target } = this.options;
    const switchLevel = Math.floor(target.capacity / 2);
    const truncation = await this.options.bus.truncation(this.last + 1);
    if (truncation && !this.cancelled) this.options.onTruncated(truncation);
    for (;;) {
      await this.replayStore();
      if (this.cancelled) return;
      if (!this.buffering) {
        // The buffer overflowed: what it lost is stored. Buffer again and read the store again.
        this.buffering = true;
        continue;
      }
      while (this.buffering && !this.cancelled) {
        const event = this.buffer[this.bufferHead];
        if (event === undefined) {
          this.resetBuffer();
          // Buffer empty: go live now if the queue has room to absorb a burst, else wait for it.
          if (target.queued <= switchLevel) return this.goLive(false);
          await target.waitForQueuedAtMost(switchLevel);
          continue;
        }
        if (event.global_position !== undefined && event.global_position <= this.last) {
          this.skipBuffered();
          continue;
        }
        if (target.queued >= target.capacity) {
          await target.waitForQueuedAtMost(target.capacity - 1);
          // The wait may have let the buffer overflow (it was discarded): back to the store.
          continue;
        }
        this.skipBuffered();
        target.enqueueEvent(frameOf(event));
        if (event.global_position !== undefined) this.last = event.global_position;
      }
      if (this.cancelled) return;
    }
  }

  /** Queues the stored matching events after `last`, page by page, until a short page. */
  private async replayStore(): Promise<void> {
    const { bus, subscription, target } = this.options;
    const filter = subscription.eventTypes === null ? undefined : { eventTypes: [...subscription.eventTypes] };
    let page: HistoricEvent[];
    do {
      page = await bus.readAll(this.last + 1, PAGE_SIZE, filter);
      for (const event of page) {
        if (this.cancelled) return;
        if (matchesSubscription(subscription, event)) {
          if (target.queued >= target.capacity) await target.waitForQueuedAtMost(target.capacity - 1);
          if (this.cancelled) return;
          target.enqueueEvent(frameOf(event));
        }
        this.last = event.global_position;
      }
    } while (page.length === PAGE_SIZE && !this.cancelled);
  }

  /** Hands the client over to live delivery; after a failure, the buffered events go out first. */
  private goLive(flush: boolean): void {
    if (flush) {
      for (const event of this.buffer.slice(this.bufferHead)) {
        if (event.global_position === undefined || event.global_position > this.last)
          this.options.target.enqueueEvent(frameOf(event));
      }
    }
    this.buffering = false;
    this.resetBuffer();
    this.options.onLive();
  }

  private skipBuffered(): void {
    this.bufferHead++;
    // Cut the consumed prefix off now and then, so a long catch-up does not keep it alive.
    if (this.bufferHead >= 1024 && this.bufferHead * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.bufferHead);
      this.bufferHead = 0;
    }
  }

  private resetBuffer(): void {
    this.buffer = [];
    this.bufferHead = 0;
  }
}

function frameOf(event: PublishedEvent): string {
  return JSON.stringify(eventFrame(event));
}
