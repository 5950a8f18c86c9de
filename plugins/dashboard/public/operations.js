// Operations (seed 002): one card per tool call with its progress bar, log lines and result, fed by
// /api/ws/operations (subscribed to "*") and completed from /api/operations when needed.

import { h, setText } from './dom.js';
import { clockTime, duration, percent, resultText } from './format.js';
import { applyView, createOp, recordEvent, sawEnd, TERMINAL } from './operationModel.js';

/** @typedef {import('./operationModel.js').Op} Op */

/** Cards kept on the page; the oldest finished ones go first. */
const MAX_CARDS = 40;

/**
 * The Operations card: one card per operation, newest first, at most `MAX_CARDS`. Events come from
 * `/api/ws/operations`; `sync` fills in from `GET /api/operations` after each (re)subscription.
 */
export class OperationsPanel {
  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {HTMLElement} options.list
   * @param {HTMLElement} options.empty
   * @param {HTMLElement} options.summary
   * @param {(message: string, tone?: string) => void} options.notify
   */
  constructor(options) {
    this.options = options;
    /** @type {Map<string, Op>} */
    this.ops = new Map();
    /** @type {Set<string>} */
    this.resolving = new Set();
  }

  /**
   * An operation this page just started.
   * @param {{ operation_id: string, mcp_server: string, tool: string }} started
   */
  track(started) {
    const op = this.opOf(started.operation_id, { mcp_server: started.mcp_server, tool: started.tool }, true);
    this.render(op);
    op.ui.card.scrollIntoView?.({ block: 'nearest' });
  }

  /**
   * One event of `/api/ws/operations`.
   * @param {{ event_type: string, operation_id: string, timestamp: number, data: Record<string, any> }} event
   */
  applyEvent(event) {
    const known = this.ops.has(event.operation_id);
    const op = this.opOf(event.operation_id, undefined, true);
    if (!known) void this.resolve(op);
    recordEvent(op, event);
    this.render(op);
  }

  /**
   * Reconciles with `GET /api/operations` (after each (re)subscription): adds the latest ones, and
   * loads the history of any this page saw running that ended while it was not listening.
   */
  async sync() {
    const askedAt = Date.now();
    const { operations } = await this.options.api.get('/api/operations');
    // Hangar keeps operations in memory: one that restarted no longer knows the ones shown as running.
    const listed = new Set(operations.map((/** @type {{ operation_id: string }} */ view) => view.operation_id));
    for (const op of this.ops.values()) {
      if (op.status !== 'running' || listed.has(op.id) || op.createdAt > askedAt) continue;
      op.status = 'unknown';
      op.message = 'Hangar no longer knows this operation (it restarted).';
      this.render(op);
    }
    for (const view of operations.slice(0, MAX_CARDS).reverse()) {
      const known = this.ops.get(view.operation_id);
      // Running ones are replayed in full by the "*" subscription that preceded this list.
      const op = this.opOf(view.operation_id, view, view.status === 'running');
      this.takeView(op, view);
      if (known && TERMINAL.has(view.status) && !sawEnd(op)) void this.loadHistory(op);
      this.render(op);
    }
  }

  /**
   * The operation `id`, created (with a card) when new.
   * @param {string} id
   * @param {{ mcp_server?: string, tool?: string, started_at?: number } | undefined} view
   * @param {boolean} live whether its events will all arrive over the socket
   * @returns {Op}
   */
  opOf(id, view, live) {
    let op = this.ops.get(id);
    if (!op) {
      op = createOp(id, view, live);
      this.ops.set(id, op);
      this.createCard(op);
      this.prune();
    } else if (view) {
      op.server ||= view.mcp_server ?? '';
      op.tool ||= view.tool ?? '';
    }
    return op;
  }

  /** Fetches what an operation first seen through an event is (its tool and server). @param {Op} op */
  async resolve(op) {
    if (this.resolving.has(op.id) || op.tool) return;
    this.resolving.add(op.id);
    try {
      const { operation } = await this.options.api.get(`/api/operations/${encodeURIComponent(op.id)}`);
      this.takeView(op, operation);
      this.render(op);
    } catch {
      // Gone already (only the last ones are kept); its events still show.
    } finally {
      this.resolving.delete(op.id);
    }
  }

  /** Loads every kept event of an operation, adding those not seen yet. @param {Op} op */
  async loadHistory(op) {
    try {
      const { operation, events } = await this.options.api.get(`/api/operations/${encodeURIComponent(op.id)}`);
      this.takeView(op, operation);
      for (const event of events) recordEvent(op, event);
      op.complete = true;
      this.render(op);
    } catch (error) {
      this.options.notify(
        `Could not load operation ${op.id.slice(0, 8)}: ${error instanceof Error ? error.message : error}`,
        'bad',
      );
    }
  }

  /**
   * Takes an `OperationView` into the operation, moving its card when its start time changed.
   * @param {Op} op
   * @param {Record<string, any>} view
   */
  takeView(op, view) {
    if (applyView(op, view)) this.place(op);
  }

