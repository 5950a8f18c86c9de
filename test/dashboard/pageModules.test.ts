// The page's pure parts (schema → fields → arguments, and event text), run in Node.
import test from 'ava';
import { eventSummary, percent, resultText } from '../../plugins/dashboard/public/format.js';
import { applyView, createOp, recordEvent } from '../../plugins/dashboard/public/operationModel.js';
import { describeSchema, initialValue, readField, type FieldSpec } from '../../plugins/dashboard/public/schemaForm.js';

const SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Who' },
    steps: { type: 'integer', minimum: 1, maximum: 10, default: 5 },
    ratio: { type: 'number' },
    loud: { type: 'boolean', default: false },
    maybe: { type: 'boolean' },
    color: { type: 'string', enum: ['red', 'green'] },
    level: { enum: [1, 2, 3], default: 2 },
    tags: { type: 'array', items: { type: 'string' } },
    sizes: { type: 'array', items: { type: 'number' } },
    modes: { type: 'array', items: { enum: ['a', 'b', 'c'] } },
    options: { type: 'object', properties: { deep: { type: 'boolean' } } },
    nullable: { type: ['string', 'null'] },
    either: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    union: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
  },
  required: ['name', 'steps', 'color'],
};

function fields(): Record<string, FieldSpec> {
  return Object.fromEntries(describeSchema(SCHEMA).map((field) => [field.name, field]));
}

test('each property gets the control its schema calls for, in order, with required and defaults', (t) => {
  const specs = describeSchema(SCHEMA);
  t.deepEqual(
    specs.map((f) => [f.name, f.kind, f.required]),
    [
      ['name', 'string', true],
      ['steps', 'integer', true],
      ['ratio', 'number', false],
      ['loud', 'boolean', false],
      ['maybe', 'boolean', false],
      ['color', 'enum', true],
      ['level', 'enum', false],
      ['tags', 'list', false],
      ['sizes', 'list', false],
      ['modes', 'multi', false],
      ['options', 'json', false],
      ['nullable', 'string', false],
      ['either', 'integer', false],
      ['union', 'json', false],
    ],
  );
  const f = fields();
  t.like(f.steps, { minimum: 1, maximum: 10, hasDefault: true, default: 5 });
  t.false(f.loud!.tristate, 'a boolean with a default is a checkbox');
  t.true(f.maybe!.tristate, 'an optional boolean without default may stay unset');
  t.is(f.sizes!.itemKind, 'number');
  t.is(f.name!.description, 'Who');
});

test('controls start from the schema defaults', (t) => {
  const f = fields();
  t.is(initialValue(f.steps!), '5');
  t.is(initialValue(f.name!), '');
  t.is(initialValue(f.loud!), false);
  t.is(initialValue(f.maybe!), '');
  t.is(initialValue(f.level!), '1', 'the index of the default among the enum values');
  t.deepEqual(initialValue({ ...f.modes!, hasDefault: true, default: ['c', 'a'] }), ['2', '0']);
  t.is(initialValue({ ...f.tags!, hasDefault: true, default: ['x', 'y'] }), 'x\ny');
  t.is(initialValue({ ...f.options!, hasDefault: true, default: { deep: true } }), '{\n  "deep": true\n}');
});

test('values are parsed to their types; empty optional fields are left out, empty required ones refused', (t) => {
  const f = fields();
  t.deepEqual(readField(f.steps!, ' 7 '), { value: 7 });
  t.deepEqual(readField(f.steps!, '7.5'), { error: 'Enter a whole number' });
  t.deepEqual(readField(f.steps!, '0'), { error: 'Must be at least 1' });
  t.deepEqual(readField(f.steps!, '11'), { error: 'Must be at most 10' });
  t.deepEqual(readField(f.steps!, ''), { error: 'Required' });
  t.deepEqual(readField(f.ratio!, '0.25'), { value: 0.25 });
  t.deepEqual(readField(f.ratio!, 'abc'), { error: 'Enter a number' });
  t.deepEqual(readField(f.ratio!, ''), { skip: true });
  t.deepEqual(readField(f.name!, 'Ada'), { value: 'Ada' });
  t.deepEqual(readField(f.name!, ''), { error: 'Required' });
  t.deepEqual(readField(f.loud!, true), { value: true });
  t.deepEqual(readField(f.loud!, false), { value: false });
  t.deepEqual(readField(f.maybe!, ''), { skip: true });
  t.deepEqual(readField(f.maybe!, 'false'), { value: false });
  t.deepEqual(readField(f.color!, '1'), { value: 'green' });
  t.deepEqual(readField(f.color!, ''), { error: 'Required' });
  t.deepEqual(readField(f.level!, '2'), { value: 3 }, 'enum values keep their type');
  t.deepEqual(readField(f.tags!, ' a \n\n b '), { value: ['a', 'b'] });
  t.deepEqual(readField(f.tags!, '  '), { skip: true });
  t.deepEqual(readField({ ...f.tags!, required: true }, ''), { value: [] });
  t.deepEqual(readField(f.sizes!, '1\n2.5'), { value: [1, 2.5] });
  t.deepEqual(readField(f.sizes!, '1\nx'), { error: 'Line 2: Enter a number' });
  t.deepEqual(readField(f.modes!, ['0', '2']), { value: ['a', 'c'] });
  t.deepEqual(readField(f.modes!, []), { skip: true });
  t.deepEqual(readField(f.options!, '{"deep": true}'), { value: { deep: true } });
  t.regex((readField(f.options!, '{deep}') as { error: string }).error, /^Invalid JSON: /);
});

