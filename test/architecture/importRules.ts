import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/cli.js';

export { ROOT } from '../helpers/cli.js';

/** Every source file (ts/js/mjs) below `dir`, skipping node_modules and dist. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The module specifiers a file imports (static, dynamic, re-exports). */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** Why a kernel file's import breaks the rules, or undefined. The kernel never imports a plugin. */
export function kernelImportViolation(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = path.resolve(path.dirname(file), specifier);
    if (!target.startsWith(path.join(ROOT, 'core') + path.sep)) return `imports ${specifier}, outside core/`;
    return undefined;
  }
  if (specifier.startsWith('@hangar/') || /hangar-plugin/.test(specifier)) return `imports the plugin package ${specifier}`;
  return undefined;
}

/** Why a plugin file's import breaks the rules: only `@hangar/core` (public entry), its own files and npm libraries. */
export function pluginImportViolation(pluginDir: string, file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const target = path.resolve(path.dirname(file), specifier);
    if (!target.startsWith(pluginDir + path.sep)) return `imports ${specifier}, outside its own folder`;
    return undefined;
  }
  if (specifier.startsWith('@hangar/'))
    return specifier === '@hangar/core' ? undefined : `imports ${specifier}; only the public entry @hangar/core is allowed`;
  if (/hangar-plugin/.test(specifier)) return `imports another plugin, ${specifier}`;
  return undefined;
}

/** Reads a file as text. */
export function read(file: string): string {
  return readFileSync(file, 'utf8');
}