  /** @param {Op} op */
  createCard(op) {
    const title = h('span', { class: 'op-title' });
    const status = h('span', { class: 'badge' });
    const time = h('span', { class: 'op-time' });
    const cancel = h('button', { type: 'button', class: 'btn btn-small' }, 'Cancel');
    cancel.addEventListener('click', () => void this.cancel(op));
    const pctId = `op-${op.id}-pct`;
    const progress = h('progress', { max: 100, 'aria-describedby': pctId });
    const pct = h('span', { class: 'op-pct', id: pctId });
    const message = h('p', { class: 'op-message' });
    const log = h('ol', { class: 'op-log' });
    const logSummary = h('summary', {}, 'Log');
    const logBox = h('details', { class: 'op-log-box', open: true }, logSummary, log);
    const more = h('button', { type: 'button', class: 'btn btn-small btn-quiet' }, 'Show log and result');
    more.addEventListener('click', () => {
      op.folded = true;
      /** @type {HTMLDetailsElement} */ (logBox).open = true;
      void this.loadHistory(op);
    });
    const result = h('div', { class: 'op-result', hidden: true });
    const card = h(
      'li',
      { class: 'op', 'data-operation': op.id },
      h('div', { class: 'op-head' }, title, status, time, cancel),
      h('div', { class: 'op-progress' }, progress, pct),
      message,
      more,
      logBox,
      result,
    );
    op.ui = { card, title, status, time, cancel, progress, pct, message, log, logBox, logSummary, more, result };
    this.place(op);
    this.options.empty.hidden = true;
  }

  /** Puts an operation's card in place: newest first. @param {Op} op */
  place(op) {
    const { list } = this.options;
    for (const card of list.children) {
      const other = this.ops.get(/** @type {HTMLElement} */ (card).dataset.operation ?? '');
      if (other && other !== op && other.startedAt < op.startedAt) {
        if (card !== op.ui.card.nextElementSibling) list.insertBefore(op.ui.card, card);
        return;
      }
    }
    if (op.ui.card !== list.lastElementChild) list.append(op.ui.card);
  }

  /** @param {Op} op */
  render(op) {
    const { ui } = op;
    setText(ui.title, op.tool ? `${op.tool} on ${op.server}` : `operation ${op.id.slice(0, 8)}`);
    setText(ui.status, op.status);
    ui.status.className = `badge status-${op.status}`;
    ui.card.dataset.status = op.status;
    const elapsed = op.duration === null ? '' : ` · ${duration(op.duration)}`;
    setText(ui.time, `${clockTime(op.startedAt)}${elapsed}`);
    ui.cancel.hidden = op.status !== 'running';
    const value = op.status === 'completed' ? 100 : percent(op.progress);
    const progress = /** @type {HTMLProgressElement} */ (ui.progress);
    // No progress reported yet: an indeterminate bar rather than a stuck 0 %.
    if (op.status === 'running' && !op.hasProgress) progress.removeAttribute('value');
    else progress.value = value;
    const shown = op.status === 'running' && !op.hasProgress ? 'working…' : `${value} %`;
    progress.setAttribute('aria-label', `Progress of ${op.tool || 'operation'}`);
    progress.setAttribute('aria-valuetext', op.message ? `${shown}, ${op.message}` : shown);
    setText(ui.pct, shown);
    setText(ui.message, op.error ? `${op.error.error_type}: ${op.error.error}` : op.message);
    ui.message.classList.toggle('is-error', Boolean(op.error) && op.status === 'error');
    ui.more.hidden = op.complete;
    this.renderLog(op);
    this.renderResult(op);
    const running = [...this.ops.values()].filter((o) => o.status === 'running').length;
    setText(this.options.summary, running === 0 ? '' : `${running} running`);
  }

  /** @param {Op} op */
  renderLog(op) {
    const { log, logBox, logSummary } = op.ui;
    logBox.hidden = op.lines.length === 0;
    setText(logSummary, `Log (${op.lines.length} ${op.lines.length === 1 ? 'line' : 'lines'})`);
    // A finished operation keeps its result in view and folds its log away, once.
    if (op.status !== 'running' && !op.folded) {
      op.folded = true;
      /** @type {HTMLDetailsElement} */ (logBox).open = false;
    }
    // Usually lines only arrive at the end: append those, and drop what the cap trimmed.
    const fresh = op.reordered ? op.lines : op.lines.filter((line) => line.seq > op.renderedSeq);
    if (fresh.length === 0) return;
    const items = fresh.map((line) =>
      h('li', { class: `log-${line.level.replace(/[^a-z]/gi, '')}` }, h('time', {}, clockTime(line.time)), ' ', line.text),
    );
    if (op.reordered) log.replaceChildren(...items);
    else log.append(...items);
    while (log.childElementCount > op.lines.length) log.firstElementChild?.remove();
    op.reordered = false;
    op.renderedSeq = op.lineSeq;
    log.scrollTop = log.scrollHeight;
  }

  /** @param {Op} op */
  renderResult(op) {
    const { result } = op.ui;
    if (op.result === undefined) {
      result.hidden = true;
      return;
    }
    const failed = Boolean(op.result && op.result.isError);
    const text = resultText(op.result);
    if (result.hidden || result.dataset.text !== text) {
      result.replaceChildren(h('span', { class: 'op-result-label' }, failed ? 'Tool error' : 'Result'), h('pre', {}, text));
      result.dataset.text = text;
    }
    result.classList.toggle('is-error', failed);
    result.hidden = false;
  }

  /** @param {Op} op */
  async cancel(op) {
    try {
      await this.options.api.post(`/api/operations/${encodeURIComponent(op.id)}/cancel`, {
        reason: 'cancelled from the dashboard',
      });
    } catch (error) {
      // 409: it ended meanwhile; its final events tell the rest.
      if (!(error instanceof Error && 'status' in error && error.status === 409)) {
        this.options.notify(`Could not cancel: ${error instanceof Error ? error.message : error}`, 'bad');
      }
    }
  }

  /** Drops the oldest finished cards beyond `MAX_CARDS`. */
  prune() {
    if (this.ops.size <= MAX_CARDS) return;
    const finished = [...this.ops.values()].filter((op) => op.status !== 'running').sort((a, b) => a.startedAt - b.startedAt);
    for (const op of finished.slice(0, this.ops.size - MAX_CARDS)) {
      op.ui.card?.remove();
      this.ops.delete(op.id);
    }
  }
}
