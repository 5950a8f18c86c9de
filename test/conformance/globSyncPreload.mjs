// Preload for running the MCP conformance CLI on Node 20: `node --import <this file> .../conformance/dist/index.js`.
//
// The CLI does `import { globSync } from "fs"`, which only exists from Node 22; on Node 20 the import fails when the
// module is linked, before any command runs. Assigning `fs.globSync` is not enough: a builtin's ESM named exports
// are fixed when its ESM facade is first created, and later properties never become exports. So this file
// registers itself as a module resolve hook that sends the conformance package's `fs` import to a small shim
// module: everything of node:fs plus the `globSync` below. Nothing else sees the shim.
//
// The file plays three roles, told apart by its URL query:
//   (none)   preload: registers the hook (once, and only where fs.globSync is missing);
//   ?hooks   the hook module, loaded by module.register in the loader thread;
//   ?impl    the module the shim takes `globSync` from.
import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';

const role = new URL(import.meta.url).search;
const self = new URL(import.meta.url);
self.search = '';

if (role === '' && typeof fs.globSync !== 'function') {
  register(`${self.href}?hooks`);
}

/** The shim the conformance package gets for `fs` / `node:fs` (a data: URL may import absolute URLs). */
const shimUrl = `data:text/javascript,${encodeURIComponent(
  `export * from 'node:fs'; export { default } from 'node:fs'; export { globSync } from '${self.href}?impl';`,
)}`;

/**
 * Resolve hook: redirects `fs` / `node:fs` imported from inside @modelcontextprotocol/conformance to the shim.
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(specifier: string, context: unknown) => Promise<unknown>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  if (
    (specifier === 'fs' || specifier === 'node:fs') &&
    context.parentURL?.includes('/node_modules/@modelcontextprotocol/conformance/')
  ) {
    return { url: shimUrl, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/**
 * Converts one path segment of a glob (`*`, `?`, literal characters) to a RegExp. Like Node's own glob,
 * wildcards do not match a leading dot.
 * @param {string} segment
 */
function segmentRegExp(segment) {
  let source = '';
  for (const char of segment) {
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  const leadingWildcard = segment.startsWith('*') || segment.startsWith('?');
  return new RegExp(`^${leadingWildcard ? '(?!\\.)' : ''}${source}$`);
}

/**
 * A small synchronous stand-in for Node 22's `fs.globSync(pattern, { cwd })`: supports `**` (any number of
 * directories), `*` and `?` within a segment, and literal segments. Returns paths relative to `cwd`, in the
 * platform's separator, files and directories alike, without following symlinked directories.
 * @param {string | string[]} patterns
 * @param {{ cwd?: string | URL }} [options]
 * @returns {string[]}
 */
export function globSync(patterns, options = {}) {
  const cwd = options.cwd instanceof URL ? options.cwd.pathname : (options.cwd ?? process.cwd());
  const found = new Set();
  for (const pattern of Array.isArray(patterns) ? patterns : [patterns]) {
    const segments = pattern.split('/').filter((segment) => segment !== '' && segment !== '.');
    walk(cwd, '', segments, found);
  }
  return [...found];
}

/**
 * Matches `segments` below `dir` (whose path relative to cwd is `relative`), adding matches to `found`.
 * @param {string} dir
 * @param {string} relative
 * @param {string[]} segments
 * @param {Set<string>} found
 */
function walk(dir, relative, segments, found) {
  if (segments.length === 0) {
    if (relative !== '') found.add(relative);
    return;
  }
  const [head, ...rest] = segments;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // not a directory, or unreadable: nothing matches below it
  }
  if (head === '**') {
    walk(dir, relative, rest, found); // `**` matching zero directories
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) {
        walk(path.join(dir, entry.name), path.join(relative, entry.name), segments, found);
      }
    }
    return;
  }
  const matcher = segmentRegExp(head);
  for (const entry of entries) {
    if (matcher.test(entry.name)) {
      walk(path.join(dir, entry.name), path.join(relative, entry.name), rest, found);
    }
  }
}
