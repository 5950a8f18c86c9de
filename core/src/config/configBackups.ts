import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** What `POST /api/config/backup` answers. */
export interface BackupResult {
  readonly backup_path: string;
  readonly created: true;
}

const BACKUP_NAME = /^hangar-config-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}\.\d{3}Z)\.yaml$/;

/**
 * Writes `yaml` to `<dir>/hangar-config-<time>.yaml` through a temp file and a rename (a reader
 * never sees half a file), then keeps the `kept` newest backups. Backups hold real credentials
 * (they exist to be booted from), so the folder is created 0700 and each file 0600.
 */
export async function writeBackupFile(dir: string, yaml: string, options: { now: number; kept: number }): Promise<BackupResult> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = (await readdir(dir)).filter((name) => BACKUP_NAME.test(name)).sort();
  // Names sort by time; never reuse or go behind the newest name, even within one millisecond.
  const newest = existing.length === 0 ? undefined : backupTime(existing.at(-1)!);
  const time = newest !== undefined && options.now <= newest ? newest + 1 : options.now;
  const name = `hangar-config-${new Date(time).toISOString().replace(/:/g, '-')}.yaml`;
  const target = path.join(dir, name);
  const temp = path.join(dir, `.${name}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(yaml);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
  const all = [...existing, name];
  for (const old of all.slice(0, Math.max(0, all.length - options.kept))) {
    await rm(path.join(dir, old), { force: true });
  }
  return { backup_path: target, created: true };
}

function backupTime(name: string): number | undefined {
  const match = BACKUP_NAME.exec(name);
  if (!match) return undefined;
  const time = Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}`);
  return Number.isNaN(time) ? undefined : time;
}

/** Makes the rename durable; best effort where directories cannot be opened (Windows). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The backup is complete either way; only its survival across a power cut is less certain.
  }
}
