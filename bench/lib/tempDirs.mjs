// Temporary directories for configs, data dirs and profiles; every one is removed by `removeTempDirs`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created = new Set();

/** A new directory under the OS temp dir, remembered for `removeTempDirs`. */
export function makeTempDir(prefix = 'hangar-bench-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** Removes one directory made by `makeTempDir`. */
export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  created.delete(dir);
}

/** Removes every directory still left; returns how many there were. */
export function removeTempDirs() {
  const count = created.size;
  for (const dir of [...created]) removeTempDir(dir);
  return count;
}

process.once('exit', () => removeTempDirs());
