// A form generated from a tool's input schema (JSON Schema). `describeSchema` and `readField` are
// pure (no DOM) and unit-tested; `buildForm` renders and reads the form.

import { h } from './dom.js';

/**
 * @typedef {'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'list' | 'multi' | 'json'} FieldKind
 *
 * @typedef {object} FieldSpec one argument of the tool
 * @property {string} name the property name
 * @property {FieldKind} kind which control edits it
 * @property {boolean} required listed in the schema's `required`
 * @property {boolean} hasDefault whether the schema gives a `default`
 * @property {unknown} default the schema's `default`
 * @property {string} description the property's description (or title)
 * @property {unknown[]} options `enum` values (kinds `enum` and `multi`)
 * @property {'string' | 'number' | 'integer' | 'boolean'} itemKind item type of a `list`
 * @property {number | undefined} minimum
 * @property {number | undefined} maximum
 * @property {boolean} tristate a boolean that may also be left unset (optional, no default)
 *
 * @typedef {string | boolean | string[]} RawValue what a control holds: text, a checkbox, selected indices
 * @typedef {{ value: unknown } | { skip: true } | { error: string }} FieldReading
 */

const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean']);

/**
 * The fields of an object schema, in property order. A property the form cannot edit with a
 * simple control (objects, arrays of objects, unions) becomes a JSON text area.
 * @param {unknown} schema a tool's `inputSchema`
 * @returns {FieldSpec[]}
 */
export function describeSchema(schema) {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((n) => typeof n === 'string') : []);
  return Object.entries(schema.properties).map(([name, property]) =>
    fieldOf(name, isObject(property) ? property : {}, required.has(name)),
  );
}

/**
 * @param {string} name
 * @param {Record<string, any>} p
 * @param {boolean} required
 * @returns {FieldSpec}
 */
function fieldOf(name, p, required) {
  const type = primaryType(p);
  /** @type {FieldSpec} */
  const field = {
    name,
    kind: 'json',
    required,
    hasDefault: 'default' in p,
    default: p.default,
    description: typeof p.description === 'string' ? p.description : typeof p.title === 'string' ? p.title : '',
    options: [],
    itemKind: 'string',
    minimum: typeof p.minimum === 'number' ? p.minimum : undefined,
    maximum: typeof p.maximum === 'number' ? p.maximum : undefined,
    tristate: false,
  };
  const choices = enumOf(p);
  if (choices) return { ...field, kind: 'enum', options: choices };
  if (type === 'string' || type === 'number' || type === 'integer') return { ...field, kind: type };
  if (type === 'boolean') return { ...field, kind: 'boolean', tristate: !required && !field.hasDefault };
  if (type === 'array' && isObject(p.items)) {
    const itemChoices = enumOf(p.items);
    if (itemChoices) return { ...field, kind: 'multi', options: itemChoices };
    const itemType = primaryType(p.items);
    if (itemType && PRIMITIVES.has(itemType)) return { ...field, kind: 'list', itemKind: /** @type {any} */ (itemType) };
  }
  return field;
}

/**
 * The one type of a property: `type`, the non-null member of a `type` list, or of a nullable
 * `anyOf`/`oneOf` (`[{type: X}, {type: 'null'}]`); undefined when there is no single type.
 * @param {Record<string, any>} p
 * @returns {string | undefined}
 */
function primaryType(p) {
  if (typeof p.type === 'string') return p.type;
  if (Array.isArray(p.type)) {
    const types = p.type.filter((t) => t !== 'null');
    return types.length === 1 ? types[0] : undefined;
  }
  const union = p.anyOf ?? p.oneOf;
  if (Array.isArray(union)) {
    const members = union.filter((m) => !(isObject(m) && m.type === 'null'));
    if (members.length === 1 && isObject(members[0])) return primaryType(members[0]);
  }
  return undefined;
}

/** @param {Record<string, any>} p @returns {unknown[] | undefined} */
function enumOf(p) {
  if (Array.isArray(p.enum) && p.enum.length > 0 && p.enum.every(isPrimitive)) return p.enum;
  if ('const' in p && isPrimitive(p.const)) return [p.const];
  return undefined;
}

/**
 * What a control starts with: the schema's default, or empty.
 * @param {FieldSpec} field
 * @returns {RawValue}
 */
