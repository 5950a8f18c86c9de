import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `@hangar/core` package folder (works from `src/` under tsx and from `dist/`). */
export const CORE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Hangar project root: the folder holding `plugins/` and the bundled config. */
export const ROOT_DIR = path.resolve(CORE_DIR, '..');

/** `@hangar/core`'s version from its package.json; plugins' `coreRange` is checked against it. */
export const CORE_VERSION: string = (JSON.parse(readFileSync(path.join(CORE_DIR, 'package.json'), 'utf8')) as { version: string })
  .version;
