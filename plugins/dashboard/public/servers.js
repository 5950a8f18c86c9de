// The table of MCP servers: state and health, kept current from /api/ws/events, and start/stop.

import { serverPath } from './api.js';
import { h, setText } from './dom.js';

/** Events after which a server's row is re-read (debounced) besides what the event itself says. */
const REFRESHING_EVENTS = new Set([
  'McpServerStateChanged',
  'McpServerStarted',
  'McpServerStopped',
  'McpServerDegraded',
  'HealthCheckPassed',
  'HealthCheckFailed',
  'McpServerRegistered',
  'McpServerUpdated',
  'McpServerDeregistered',
  'ConfigurationReloaded',
]);

/** States in which start / stop make no sense. */
const CANNOT_START = new Set(['ready', 'initializing']);
const CANNOT_STOP = new Set(['cold']);

/**
 * @typedef {object} ServerSummary an item of `GET /api/mcp_servers`
 * @property {string} mcp_server
 * @property {string} state
 * @property {string} mode
 * @property {boolean} alive
 * @property {number} tools_count
 * @property {string} health_status
 * @property {string | null} description
 *
 * @typedef {object} Row
 * @property {HTMLTableRowElement} element
 * @property {HTMLElement} description
 * @property {HTMLElement} mode
 * @property {HTMLElement} state
 * @property {HTMLElement} health
 * @property {HTMLElement} tools
 * @property {HTMLButtonElement} start
 * @property {HTMLButtonElement} stop
 * @property {ServerSummary} server
 * @property {string | undefined} pending 'start' | 'stop' while a request runs
 */

/**
 * Rows are keyed by server id and updated in place, so a button keeps focus while its row changes.
 * The list comes from `GET /api/mcp_servers`; events change a row at once and schedule one re-read.
 */
export class ServerTable {
  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {HTMLElement} options.body the table's tbody
   * @param {HTMLElement} options.summary the card's "n of m ready" line
   * @param {(message: string, tone?: string) => void} options.notify
   * @param {(servers: ServerSummary[]) => void} options.onChange called with the servers after each change
   */
  constructor({ api, body, summary, notify, onChange }) {
    this.api = api;
    this.body = body;
    this.summary = summary;
    this.notify = notify;
    this.onChange = onChange;
    /** @type {Map<string, Row>} */
    this.rows = new Map();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.refreshTimer = undefined;
    this.loaded = false;
  }

  /** Re-reads the list; rows of servers no longer listed go away. */
  async refresh() {
    const { mcp_servers: servers } = await this.api.get('/api/mcp_servers');
    const seen = new Set();
    for (const server of servers) {
      seen.add(server.mcp_server);
      this.upsert(server);
    }
    for (const [id, row] of this.rows) {
      if (seen.has(id)) continue;
      row.element.remove();
      this.rows.delete(id);
    }
    this.loaded = true;
    this.changed();
  }

