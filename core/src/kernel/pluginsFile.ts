import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PluginBadOptionsError, PluginDuplicateError, PluginNotFoundError } from '../errors.js';
import { formatIssues } from '../config/formatIssue.js';

const entrySchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be kebab-case'),
  module: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
  options: z.record(z.string(), z.unknown()).default({}),
});

const fileSchema = z.strictObject({ plugins: z.array(entrySchema) });

/** One entry of `hangar.plugins.json`. */
export type PluginEntry = z.output<typeof entrySchema>;

/** Reads and checks `hangar.plugins.json`: shape, kebab-case ids, no duplicate ids. */
export async function readPluginsFile(file: string): Promise<PluginEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PluginNotFoundError(
      `${file}: cannot read plugins file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PluginBadOptionsError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parsePluginEntries(json, file);
}

/** Validates an in-memory plugins document (same rules as the file). */
export function parsePluginEntries(json: unknown, label = '<plugins>'): PluginEntry[] {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new PluginBadOptionsError(`${label}: ${formatIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  for (const entry of parsed.data.plugins) {
    if (seen.has(entry.id)) throw new PluginDuplicateError(`${label}: plugin '${entry.id}' is listed twice`);
    seen.add(entry.id);
  }
  return parsed.data.plugins;
}
