import { existsSync, mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { isHangarError } from '../errors.js';
import { Hangar } from '../Hangar.js';
import { CORE_VERSION } from '../kernel/coreVersion.js';
import { createLogger } from '../logging/createLogger.js';
import { mcpFaceRef } from '../services/mcpFaceRef.js';
import { parseCli, USAGE, type CliOptions } from './parseCli.js';

/** Hard limit for a clean shutdown after SIGINT/SIGTERM. */
const SHUTDOWN_LIMIT_MS = 9_000;

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    fail(error);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.version) {
    process.stdout.write(`${CORE_VERSION}\n`);
    return;
  }

  const logger = createLogger({ level: options.logLevel, json: options.jsonLogs });
  // Signals are handled from the first moment: one that arrives while plugins are still booting
  // waits for the boot to settle and then stops whatever did start.
  let started: Hangar | undefined;
  const shutdown = shutdownOnce(logger, () => started?.stop() ?? Promise.resolve([]));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    mkdirSync(options.dataDir, { recursive: true });
    started = await Hangar.start({
      logger,
      configFile: options.config,
      pluginsFile: options.plugins ?? (existsSync('hangar.plugins.json') ? 'hangar.plugins.json' : undefined),
      http: options.http ? { host: options.host, port: options.port } : undefined,
      dataDir: options.dataDir,
      unsafeNoAuth: options.unsafeNoAuth,
    });
  } catch (error) {
    logger.flush();
    fail(error);
  }
  shutdown.booted();
  if (!options.http) {
    // In stdio mode the client owns our lifetime: when it closes stdin, we are done. stdout carries
    // only JSON-RPC from here on; every log line goes to stderr.
    process.stdin.on('end', () => shutdown('stdin closed'));
    await started.container.resolve(mcpFaceRef).connectStdio(process.stdin, process.stdout);
  }
}

interface Shutdown {
  (reason: string): void;
  /** Tells the sequence that boot finished; a shutdown requested meanwhile runs now. */
  booted(): void;
}

/** The shutdown sequence: stop once, exit within SHUTDOWN_LIMIT_MS; a second signal exits at once. */
function shutdownOnce(logger: Logger, stop: () => Promise<readonly unknown[]>): Shutdown {
  let requested = false;
  let booted = false;
  const finish = async (): Promise<void> => {
    const errors = await stop();
    logger.flush(() => process.exit(errors.length > 0 ? 1 : 0));
  };
  const shutdown = (reason: string): void => {
    if (requested) {
      logger.warn(`${reason} again: exiting now`);
      logger.flush(() => process.exit(1));
      return;
    }
    requested = true;
    logger.info(`${reason}: shutting down`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS} ms: exiting`);
      logger.flush(() => process.exit(1));
    }, SHUTDOWN_LIMIT_MS).unref();
    if (booted) void finish();
  };
  shutdown.booted = (): void => {
    booted = true;
    if (requested) void finish();
  };
  return shutdown;
}

function fail(error: unknown): never {
  if (isHangarError(error)) {
    process.stderr.write(`hangar: ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(
      `hangar: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(isHangarError(error) && error.code === 'HANGAR_ERR_CLI_USAGE' ? 2 : 1);
}

await main();