export function initialValue(field) {
  const value = field.default;
  switch (field.kind) {
    case 'boolean':
      return field.tristate ? '' : value === true;
    case 'enum':
      return field.hasDefault && field.options.includes(value) ? String(field.options.indexOf(value)) : '';
    case 'multi':
      return Array.isArray(value)
        ? value.filter((v) => field.options.includes(v)).map((v) => String(field.options.indexOf(v)))
        : [];
    case 'list':
      return Array.isArray(value) ? value.map(String).join('\n') : '';
    case 'json':
      return field.hasDefault ? JSON.stringify(value, null, 2) : '';
    default:
      return field.hasDefault && value !== null && value !== undefined ? String(value) : '';
  }
}

/**
 * Turns what a control holds into the argument's value: numbers parsed, enums mapped back to
 * their values, lists split by line, JSON parsed. An empty optional field is left out (`skip`),
 * so the tool's own default applies; an empty required one is an error (an empty list is `[]`).
 * @param {FieldSpec} field
 * @param {RawValue} raw
 * @returns {FieldReading}
 */
export function readField(field, raw) {
  const missing = () => (field.required ? { error: 'Required' } : { skip: /** @type {true} */ (true) });
  switch (field.kind) {
    case 'boolean':
      if (!field.tristate) return { value: raw === true };
      return raw === 'true' ? { value: true } : raw === 'false' ? { value: false } : { skip: true };
    case 'enum':
      return raw === '' || typeof raw !== 'string' ? missing() : { value: field.options[Number(raw)] };
    case 'multi': {
      const picked = Array.isArray(raw) ? raw.map((i) => field.options[Number(i)]) : [];
      return picked.length === 0 && !field.required ? { skip: true } : { value: picked };
    }
    case 'list':
      return readList(field, String(raw));
    case 'json': {
      const text = String(raw).trim();
      if (text === '') return missing();
      try {
        return { value: JSON.parse(text) };
      } catch (error) {
        return { error: `Invalid JSON: ${error instanceof Error ? error.message : error}` };
      }
    }
    case 'number':
    case 'integer': {
      const text = String(raw).trim();
      return text === '' ? missing() : readNumber(field, field.kind, text);
    }
    default:
      return raw === '' ? missing() : { value: String(raw) };
  }
}

/**
 * @param {FieldSpec} field
 * @param {string} text
 * @returns {FieldReading}
 */
function readList(field, text) {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) return field.required ? { value: [] } : { skip: true };
  const values = [];
  for (const [index, line] of lines.entries()) {
    /** @type {FieldReading} */
    let item = { value: line };
    if (field.itemKind === 'number' || field.itemKind === 'integer')
      item = readNumber({ ...field, minimum: undefined, maximum: undefined }, field.itemKind, line);
    else if (field.itemKind === 'boolean')
      item = line === 'true' || line === 'false' ? { value: line === 'true' } : { error: 'Enter true or false' };
    if ('error' in item) return { error: `Line ${index + 1}: ${item.error}` };
    if ('value' in item) values.push(item.value);
  }
  return { value: values };
}

/**
 * @param {FieldSpec} field
 * @param {'number' | 'integer'} kind
 * @param {string} text
 * @returns {FieldReading}
 */
function readNumber(field, kind, text) {
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: 'Enter a number' };
  if (kind === 'integer' && !Number.isInteger(value)) return { error: 'Enter a whole number' };
  if (field.minimum !== undefined && value < field.minimum) return { error: `Must be at least ${field.minimum}` };
  if (field.maximum !== undefined && value > field.maximum) return { error: `Must be at most ${field.maximum}` };
  return { value };
}

/**
 * A short line on what a field takes: `integer · 1 to 1000 · default 5`.
 * @param {FieldSpec} field
 */
export function constraintText(field) {
  const parts = [];
  if (field.kind === 'list') parts.push(`one ${field.itemKind} per line`);
  else if (field.kind === 'json') parts.push('JSON');
  else if (field.kind === 'multi') parts.push('pick any');
  else if (field.kind !== 'enum' && field.kind !== 'boolean') parts.push(field.kind);
  if (field.minimum !== undefined && field.maximum !== undefined) parts.push(`${field.minimum} to ${field.maximum}`);
  else if (field.minimum !== undefined) parts.push(`at least ${field.minimum}`);
  else if (field.maximum !== undefined) parts.push(`at most ${field.maximum}`);
  if (field.hasDefault && field.kind !== 'json') parts.push(`default ${JSON.stringify(field.default)}`);
  return parts.join(' · ');
}

