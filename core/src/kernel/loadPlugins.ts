import path from 'node:path';
import semver from 'semver';
import { ZodObject } from 'zod';
import { PluginBadOptionsError, PluginNotFoundError, PluginVersionMismatchError } from '../errors.js';
import { formatIssues } from '../config/formatIssue.js';
import { isPluginDefinition, type PluginDefinition } from './definePlugin.js';
import type { PluginEntry } from './pluginsFile.js';
import { resolvePluginModule } from './resolvePluginModule.js';

/** A plugin ready to register: its definition and validated options. */
export interface LoadedPlugin {
  readonly definition: PluginDefinition<unknown>;
  readonly options: unknown;
  /** Where it came from (`builtin`, a file URL). */
  readonly source: string;
}

/** Where to look for plugin modules. */
export interface LoadPluginsOptions {
  /** Folder of the plugins file; relative `module` paths and package names resolve from here. */
  readonly baseDir: string;
  /** Hangar's root; built-in plugins live in `<rootDir>/plugins/<id>`. */
  readonly rootDir: string;
  readonly coreVersion: string;
  /** Told about option keys a plugin's schema does not know (likely typos). */
  readonly warn?: (message: string) => void;
}

/**
 * Imports the enabled plugins of a plugins file, one at a time in listed order, and checks each:
 * the default export comes from `definePlugin`, its id equals the entry's id, its `coreRange`
 * accepts this core, its options pass its schema.
 */
export async function loadPlugins(entries: readonly PluginEntry[], options: LoadPluginsOptions): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const entry of entries) {
    if (!entry.enabled) continue;
    const url = resolvePluginModule(entry.id, entry.module, options.baseDir, options.rootDir);
    let namespace: { default?: unknown };
    try {
      namespace = (await import(url)) as { default?: unknown };
    } catch (error) {
      throw new PluginNotFoundError(`plugin '${entry.id}': cannot import ${displayPath(url)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const definition = namespace.default;
    if (!isPluginDefinition(definition)) {
      throw new PluginNotFoundError(`plugin '${entry.id}': ${displayPath(url)} has no default export made with definePlugin()`);
    }
    if (definition.id !== entry.id) {
      throw new PluginNotFoundError(`plugin '${entry.id}': ${displayPath(url)} declares id '${definition.id}'`);
    }
    loaded.push({ definition, options: checkPlugin(definition, entry.options, options.coreVersion, options.warn), source: url });
  }
  return loaded;
}

/**
 * Checks `coreRange` and options of a plugin; returns the parsed options. Keys an object schema does
 * not declare are reported through `warn` (zod would drop them silently, hiding a typo).
 */
export function checkPlugin(
  definition: PluginDefinition<unknown>,
  rawOptions: unknown,
  coreVersion: string,
  warn: (message: string) => void = () => undefined,
): unknown {
  if (!semver.validRange(definition.coreRange)) {
    throw new PluginVersionMismatchError(`plugin '${definition.id}': coreRange '${definition.coreRange}' is not a semver range`);
  }
  if (!semver.satisfies(coreVersion, definition.coreRange, { includePrerelease: true })) {
    throw new PluginVersionMismatchError(
      `plugin '${definition.id}' needs @hangar/core ${definition.coreRange}, but this is ${coreVersion}`,
    );
  }
  if (!definition.options) return rawOptions ?? {};
  const parsed = definition.options.safeParse(rawOptions ?? {});
  if (!parsed.success) {
    throw new PluginBadOptionsError(`plugin '${definition.id}': bad options: ${formatIssues(parsed.error.issues, 'options')}`);
  }
  if (definition.options instanceof ZodObject && typeof rawOptions === 'object' && rawOptions !== null) {
    const known = new Set(Object.keys(definition.options.shape));
    for (const key of Object.keys(rawOptions)) {
      if (!known.has(key)) warn(`plugin '${definition.id}': unknown option 'options.${key}' is ignored`);
    }
  }
  return parsed.data;
}

function displayPath(url: string): string {
  return url.startsWith('file:') ? path.relative(process.cwd(), new URL(url).pathname) || url : url;
}
