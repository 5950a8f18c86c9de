import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginNotFoundError } from '../errors.js';

/**
 * Whether this kernel runs from its TypeScript sources (tests under tsx). Packages then resolve
 * through their `hangar-source` export condition, so core and plugins share one module graph.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Turns a plugins-file `module` into a file URL to import.
 * - no module: the built-in `<root>/plugins/<id>` package;
 * - `./x`, `../x`, `/x`: a package folder or a file, relative to the plugins file's folder;
 * - anything else: an npm package name, resolved from the plugins file's folder.
 */
export function resolvePluginModule(id: string, moduleSpec: string | undefined, baseDir: string, rootDir: string): string {
  if (moduleSpec === undefined) {
    const dir = path.join(rootDir, 'plugins', id);
    if (!existsSync(dir))
      throw new PluginNotFoundError(`plugin '${id}': no built-in plugin at ${dir} (set "module" for a third-party plugin)`);
    return pathToFileURL(packageEntry(dir, id)).href;
  }
  if (moduleSpec.startsWith('.') || path.isAbsolute(moduleSpec)) {
    const target = path.resolve(baseDir, moduleSpec);
    if (!existsSync(target)) throw new PluginNotFoundError(`plugin '${id}': module '${moduleSpec}' not found at ${target}`);
    return pathToFileURL(statSync(target).isDirectory() ? packageEntry(target, id) : target).href;
  }
  let manifest: string;
  try {
    manifest = createRequire(path.join(baseDir, 'noop.js')).resolve(`${moduleSpec}/package.json`);
  } catch {
    throw new PluginNotFoundError(`plugin '${id}': package '${moduleSpec}' is not installed (looked from ${baseDir})`);
  }
  return pathToFileURL(packageEntry(path.dirname(manifest), id)).href;
}

interface Manifest {
  main?: string;
  exports?: string | Record<string, unknown>;
}

/** The entry file of a package folder: `exports["."]` (conditions import/default), then `main`, then index.js. */
function packageEntry(dir: string, id: string): string {
  const manifestPath = path.join(dir, 'package.json');
  if (!existsSync(manifestPath)) {
    const index = path.join(dir, 'index.js');
    if (existsSync(index)) return index;
    throw new PluginNotFoundError(`plugin '${id}': ${dir} has neither package.json nor index.js`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const fromExports = pickExport(manifest.exports);
  const entry = path.join(dir, fromExports ?? manifest.main ?? 'index.js');
  if (!existsSync(entry)) {
    throw new PluginNotFoundError(`plugin '${id}': entry ${entry} does not exist (is the plugin built? run npm install)`);
  }
  return entry;
}

function pickExport(exports: Manifest['exports']): string | undefined {
  if (exports === undefined) return undefined;
  if (typeof exports === 'string') return exports;
  const root = '.' in exports ? exports['.'] : exports;
  return pickCondition(root);
}

function pickCondition(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (typeof target !== 'object' || target === null) return undefined;
  const conditions = target as Record<string, unknown>;
  const order = FROM_SOURCE ? ['hangar-source', 'import', 'default'] : ['import', 'default'];
  for (const condition of order) {
    if (condition in conditions) {
      const picked = pickCondition(conditions[condition]);
      if (picked !== undefined) return picked;
    }
  }
  return undefined;
}