/**
 * Renders the fields into `container` (replacing what was there) and returns `read`, which
 * validates every field, marks the invalid ones (`aria-invalid`, an error line tied to the control
 * with `aria-describedby`), focuses the first, and answers the arguments when all are valid.
 * @param {HTMLElement} container
 * @param {FieldSpec[]} fields
 * @param {string} idPrefix
 * @returns {{ read(): { ok: true, args: Record<string, unknown> } | { ok: false } }}
 */
export function buildForm(container, fields, idPrefix) {
  if (fields.length === 0) {
    container.replaceChildren(h('p', { class: 'muted' }, 'This tool takes no arguments.'));
    return { read: () => ({ ok: true, args: {} }) };
  }
  const rendered = fields.map((field, index) => renderField(field, `${idPrefix}-${index}`));
  container.replaceChildren(
    h(
      'fieldset',
      { class: 'args' },
      h('legend', {}, 'Arguments'),
      rendered.map((r) => r.element),
    ),
  );
  return {
    read() {
      /** @type {Record<string, unknown>} */
      const args = {};
      let firstInvalid;
      for (const { field, control, error, read } of rendered) {
        const reading = readField(field, read());
        const message = 'error' in reading ? reading.error : '';
        error.textContent = message;
        error.hidden = message === '';
        if (message) control.setAttribute('aria-invalid', 'true');
        else control.removeAttribute('aria-invalid');
        if (message) firstInvalid ??= control;
        else if ('value' in reading) args[field.name] = reading.value;
      }
      if (firstInvalid) {
        firstInvalid.focus();
        return { ok: false };
      }
      return { ok: true, args };
    },
  };
}

/**
 * @param {FieldSpec} field
 * @param {string} id
 */
function renderField(field, id) {
  const initial = initialValue(field);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hint = [field.description, constraintText(field)].filter(Boolean).join(' — ');
  const describedBy = [hint ? hintId : '', errorId].filter(Boolean).join(' ');
  const common = { id, name: field.name, 'aria-describedby': describedBy, 'aria-required': field.required ? 'true' : null };
  /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
  let control;
  /** @type {() => RawValue} */
  let read;
  if (field.kind === 'boolean' && !field.tristate) {
    const box = /** @type {HTMLInputElement} */ (h('input', { ...common, type: 'checkbox', checked: initial === true }));
    control = box;
    read = () => box.checked;
  } else if (field.kind === 'boolean' || field.kind === 'enum' || field.kind === 'multi') {
    const labels = field.kind === 'boolean' ? ['true', 'false'] : field.options.map((o) => String(o));
    const values = field.kind === 'boolean' ? ['true', 'false'] : labels.map((_, i) => String(i));
    const multiple = field.kind === 'multi';
    const empty =
      multiple || (field.required && field.hasDefault)
        ? null
        : h('option', { value: '' }, field.required ? '— choose —' : '(not set)');
    const select = /** @type {HTMLSelectElement} */ (
      h(
        'select',
        { ...common, multiple },
        empty,
        labels.map((label, i) => h('option', { value: values[i] }, label)),
      )
    );
    if (multiple) for (const option of select.options) option.selected = /** @type {string[]} */ (initial).includes(option.value);
    else select.value = String(initial);
    control = select;
    read = () => (multiple ? [...select.selectedOptions].map((o) => o.value) : select.value);
  } else if (field.kind === 'list' || field.kind === 'json') {
    const area = /** @type {HTMLTextAreaElement} */ (
      h('textarea', { ...common, rows: field.kind === 'json' ? 4 : 3, spellcheck: 'false' })
    );
    area.value = String(initial);
    control = area;
    read = () => area.value;
  } else {
    const numeric = field.kind === 'number' || field.kind === 'integer';
    const input = /** @type {HTMLInputElement} */ (
      h('input', {
        ...common,
        type: numeric ? 'number' : 'text',
        inputmode: field.kind === 'integer' ? 'numeric' : numeric ? 'decimal' : null,
        step: numeric ? (field.kind === 'integer' ? '1' : 'any') : null,
        min: numeric ? field.minimum : null,
        max: numeric ? field.maximum : null,
        autocomplete: 'off',
      })
    );
    input.value = String(initial);
    control = input;
    read = () => input.value;
  }
  const label = h(
    'label',
    { for: id },
    field.name,
    field.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null,
  );
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const isCheckbox = control instanceof HTMLInputElement && control.type === 'checkbox';
  const element = h(
    'div',
    { class: isCheckbox ? 'field field-check' : 'field' },
    isCheckbox ? [control, label] : [label, control],
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    error,
  );
  return { field, control, error, read, element };
}

/** @param {unknown} value @returns {value is Record<string, any>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} value */
function isPrimitive(value) {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