  /**
   * Applies one live event: the state at once, the rest with a re-read shortly after.
   * @param {Record<string, any>} event
   */
  applyEvent(event) {
    if (!REFRESHING_EVENTS.has(event.event_type)) return;
    const row = event.mcp_server_id === undefined ? undefined : this.rows.get(event.mcp_server_id);
    if (row && event.event_type === 'McpServerStateChanged' && typeof event.new_state === 'string') {
      this.upsert({ ...row.server, state: event.new_state, health_status: healthOf(event.new_state) });
      this.changed();
    }
    this.scheduleRefresh();
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refresh().catch((error) => this.notify(`Could not refresh servers: ${error.message}`, 'bad'));
    }, 150);
  }

  /** @returns {ServerSummary[]} */
  servers() {
    return [...this.rows.values()].map((row) => row.server);
  }

  /** @param {ServerSummary} server */
  upsert(server) {
    let row = this.rows.get(server.mcp_server);
    if (!row) {
      row = this.createRow(server);
      this.rows.set(server.mcp_server, row);
      this.insertSorted(row);
    }
    row.server = server;
    setText(row.description, server.description ?? '');
    row.description.hidden = !server.description;
    setText(row.mode, server.mode);
    setText(row.state, server.state);
    row.state.className = `badge state-${cssToken(server.state)}`;
    setText(row.health, server.health_status);
    row.health.className = `badge health-${cssToken(server.health_status)}`;
    setText(row.tools, server.tools_count);
    row.element.dataset.state = server.state;
    this.updateButtons(row);
  }

  /** @param {ServerSummary} server @returns {Row} */
  createRow(server) {
    const id = server.mcp_server;
    const description = h('span', { class: 'server-description' });
    const mode = h('span', { class: 'mode' });
    const state = h('span', { class: 'badge' });
    const health = h('span', { class: 'badge' });
    const tools = h('span');
    const start = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Start ${id}` }, 'Start')
    );
    const stop = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Stop ${id}` }, 'Stop')
    );
    const element = /** @type {HTMLTableRowElement} */ (
      h(
        'tr',
        { 'data-server': id },
        h('th', { scope: 'row' }, h('span', { class: 'server-name' }, id), description),
        h('td', {}, mode),
        h('td', {}, state),
        h('td', {}, health),
        h('td', { class: 'num' }, tools),
        h('td', { class: 'actions' }, start, stop),
      )
    );
    /** @type {Row} */
    const row = { element, description, mode, state, health, tools, start, stop, server, pending: undefined };
    start.addEventListener('click', () => void this.act(row, 'start'));
    stop.addEventListener('click', () => void this.act(row, 'stop'));
    return row;
  }

  /** @param {Row} row */
  insertSorted(row) {
    this.body.querySelector('tr.placeholder')?.remove();
    const id = row.server.mcp_server;
    const after = [...this.body.children].find((tr) => /** @type {HTMLElement} */ (tr.dataset.server ?? '') > id);
    this.body.insertBefore(row.element, after ?? null);
  }

  /** @param {Row} row */
  updateButtons(row) {
    const { state } = row.server;
    row.start.disabled = row.pending !== undefined || CANNOT_START.has(state);
    row.stop.disabled = row.pending !== undefined || CANNOT_STOP.has(state);
    setText(row.start, row.pending === 'start' ? 'Starting…' : 'Start');
    setText(row.stop, row.pending === 'stop' ? 'Stopping…' : 'Stop');
  }

  /**
   * Starts or stops a server; the row follows from the events the change publishes.
   * @param {Row} row
   * @param {'start' | 'stop'} action
   */
  async act(row, action) {
    const id = row.server.mcp_server;
    row.pending = action;
    this.updateButtons(row);
    try {
      await this.api.post(serverPath(id, action));
      this.notify(`${id} ${action === 'start' ? 'started' : 'stopped'}`, 'good');
    } catch (error) {
      this.notify(`Could not ${action} ${id}: ${error instanceof Error ? error.message : error}`, 'bad');
    } finally {
      row.pending = undefined;
      this.updateButtons(row);
      this.scheduleRefresh();
    }
  }

  changed() {
    if (this.rows.size === 0 && this.loaded) {
      this.body.replaceChildren(h('tr', { class: 'placeholder' }, h('td', { colspan: 6 }, 'No MCP servers are configured.')));
    }
    const servers = this.servers();
    const ready = servers.filter((server) => server.state === 'ready').length;
    setText(this.summary, servers.length === 0 ? '' : `${ready} of ${servers.length} ready`);
    this.onChange(servers);
  }
}

/**
 * The health a server has right after entering `state` (as Hangar computes it: a server that just
 * became ready has no failed check yet); the re-read that follows has the real value.
 * @param {string} state
 */
function healthOf(state) {
  if (state === 'ready') return 'healthy';
  if (state === 'degraded') return 'degraded';
  if (state === 'dead') return 'unhealthy';
  return 'unknown';
}

/**
 * A value safe inside a class name.
 * @param {string} value
 */
function cssToken(value) {
  return String(value).replace(/[^a-z0-9_-]/gi, '');
}
