import test, { type ExecutionContext } from 'ava';
import type { z } from 'zod';
import { commonServerShape, kernelConfigShape } from '../../core/src/config/configSchema.js';
import { remoteTransport } from '../../core/src/transports/remoteTransport.js';
import { subprocessTransport } from '../../core/src/transports/subprocessTransport.js';
import { sectionRows } from './markdownTables.js';

// docs/config.md documents every key, and only keys that exist: each checked section's table rows
// (first cell in backticks) are compared with the schema its heading names. Nested keys are written
// with dots, the items of a list with `[]` (`discovery.sources[].type`); records (`env`, `headers`,
// `config`) are leaves, their keys are the user's.

const DOC = 'docs/config.md';

type Schema = z.core.$ZodType;

/** Every key path below `shape`: intermediate mappings and lists as well as leaves. */
function keyPaths(shape: Readonly<Record<string, Schema>>, prefix = ''): string[] {
  return Object.entries(shape).flatMap(([key, schema]) => {
    const here = `${prefix}${key}`;
    return [here, ...below(schema, here)];
  });
}

function below(schema: Schema, here: string): string[] {
  const def = schema._zod.def as unknown as {
    type: string;
    innerType?: Schema;
    element?: Schema;
    in?: Schema;
    shape?: Record<string, Schema>;
  };
  switch (def.type) {
    case 'default':
    case 'optional':
    case 'nullable':
    case 'prefault':
      return below(def.innerType!, here);
    case 'pipe':
      return below(def.in!, here);
    case 'array':
      return below(def.element!, `${here}[]`);
    case 'object':
      return keyPaths(def.shape!, `${here}.`);
    default:
      return [];
  }
}

function compare(t: ExecutionContext, heading: string, expected: readonly string[]): void {
  const rows = sectionRows(DOC, heading);
  const documented = rows.map((row) => row.key);
  const missing = expected.filter((key) => !documented.includes(key));
  const unknown = rows.filter((row) => !expected.includes(row.key)).map((row) => `${row.key} (line ${row.line})`);
  const twice = documented.filter((key, index) => documented.indexOf(key) !== index);
  t.deepEqual(missing, [], `${DOC} '## ${heading}' lacks: ${missing.join(', ')}`);
  t.deepEqual(unknown, [], `${DOC} '## ${heading}' documents keys the schema does not have: ${unknown.join(', ')}`);
  t.deepEqual(twice, [], `${DOC} '## ${heading}' documents keys twice: ${twice.join(', ')}`);
}

test('the key paths are read from the schemas (nested mappings and list items included)', (t) => {
  const paths = keyPaths(kernelConfigShape);
  t.true(paths.includes('discovery.sources[].type'));
  t.true(paths.includes('operations.max_events'));
  t.true(keyPaths(commonServerShape).includes('tools[].inputSchema'));
});

test(`${DOC}: the top-level keys are the kernel's config shape plus mcp_servers`, (t) => {
  compare(t, 'Top-level keys', ['mcp_servers', ...keyPaths(kernelConfigShape)]);
});

test(`${DOC}: the server fields are the common server fields`, (t) => {
  compare(t, 'Server fields', keyPaths(commonServerShape));
});

for (const transport of [subprocessTransport, remoteTransport]) {
  test(`${DOC}: mode ${transport.mode} documents its transport's config schema`, (t) => {
    compare(t, `Mode \`${transport.mode}\``, keyPaths(transport.configSchema.shape));
  });
}

test(`${DOC}: the secret fields named are the transports' secretFields`, (t) => {
  for (const transport of [subprocessTransport, remoteTransport]) {
    const rows = sectionRows(DOC, `Mode \`${transport.mode}\``);
    const marked = rows.filter((row) => row.cells.some((cell) => cell.includes('**secret**'))).map((row) => row.key);
    t.deepEqual(marked.sort(), [...transport.secretFields].sort(), `mode ${transport.mode}`);
  }
});
