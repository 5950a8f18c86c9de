/** One frame waiting to go out: an event (may be dropped) or a control frame (never dropped). */
interface Outbound {
  readonly frame: string;
  readonly control: boolean;
}

/**
 * The frames one WebSocket connection has not sent yet, oldest first. Event frames are bounded by
 * `capacity`: pushing one more drops the oldest queued event frame. Control frames (`subscribed`,
 * `error`) keep their place among the events and are never dropped; the connection bounds them.
 */
export class OutboundQueue {
  // An array with a moving head: shifting is O(1); the dead prefix is cut off now and then.
  private items: (Outbound | undefined)[] = [];
  private head = 0;
  private eventCount = 0;
  private controlCount = 0;
  /** Event frames dropped since the last warning went out. */
  private unreported = 0;

  /**
   * @param capacity event frames kept at most
   * @param warning the frame that tells the client how many event frames it lost (`next` sends it)
   */
  constructor(
    readonly capacity: number,
    private readonly warning: (dropped: number) => string,
  ) {}

  /** Queued event frames. */
  get events(): number {
    return this.eventCount;
  }

  /** Queued control frames. */
  get controls(): number {
    return this.controlCount;
  }

  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  /** Queues an event frame; returns whether an older event frame had to be dropped for it. */
  pushEvent(frame: string): boolean {
    const dropped = this.eventCount >= this.capacity && this.dropOldestEvent();
    if (dropped) this.unreported++;
    this.items.push({ frame, control: false });
    this.eventCount++;
    return dropped;
  }

  /** Queues a control frame behind everything already queued. */
  pushControl(frame: string): void {
    this.items.push({ frame, control: true });
    this.controlCount++;
  }

  /**
   * The frame to send next: after drops, the warning with their count goes ahead of the oldest
   * queued frame; otherwise the oldest frame, removed from the queue.
   */
  next(): string | undefined {
    if (this.isEmpty) return undefined;
    if (this.unreported > 0) {
      const dropped = this.unreported;
      this.unreported = 0;
      return this.warning(dropped);
    }
    return this.shift();
  }

  /** The oldest frame, removed from the queue. */
  shift(): string | undefined {
    if (this.isEmpty) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (item.control) this.controlCount--;
    else this.eventCount--;
    this.compact();
    return item.frame;
  }

  /** Empties the queue (the connection is gone). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.eventCount = 0;
    this.controlCount = 0;
    this.unreported = 0;
  }

  private dropOldestEvent(): boolean {
    // Control frames are few and bounded, so this scan is short.
    for (let index = this.head; index < this.items.length; index++) {
      if (this.items[index]!.control) continue;
      if (index === this.head) this.items[this.head++] = undefined;
      else this.items.splice(index, 1);
      this.eventCount--;
      this.compact();
      return true;
    }
    return false;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
