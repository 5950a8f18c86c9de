import test from 'ava';
import { registryMetaTools, type MetaToolContext } from '../../core/src/proxy/registryTools.js';
import { sectionRows } from './markdownTables.js';

// docs/mcp.md's meta tool table names exactly the kernel's registry_* tools. Building the tools
// touches none of the context (it is read when a tool runs), so an empty one lists their names.

const DOC = 'docs/mcp.md';

test(`${DOC}: the meta tools table is the kernel's registry_* tools`, (t) => {
  const names = registryMetaTools({} as MetaToolContext).map((tool) => tool.name);
  t.true(names.length > 5, 'the kernel has meta tools');
  const rows = sectionRows(DOC, 'Meta tools');
  const documented = rows.map((row) => row.key);
  t.deepEqual(
    names.filter((name) => !documented.includes(name)),
    [],
    `${DOC} '## Meta tools' lacks tools`,
  );
  t.deepEqual(
    rows.filter((row) => !names.includes(row.key)).map((row) => `${row.key} (line ${row.line})`),
    [],
    `${DOC} '## Meta tools' documents tools the kernel does not have`,
  );
  t.is(new Set(documented).size, documented.length, 'each tool is documented once');
});
