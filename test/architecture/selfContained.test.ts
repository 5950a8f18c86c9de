import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ROOT } from './importRules.js';

// The repository documents itself: no tracked file may point at a sibling folder outside it.
// Built from parts so this file does not name the path it looks for.
const OUTSIDE = ['..', 'shared'].join('/');
const SELF = path
  .relative(ROOT, import.meta.filename)
  .split(path.sep)
  .join('/');

/** A file whose first 8 KiB hold a NUL byte is binary (PNG, SQLite, …) and is not read. */
function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8192).includes(0);
}

test(`no tracked file refers to ${OUTSIDE}`, (t) => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file !== '' && file !== SELF);
  t.true(files.length > 100, 'git ls-files listed the repository');
  const offenders: string[] = [];
  for (const file of files) {
    let content: Buffer;
    try {
      content = readFileSync(path.join(ROOT, file));
    } catch {
      continue; // deleted in the worktree but still tracked
    }
    if (isBinary(content)) continue;
    const lines = content.toString('utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.includes(OUTSIDE)) offenders.push(`${file}:${index + 1}: ${line.trim()}`);
    });
  }
  t.deepEqual(offenders, [], `files referring to ${OUTSIDE}:\n${offenders.join('\n')}`);
});
