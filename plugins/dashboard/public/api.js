// Talks to Hangar's REST API with the API key (when there is one), and asks for a key when the
// API answers 401.

const KEY_STORAGE = 'hangar.apiKey';

/** An error answer of the API: `{"error", "message", "status_code"}` (or a network failure, status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} error
   * @param {string} message
   */
  constructor(status, error, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.error = error;
  }
}

/**
 * Something that can ask the user for a key. `requestKey(reason)` resolves with the key the user
 * entered (it may wait as long as the user needs).
 * @typedef {{ requestKey(reason: string): Promise<string> }} KeyPrompt
 */

/**
 * The API client. The key lives in `sessionStorage` (this tab only) and goes out as `X-API-Key` on
 * every request and as `?api_key=` on WebSocket URLs (browsers cannot set headers on those). On a
 * 401 it asks for a key, once for all concurrent callers, and retries with the new one.
 */
export class ApiClient {
  /** @param {KeyPrompt} prompt */
  constructor(prompt) {
    this.prompt = prompt;
    /** @type {Promise<string> | undefined} */
    this.asking = undefined;
    /** @type {Set<(key: string | null) => void>} */
    this.keyListeners = new Set();
  }

  /** @returns {string | null} */
  get key() {
    try {
      return sessionStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  }

  /** @param {string | null} key */
  setKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // Storage may be off (private modes); the key then lasts until the page reloads.
    }
    for (const listener of this.keyListeners) listener(key);
  }

  /**
   * Calls `listener` whenever the key changes.
   * @param {(key: string | null) => void} listener
   */
  onKeyChange(listener) {
    this.keyListeners.add(listener);
  }

  /**
   * `GET path` → the parsed JSON body.
   * @param {string} path
   */
  get(path) {
    return this.request('GET', path);
  }

  /**
   * `POST path` with a JSON body → the parsed JSON body.
   * @param {string} path
   * @param {unknown} [body]
   */
  post(path, body) {
    return this.request('POST', path, body);
  }

  /**
   * Sends one request; on 401 asks for a key and tries again with it, until the key is accepted.
   * Any other error answer throws an `ApiError`.
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async request(method, path, body) {
    for (;;) {
      const sentKey = this.key;
      /** @type {Record<string, string>} */
      const headers = { Accept: 'application/json' };
      if (sentKey) headers['X-API-Key'] = sentKey;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let response;
      try {
        response = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: 'no-store',
          credentials: 'same-origin',
        });
      } catch (error) {
        throw new ApiError(0, 'NetworkError', `Hangar is unreachable (${error instanceof Error ? error.message : error})`);
      }
      const payload = await response.json().catch(() => null);
      if (response.ok) return payload;
      const error = payload && typeof payload === 'object' ? payload : {};
      const message = typeof error.message === 'string' ? error.message : `${response.status} ${response.statusText}`;
      if (response.status !== 401) throw new ApiError(response.status, String(error.error ?? 'HttpError'), message);
      // A key entered while this request was out is tried before asking again.
      if (this.key !== sentKey && this.key) continue;
      await this.askForKey(sentKey ? `The key was refused: ${message}` : '');
    }
  }

  /**
   * Asks the user for a key (one prompt however many requests wait for it) and stores it.
   * @param {string} reason shown in the prompt; empty the first time
   */
  askForKey(reason) {
    this.asking ??= this.prompt.requestKey(reason).then((key) => {
      this.asking = undefined;
      this.setKey(key);
      return key;
    });
    return this.asking;
  }

  /**
   * The absolute `ws:`/`wss:` URL of a WebSocket path on this origin, with `?api_key=` when a key is set.
   * @param {string} path
   */
  webSocketUrl(path) {
    const url = new URL(path, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const key = this.key;
    if (key) url.searchParams.set('api_key', key);
    return url.href;
  }
}

/**
 * `/api/mcp_servers/{id}/...`, each segment escaped.
 * @param {...string} segments
 */
export function serverPath(...segments) {
  return `/api/mcp_servers/${segments.map(encodeURIComponent).join('/')}`;
}
