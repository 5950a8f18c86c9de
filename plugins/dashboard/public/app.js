// The dashboard's entry: wires the API client, the two live sockets and the page's panels.

import { ApiClient } from './api.js';
import { byId, setText } from './dom.js';
import { EventFeed, FEED_SIZE } from './events.js';
import { OperationsPanel } from './operations.js';
import { ServerTable } from './servers.js';
import { LiveSocket } from './socket.js';
import { ToolPicker } from './toolPicker.js';

/** How long a notice stays, in ms. */
const NOTICE_MS = 6000;

const notice = byId('notice');
let noticeTimer;

/**
 * Shows a short message in the polite live region under the header.
 * @param {string} message
 * @param {string} [tone] `good`, `bad` or `info`
 */
function notify(message, tone = 'info') {
  setText(notice, message);
  notice.dataset.tone = tone;
  notice.classList.add('is-shown');
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => notice.classList.remove('is-shown'), NOTICE_MS);
}

/** The key prompt: a modal dialog that resolves with the key typed in. */
const keyPrompt = {
  /** @param {string} reason */
  requestKey(reason) {
    const dialog = /** @type {HTMLDialogElement} */ (byId('auth-dialog'));
    const form = /** @type {HTMLFormElement} */ (byId('auth-form'));
    const input = /** @type {HTMLInputElement} */ (byId('auth-key'));
    const error = byId('auth-error');
    setText(error, reason);
    error.hidden = reason === '';
    input.value = '';
    if (!dialog.open) dialog.showModal();
    input.focus();
    return new Promise((resolve) => {
      const submit = (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (key === '') {
          setText(error, 'Enter an API key.');
          error.hidden = false;
          input.focus();
          return;
        }
        form.removeEventListener('submit', submit);
        dialog.close();
        resolve(key);
      };
      form.addEventListener('submit', submit);
    });
  },
};

// The page cannot work without a key when one is needed: Escape does not dismiss the prompt.
byId('auth-dialog').addEventListener('cancel', (event) => event.preventDefault());

const api = new ApiClient(keyPrompt);
const forgetKey = /** @type {HTMLButtonElement} */ (byId('forget-key'));
forgetKey.hidden = !api.key;
forgetKey.addEventListener('click', () => {
  api.setKey(null);
  window.location.reload();
});

const operations = new OperationsPanel({
  api,
  list: byId('operations-list'),
  empty: byId('operations-empty'),
  summary: byId('operations-summary'),
  notify,
});

const picker = new ToolPicker({
  api,
  form: /** @type {HTMLFormElement} */ (byId('tool-form')),
  serverSelect: /** @type {HTMLSelectElement} */ (byId('pick-server')),
  toolSelect: /** @type {HTMLSelectElement} */ (byId('pick-tool')),
  description: byId('tool-description'),
  args: byId('tool-args'),
  runButton: /** @type {HTMLButtonElement} */ (byId('run-tool')),
  status: byId('tool-status'),
  onStarted: (started) => operations.track(started),
});

const servers = new ServerTable({
  api,
  body: byId('servers-body'),
  summary: byId('servers-summary'),
  notify,
  onChange: (list) => picker.setServers(list),
});

const feed = new EventFeed({
  list: byId('events-list'),
  empty: byId('events-empty'),
  filter: /** @type {HTMLInputElement} */ (byId('events-filter')),
});

/**
 * Shows a socket's state in the header.
 * @param {string} id
 * @param {string} name
 * @returns {(state: string, detail: string) => void}
 */
function linkIndicator(id, name) {
  const element = byId(id);
  return (state, detail) => {
    element.dataset.state = state;
    const label = state === 'live' ? 'live' : state === 'retrying' ? detail : state;
    setText(element, `${name}: ${label}`);
  };
}

/** Newest stored event position when the page loaded; later events also update the table. */
let headPosition = 0;

