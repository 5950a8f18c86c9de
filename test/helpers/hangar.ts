import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { createLogger, Hangar, type HangarOptions } from '@hangar/core';

/** A temp folder removed when the test ends. */
export async function tempDir(t: ExecutionContext, prefix = 'hangar-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger that keeps every record (JSON) in memory, for asserting what was logged. */
export function captureLogger(level: 'debug' | 'info' | 'warn' = 'debug'): {
  logger: ReturnType<typeof createLogger>;
  records: Record<string, unknown>[];
} {
  const records: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    json: true,
    destination: { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, records };
}

/** Writes a file into `dir` and returns its path. */
export async function writeIn(dir: string, name: string, content: string | object): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Boots Hangar in-process on 127.0.0.1 with a free port and a temp data dir; stopped at test end. */
export async function startHangar(
  t: ExecutionContext,
  options: Partial<HangarOptions> = {},
): Promise<{ hangar: Hangar; url: string; records: Record<string, unknown>[] }> {
  const { logger, records } = captureLogger();
  const hangar = await Hangar.start({
    logger,
    dataDir: await tempDir(t),
    http: { host: '127.0.0.1', port: 0 },
    ...options,
  });
  t.teardown(() => hangar.stop().then(() => undefined));
  return { hangar, url: hangar.url!, records };
}

/** Absolute path of a fixture plugin module. */
export function fixturePlugin(name: string): string {
  return path.resolve(import.meta.dirname, '..', 'fixtures', 'plugins', `${name}.mjs`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
