import test from 'ava';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ValidationError } from '../errors.js';
import { createLogger } from '../logging/createLogger.js';
import { ArgumentValidator } from './ArgumentValidator.js';

function validatorWithLog(): { validator: ArgumentValidator; warnings: string[] } {
  const warnings: string[] = [];
  const logger = createLogger({
    level: 'warn',
    json: true,
    destination: { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) },
  });
  return { validator: new ArgumentValidator(logger), warnings };
}

function messageOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  return '(valid)';
}

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

test('a wrong type is named by its field', (t) => {
  const { validator } = validatorWithLog();
  const tool = {
    name: 'add',
    inputSchema: { $schema: DRAFT_07, type: 'object' as const, properties: { a: { type: 'number' }, b: { type: 'number' } } },
  };
  t.is(
    messageOf(() => validator.validate('math', tool, { a: 'one', b: 2 })),
    'arguments.a: must be number',
  );
  t.is(
    messageOf(() => validator.validate('math', tool, { a: 1, b: 2 })),
    '(valid)',
  );
});

test('every violation is reported: missing, extra, nested and array fields', (t) => {
  const { validator } = validatorWithLog();
  const tool = {
    name: 'order',
    inputSchema: {
      type: 'object' as const,
      additionalProperties: false,
      required: ['customer', 'items'],
      properties: {
        customer: { type: 'string' },
        items: { type: 'array', items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } } },
        'odd key': { type: 'string' },
      },
    },
  };
  t.is(
    messageOf(() => validator.validate('shop', tool, { items: [{ sku: 1 }, {}], extra: true, 'odd key': 5 })),
    [
      'arguments.customer: is required',
      'arguments.extra: is not allowed',
      'arguments.items[0].sku: must be string',
      'arguments.items[1].sku: is required',
      'arguments["odd key"]: must be string',
    ].join('; '),
  );
});

test('formats are enforced', (t) => {
  const { validator } = validatorWithLog();
  const tool = {
    name: 'mail',
    inputSchema: { type: 'object' as const, properties: { to: { type: 'string', format: 'email' } } },
  };
  t.is(
    messageOf(() => validator.validate('m', tool, { to: 'not an address' })),
    'arguments.to: must match format "email"',
  );
  t.is(
    messageOf(() => validator.validate('m', tool, { to: 'a@example.com' })),
    '(valid)',
  );
});

test('draft 2020-12 schemas use its keywords (prefixItems)', (t) => {
  const { validator } = validatorWithLog();
  const tool = {
    name: 'point',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object' as const,
      properties: { p: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'string' }] } },
    },
  };
  t.is(
    messageOf(() => validator.validate('geo', tool, { p: [1, 2] })),
    'arguments.p[1]: must be string',
  );
});

test('a draft-07 tuple schema without $schema falls back to draft-07', (t) => {
  const { validator, warnings } = validatorWithLog();
  const tool = {
    name: 'pair',
    inputSchema: {
      type: 'object' as const,
      properties: { p: { type: 'array', items: [{ type: 'number' }, { type: 'string' }] } },
    },
  };
  t.is(
    messageOf(() => validator.validate('geo', tool, { p: [1, 2] })),
    'arguments.p[1]: must be string',
  );
  t.deepEqual(warnings, []);
});

test('a schema with an unknown meta-schema URI still validates', (t) => {
  const { validator } = validatorWithLog();
  const tool = {
    name: 'old',
    inputSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' as const, required: ['x'] },
  };
  t.is(
    messageOf(() => validator.validate('legacy', tool, {})),
    'arguments.x: is required',
  );
});

test('an uncompilable schema is warned about once and not enforced', (t) => {
  const { validator, warnings } = validatorWithLog();
  const tool = {
    name: 'broken',
    inputSchema: { type: 'object' as const, properties: { a: { $ref: 'https://elsewhere.example/schema.json' } } },
  };
  t.is(
    messageOf(() => validator.validate('s', tool, { a: 1 })),
    '(valid)',
  );
  t.is(
    messageOf(() => validator.validate('s', tool, { a: 2 })),
    '(valid)',
  );
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /broken/);
});

test('two servers whose schemas share an $id do not collide', (t) => {
  const { validator } = validatorWithLog();
  const one = { name: 't', inputSchema: { $id: 'https://example.com/same.json', type: 'object' as const, required: ['a'] } };
  const two = { name: 't', inputSchema: { $id: 'https://example.com/same.json', type: 'object' as const, required: ['b'] } };
  t.is(
    messageOf(() => validator.validate('one', one, {})),
    'arguments.a: is required',
  );
  t.is(
    messageOf(() => validator.validate('two', two, {})),
    'arguments.b: is required',
  );
});

test('each schema is compiled once, whether the same object or an equal copy comes back', (t) => {
  const { validator } = validatorWithLog();
  // Both dialects' classes inherit `compile` from ajv's core class.
  const prototype = Object.getPrototypeOf(Ajv2020.prototype) as { compile: (...args: unknown[]) => unknown };
  const original = prototype.compile;
  let compiled = 0;
  prototype.compile = function (this: unknown, ...args: unknown[]) {
    compiled++;
    return original.apply(this, args);
  };
  t.teardown(() => {
    prototype.compile = original;
  });
  const schema = () => ({ type: 'object' as const, properties: { n: { type: 'integer' } } });
  const tool = { name: 'n', inputSchema: schema() };
  for (let i = 0; i < 5; i++) validator.validate('s', tool, { n: i });
  // Predefined tools are rebuilt on every read: equal schemas in new objects.
  for (let i = 0; i < 5; i++) validator.validate('s', { name: 'n', inputSchema: schema() }, { n: i });
  t.is(compiled, 1);
});