/** A socket that fails before it opens may be refused for its key: one REST call finds out (and asks). */
let probing = false;
function probeAuth() {
  if (probing) return;
  probing = true;
  api
    .get('/api/dashboard/position')
    .catch(() => undefined)
    .finally(() => (probing = false));
}

/** Whether the events socket's current connection has been answered `subscribed`. */
let eventsSubscribed = false;
let eventsConnections = 0;

/**
 * Subscribes from the last event seen, so a reconnect loses nothing; the first time, from the
 * latest FEED_SIZE. A Hangar that came back with a new history numbers events from 1 again: then
 * the page starts over from that history's latest events.
 * @param {LiveSocket} socket
 * @param {boolean} reconnect
 */
async function subscribeEvents(socket, reconnect) {
  if (reconnect) {
    const head = await api
      .get('/api/dashboard/position')
      .then((answer) => answer.last_position)
      .catch(() => undefined);
    if (typeof head === 'number' && head < feed.lastPosition) {
      feed.lastPosition = 0;
      headPosition = head;
    }
  }
  const from = feed.lastPosition > 0 ? feed.lastPosition + 1 : Math.max(1, headPosition - FEED_SIZE + 1);
  socket.send({ type: 'subscribe', from_position: from });
}

const eventsSocket = new LiveSocket({
  url: () => api.webSocketUrl('/api/ws/events'),
  onOpen: (socket) => {
    eventsSubscribed = false;
    void subscribeEvents(socket, eventsConnections++ > 0);
  },
  onFrame: (frame) => {
    if (typeof frame.event_type === 'string' && 'event_id' in frame) {
      // Until the subscription is in force the socket streams live events; the replay that follows
      // the answer sends them again in order, after the ones missed.
      if (!eventsSubscribed) return;
      feed.add(frame);
      if (!(frame.global_position <= headPosition)) {
        servers.applyEvent(frame);
        picker.applyEvent(frame);
      }
    } else if (frame.type === 'subscribed') {
      eventsSubscribed = true;
      // Anything may have changed while the socket was down.
      servers.scheduleRefresh();
      if (eventsConnections > 1) picker.scheduleReload();
    } else if (frame.type === 'warning') {
      notify(`${frame.dropped} events were skipped: this page fell behind.`, 'bad');
      servers.scheduleRefresh();
    }
  },
  onState: linkIndicator('events-link', 'Events'),
  onDrop: (neverOpened) => neverOpened && probeAuth(),
});

const operationsSocket = new LiveSocket({
  url: () => api.webSocketUrl('/api/ws/operations'),
  onOpen: (socket) => socket.send({ command: 'subscribe', operation_id: '*' }),
  onFrame: (frame) => {
    if (frame.status === 'subscribed' && frame.operation_id === '*') {
      operations.sync().catch((error) => notify(`Could not list operations: ${error.message}`, 'bad'));
    } else if (typeof frame.event_type === 'string' && frame.operation_id !== 'system' && frame.data) {
      operations.applyEvent(frame);
    }
  },
  onState: linkIndicator('operations-link', 'Operations'),
  onDrop: (neverOpened) => neverOpened && probeAuth(),
});

// A new key reconnects both sockets with it.
api.onKeyChange((key) => {
  forgetKey.hidden = !key;
  eventsSocket.reconnectNow();
  operationsSocket.reconnectNow();
});

/** @param {number} attempt */
async function boot(attempt) {
  try {
    // The first call finds out whether a key is needed (and asks for it before anything else).
    const { last_position: last } = await api.get('/api/dashboard/position');
    headPosition = typeof last === 'number' ? last : 0;
    await servers.refresh();
  } catch (error) {
    // Unreachable or still starting (503): try again, less and less often.
    const delay = Math.min(15_000, 1000 * 2 ** attempt);
    notify(`Hangar did not answer (${error instanceof Error ? error.message : error}); retrying in ${delay / 1000} s.`, 'bad');
    setTimeout(() => void boot(attempt + 1), delay);
    return;
  }
  eventsSocket.start();
  operationsSocket.start();
}

void boot(0);
