// What the page knows of one operation, built from its view (`/api/operations`) and its events
// (`/api/ws/operations`). Pure (no DOM), so it is unit-tested; operations.js renders it.

import { duration, percent } from './format.js';

/** Statuses an operation ends in. */
export const TERMINAL = new Set(['completed', 'error', 'cancelled']);
/** Log lines kept per operation. */
const MAX_LINES = 300;

/**
 * @typedef {object} Op
 * @property {string} id
 * @property {string} server
 * @property {string} tool
 * @property {string} status
 * @property {number} progress 0..1, never decreasing
 * @property {boolean} hasProgress whether any progress was reported
 * @property {string} message the latest progress or status message
 * @property {number} startedAt seconds since the epoch
 * @property {number} createdAt when this page learnt of it (ms, the page's clock)
 * @property {number | null} duration seconds
 * @property {{ error: string, error_type: string } | null} error
 * @property {any} result the CallToolResult, once known
 * @property {{ seq: number, time: number, level: string, text: string }[]} lines in time order
 * @property {number} lineSeq lines ever added
 * @property {number} renderedSeq the newest line on the page
 * @property {boolean} reordered a line arrived out of order (or some were trimmed): redraw the log
 * @property {Set<string>} seen keys of the events applied (replays repeat them)
 * @property {boolean} complete whether every event of it has been seen (else "Show log" loads them)
 * @property {boolean} folded whether its log was folded away once it ended (done once, so a reader can reopen it)
 * @property {Record<string, HTMLElement>} ui its card's elements (filled by the panel)
 */

/**
 * A new operation, from what is known so far.
 * @param {string} id
 * @param {{ mcp_server?: string, tool?: string, started_at?: number } | undefined} view
 * @param {boolean} live whether all its events will arrive over the socket
 * @returns {Op}
 */
export function createOp(id, view, live) {
  return {
    id,
    server: view?.mcp_server ?? '',
    tool: view?.tool ?? '',
    status: 'running',
    progress: 0,
    hasProgress: false,
    message: '',
    startedAt: view?.started_at ?? Date.now() / 1000,
    createdAt: Date.now(),
    duration: null,
    error: null,
    result: undefined,
    lines: [],
    lineSeq: 0,
    renderedSeq: 0,
    reordered: false,
    seen: new Set(),
    complete: live,
    folded: false,
    ui: {},
  };
}

/**
 * Takes what an `OperationView` adds: tool and server, start time, progress (never lowered), and
 * the end when it has ended. Returns whether the start time changed (the card moves).
 * @param {Op} op
 * @param {Record<string, any>} view
 */
export function applyView(op, view) {
  op.server ||= view.mcp_server ?? '';
  op.tool ||= view.tool ?? '';
  const moved = typeof view.started_at === 'number' && view.started_at !== op.startedAt;
  if (moved) op.startedAt = view.started_at;
  op.progress = Math.max(op.progress, Number(view.progress) || 0);
  if (op.progress > 0) op.hasProgress = true;
  if (TERMINAL.has(view.status)) {
    op.status = view.status;
    op.duration = view.duration ?? op.duration;
    op.error = view.error ?? op.error;
  }
  return moved;
}

/**
 * Applies one event, once: a replay after reconnecting, or the history loaded over REST, repeats
 * events already seen, and their key spots them. Returns whether it was new.
 * @param {Op} op
 * @param {{ event_type: string, operation_id?: string, timestamp: number, data: Record<string, any> }} event
 */
export function recordEvent(op, event) {
  const data = event.data ?? {};
  // A result can be large; its type and time identify it.
  const key = `${event.event_type}:${event.timestamp}:${event.event_type === 'result' ? '' : JSON.stringify(data)}`;
  if (op.seen.has(key)) return false;
  op.seen.add(key);
  const line = (/** @type {string} */ level, /** @type {string} */ text) => {
    const last = op.lines.at(-1);
    if (last && last.time > event.timestamp) op.reordered = true;
    op.lines.push({ seq: ++op.lineSeq, time: event.timestamp, level, text });
  };
  switch (event.event_type) {
    case 'status':
      if (data.status === 'cancelled') op.status = 'cancelled';
      if (data.message) {
        op.message = String(data.message);
        line('status', op.message);
      }
      break;
    case 'progress': {
      const fraction = Number(data.progress) || 0;
      op.progress = Math.max(op.progress, fraction);
      op.hasProgress = true;
      if (data.message) op.message = String(data.message);
      line('progress', `${percent(fraction)} %${data.message ? ` ${data.message}` : ''}`);
      break;
    }
    case 'log':
      line(String(data.level ?? 'info'), `${data.logger ? `${data.logger}: ` : ''}${data.message ?? ''}`);
      break;
    case 'result':
      op.result = data.result;
      break;
    case 'completed':
      op.seen.add('terminal');
      op.status = 'completed';
      op.duration = data.duration ?? op.duration;
      line('done', `completed in ${duration(data.duration)}`);
      break;
    case 'error':
      op.seen.add('terminal');
      op.status = op.status === 'cancelled' || data.error_type === 'CallCancelledError' ? 'cancelled' : 'error';
      op.error = { error: String(data.error ?? ''), error_type: String(data.error_type ?? 'Error') };
      op.duration = data.duration ?? op.duration;
      line('error', `${op.error.error_type}: ${op.error.error}`);
      break;
    default:
      break;
  }
  if (op.reordered) op.lines.sort((a, b) => a.time - b.time || a.seq - b.seq);
  if (op.lines.length > MAX_LINES) op.lines.splice(0, op.lines.length - MAX_LINES);
  return true;
}

/**
 * Whether the operation has been seen to end (by its own terminal event).
 * @param {Op} op
 */
export function sawEnd(op) {
  return op.seen.has('terminal');
}
