import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ROOT } from '../helpers/cli.js';
import { readDoc } from './markdownTables.js';

// The reference pages and the README link to files of the repository: each relative link must
// name a file or folder that exists (anchors are not checked). External links are not followed.

const PAGES = [
  'README.md',
  'docs/architecture.md',
  'docs/config.md',
  'docs/api.md',
  'docs/mcp.md',
  'plugins/dashboard/README.md',
];

test('relative links of the README and docs/*.md name files of the repository', (t) => {
  const broken: string[] = [];
  for (const page of PAGES) {
    for (const match of readDoc(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!.split('#')[0]!;
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const resolved = path.resolve(ROOT, path.dirname(page), target);
      if (!resolved.startsWith(ROOT + path.sep)) broken.push(`${page}: ${target} points outside the repository`);
      else if (!existsSync(resolved)) broken.push(`${page}: ${target} does not exist`);
    }
  }
  t.deepEqual(broken, [], broken.join('\n'));
});

test('README.md lists every docs/*.md page under Reference', (t) => {
  const readme = readDoc('README.md');
  const reference = readme.split('\n## Reference\n')[1]?.split('\n## ')[0] ?? '';
  const pages = readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
  t.true(pages.length >= 4, 'the reference pages were found');
  for (const page of pages.map((name) => `docs/${name}`)) {
    t.true(reference.includes(`](${page})`), `README's Reference links ${page}`);
  }
});