test('a schema without properties means no fields', (t) => {
  t.deepEqual(describeSchema({ type: 'object', properties: {} }), []);
  t.deepEqual(describeSchema({ type: 'object' }), []);
  t.deepEqual(describeSchema(undefined), []);
});

test('event frames and results read as one short line', (t) => {
  t.is(
    eventSummary({ event_type: 'McpServerStateChanged', old_state: 'cold', new_state: 'initializing' }),
    'cold → initializing',
  );
  t.is(eventSummary({ event_type: 'ToolInvocationCompleted', tool: 'add', duration_ms: 12 }), 'add in 12 ms');
  t.is(
    eventSummary({ event_type: 'SomethingNew', event_id: 'x', global_position: 3, count: 2, config: { env: {} }, ok: true }),
    'count=2 ok=true',
  );
  t.true(eventSummary({ event_type: 'X', text: 'y'.repeat(500) }).length <= 160);
  t.is(percent(0.333), 33);
  t.is(percent(7), 100);
  t.is(resultText({ content: [{ type: 'text', text: 'counted to 5' }] }), 'counted to 5');
  t.is(resultText({ content: [], structuredContent: { result: 5 } }), '{\n  "result": 5\n}');
});

/** The events of a slow_count of 2 steps, as /api/ws/operations sends them. */
function slowCountEvents(id: string) {
  const at = 1_700_000_000;
  return [
    { event_type: 'status', operation_id: id, timestamp: at, data: { status: 'running', message: 'calling slow_count on math' } },
    { event_type: 'progress', operation_id: id, timestamp: at + 0.1, data: { progress: 0.5, message: 'step 1 of 2' } },
    { event_type: 'log', operation_id: id, timestamp: at + 0.15, data: { level: 'info', message: 'halfway', logger: 'slow' } },
    { event_type: 'progress', operation_id: id, timestamp: at + 0.2, data: { progress: 1, message: 'step 2 of 2' } },
    {
      event_type: 'result',
      operation_id: id,
      timestamp: at + 0.3,
      data: { result: { content: [{ type: 'text', text: 'counted to 2' }] } },
    },
    { event_type: 'completed', operation_id: id, timestamp: at + 0.31, data: { status: 'completed', duration: 0.31 } },
  ];
}

test('an operation follows its events: progress, log lines, result, then completed', (t) => {
  const op = createOp('op-1', { mcp_server: 'math', tool: 'slow_count' }, true);
  for (const event of slowCountEvents('op-1')) t.true(recordEvent(op, event));
  t.like(op, { status: 'completed', progress: 1, message: 'step 2 of 2', duration: 0.31, hasProgress: true });
  t.is(resultText(op.result), 'counted to 2');
  t.deepEqual(
    op.lines.map((line) => line.text),
    ['calling slow_count on math', '50 % step 1 of 2', 'slow: halfway', '100 % step 2 of 2', 'completed in 310 ms'],
  );
});

test('replayed and reloaded events are applied once, in time order, and progress never goes back', (t) => {
  const op = createOp('op-2', undefined, true);
  const events = slowCountEvents('op-2');
  for (const event of events.slice(0, 3)) recordEvent(op, event);
  // A reconnect replays everything kept; the REST history repeats it again, out of order.
  for (const event of events) recordEvent(op, event);
  for (const event of [...events].reverse()) t.false(recordEvent(op, event));
  t.is(op.lines.length, 5);
  t.deepEqual(
    op.lines.map((line) => line.time),
    [...op.lines.map((line) => line.time)].sort((a, b) => a - b),
  );
  recordEvent(op, { event_type: 'progress', operation_id: 'op-2', timestamp: 1, data: { progress: 0.2 } });
  t.is(op.progress, 1);
  applyView(op, { status: 'completed', progress: 0.5 });
  t.is(op.progress, 1);
});

test('a cancelled operation ends cancelled, a failed one in error with its type', (t) => {
  const cancelled = createOp('op-3', undefined, true);
  recordEvent(cancelled, {
    event_type: 'status',
    operation_id: 'op-3',
    timestamp: 1,
    data: { status: 'cancelled', message: 'stop' },
  });
  recordEvent(cancelled, {
    event_type: 'error',
    operation_id: 'op-3',
    timestamp: 2,
    data: { error: 'stop', error_type: 'CallCancelledError', duration: 1 },
  });
  t.like(cancelled, { status: 'cancelled', error: { error: 'stop', error_type: 'CallCancelledError' } });
  const failed = createOp('op-4', undefined, true);
  recordEvent(failed, {
    event_type: 'error',
    operation_id: 'op-4',
    timestamp: 1,
    data: { error: 'boom', error_type: 'UpstreamError' },
  });
  t.like(failed, { status: 'error', error: { error: 'boom', error_type: 'UpstreamError' } });
  const fromView = createOp('op-5', undefined, false);
  t.true(
    applyView(fromView, {
      mcp_server: 'math',
      tool: 'add',
      started_at: 5,
      status: 'error',
      error: { error: 'x', error_type: 'Y' },
    }),
  );
  t.like(fromView, { server: 'math', tool: 'add', startedAt: 5, status: 'error' });
});
