import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** Frames handed to `ws` whose write has not completed yet, at most. */
const MAX_IN_FLIGHT = 32;
/** Past this many bytes buffered in `ws` and the socket, only one more frame goes out at a time. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Where a pump takes its frames from: a connection's queue. */
export interface FrameSource {
  /** The next frame to send, or undefined when there is none (or the connection is closed). */
  next(): string | undefined;
  /** Called after each pump, when the frames the socket could take are out. */
  drained?(): void;
}

/**
 * Sends a WebSocket connection's queued frames while the socket keeps up, for both streams
 * (`/api/ws/events`, `/api/ws/operations`): at most `MAX_IN_FLIGHT` writes are outstanding, fewer
 * once `ws` buffers `MAX_BUFFERED_BYTES`, and each completed write pulls more. A client that stops
 * reading therefore costs at most its queue plus the in-flight frames.
 *
 * Pumping waits for the current task to end, so the frames one task queues leave together, with
 * the TCP socket corked: one write instead of one system call per frame. With many clients the
 * writes, not the framing, are the cost (bench/operationsFanout.mjs measured 3x the throughput).
 * `_socket` is the `net.Socket` that `ws` keeps in an undocumented field; without it frames still
 * go out, one write each.
 */
export class SocketPump {
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly source: FrameSource,
  ) {}

  /** Frames handed to the socket whose write has not completed. */
  get pending(): number {
    return this.inFlight;
  }

  /** Pumps once the current task is done (many calls in one task make one pump). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const raw = (this.socket as { _socket?: Duplex })._socket;
    raw?.cork();
    try {
      while (this.canSend()) {
        const frame = this.source.next();
        if (frame === undefined) break;
        this.transmit(frame);
      }
    } finally {
      raw?.uncork();
    }
    this.source.drained?.();
  }

  private canSend(): boolean {
    const { socket } = this;
    if (socket.readyState !== socket.OPEN) return false;
    return this.inFlight === 0 || (this.inFlight < MAX_IN_FLIGHT && socket.bufferedAmount < MAX_BUFFERED_BYTES);
  }

  private transmit(frame: string): void {
    this.inFlight++;
    this.socket.send(frame, (error) => {
      this.inFlight--;
      // A failed write means the socket is closing; its `close` event cleans up.
      if (!error) this.schedule();
    });
  }
}
