// A WebSocket that reconnects with exponential backoff when it drops.

/** First retry delay, and the cap the doubling stops at. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;

/**
 * @typedef {'connecting' | 'live' | 'retrying' | 'stopped'} LinkState
 * @typedef {object} LiveSocketOptions
 * @property {() => string} url the URL to (re)connect to; read at each attempt (the key may have changed)
 * @property {(socket: LiveSocket) => void} onOpen called on each (re)connection; send the subscription here
 * @property {(frame: any) => void} onFrame called with each parsed JSON frame
 * @property {(state: LinkState, detail: string) => void} onState connection state, for the header
 * @property {(neverOpened: boolean) => void} [onDrop] called when a connection closes or fails
 */

/**
 * One logical connection to a Hangar WebSocket. Delays double from 0.5 s to 15 s (±20 % jitter so
 * many tabs do not reconnect in step) and reset once a frame arrives: a socket that opens and is
 * closed at once (a refused key) keeps backing off.
 */
export class LiveSocket {
  /** @param {LiveSocketOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {WebSocket | undefined} */
    this.socket = undefined;
    this.failures = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.stopped = true;
  }

  /** Connects (once); later drops reconnect by themselves. */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Drops the current connection (if any) and connects again now, e.g. with a new key. */
  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.failures = 0;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'reconnecting');
    this.connect();
  }

  /**
   * Sends a JSON frame; false when not connected (the next `onOpen` resubscribes anyway).
   * @param {unknown} frame
   */
  send(frame) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  connect() {
    this.options.onState('connecting', '');
    let socket;
    try {
      socket = new WebSocket(this.options.url());
    } catch (error) {
      this.scheduleRetry(true, String(error));
      return;
    }
    this.socket = socket;
    let opened = false;
    let heard = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.options.onOpen(this);
    });
    socket.addEventListener('message', (message) => {
      if (!heard) {
        heard = true;
        this.failures = 0;
        this.options.onState('live', '');
      }
      let frame;
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      this.options.onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.options.onDrop?.(!opened);
      const why = event.code === 1008 ? 'refused' : opened ? 'connection lost' : 'cannot connect';
      this.scheduleRetry(!heard, why);
    });
  }

  /**
   * @param {boolean} failed whether the attempt never got a frame (counts towards the backoff)
   * @param {string} why
   */
  scheduleRetry(failed, why) {
    if (this.stopped) return;
    if (failed) this.failures += 1;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, this.failures - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.options.onState('retrying', `${why}; retrying in ${Math.max(1, Math.round(delay / 1000))} s`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Closes for good. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, 'page closed');
    this.socket = undefined;
    this.options.onState('stopped', '');
  }
}
