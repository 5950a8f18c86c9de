// The recent event feed: the last events of /api/ws/events, newest first, with a text filter.

import { h, setText } from './dom.js';
import { clockTime, eventSummary, eventTone } from './format.js';

/** Events kept in the feed. */
export const FEED_SIZE = 100;

/** The Recent events card: the last `FEED_SIZE` event frames, each shown once (by `global_position`). */
export class EventFeed {
  /**
   * @param {object} options
   * @param {HTMLElement} options.list
   * @param {HTMLElement} options.empty
   * @param {HTMLInputElement} options.filter
   */
  constructor(options) {
    this.options = options;
    /** Highest `global_position` shown (replays may overlap what is already here). */
    this.lastPosition = 0;
    options.filter.addEventListener('input', () => this.applyFilter());
  }

  /**
   * Adds one event frame at the top (dropping the oldest beyond `FEED_SIZE`).
   * @param {Record<string, any>} event
   */
  add(event) {
    const position = typeof event.global_position === 'number' ? event.global_position : undefined;
    if (position !== undefined) {
      if (position <= this.lastPosition) return;
      this.lastPosition = position;
    }
    const summary = eventSummary(event);
    const item = h(
      'li',
      { class: `feed-item tone-${eventTone(String(event.event_type))}` },
      h('time', { datetime: event.timestamp }, clockTime(event.timestamp)),
      h('span', { class: 'feed-type' }, event.event_type),
      event.mcp_server_id ? h('span', { class: 'feed-server' }, event.mcp_server_id) : null,
      summary ? h('span', { class: 'feed-summary' }, summary) : null,
    );
    item.dataset.search = `${event.event_type} ${event.mcp_server_id ?? ''} ${summary}`.toLowerCase();
    if (position !== undefined) item.dataset.position = String(position);
    item.hidden = !this.matches(item);
    const { list, empty } = this.options;
    list.prepend(item);
    while (list.childElementCount > FEED_SIZE) list.lastElementChild?.remove();
    empty.hidden = true;
  }

  /** @param {HTMLElement} item */
  matches(item) {
    const needle = this.options.filter.value.trim().toLowerCase();
    return needle === '' || (item.dataset.search ?? '').includes(needle);
  }

  applyFilter() {
    let shown = 0;
    for (const item of /** @type {HTMLCollectionOf<HTMLElement>} */ (this.options.list.children)) {
      item.hidden = !this.matches(item);
      if (!item.hidden) shown += 1;
    }
    const { empty, list } = this.options;
    empty.hidden = shown > 0;
    setText(empty, list.childElementCount === 0 ? 'Waiting for events…' : 'No event matches the filter.');
  }
}
