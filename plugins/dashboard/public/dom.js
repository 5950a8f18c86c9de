// DOM helpers. Text always goes in through text nodes (never innerHTML), so data from Hangar or
// its MCP servers can never become markup.

/** Properties set on the element itself rather than as attributes. */
const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'multiple', 'hidden', 'open', 'textContent']);

/**
 * Creates an element. `props`: `class`, `on<event>` handlers, DOM properties (`value`, `checked`,
 * `disabled`, ...), and any other key as an attribute; `null`/`undefined`/`false` skip the key.
 * Children: nodes, strings or numbers (as text), nested arrays; `null`/`false` are skipped.
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = String(value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/**
 * Appends children (see `h`) to `parent`.
 * @param {Node} parent
 * @param {unknown[]} children
 */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/**
 * Sets an element's text (only when it changed, so screen readers and selections are left alone).
 * @param {Element} element
 * @param {unknown} text
 */
export function setText(element, text) {
  const next = text === null || text === undefined ? '' : String(text);
  if (element.textContent !== next) element.textContent = next;
}

/**
 * The element with `id`; throws when the page lacks it (a bug, better loud than silent).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard: #${id} is missing from the page`);
  return element;
}
