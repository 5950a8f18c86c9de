import { parseArgs } from 'node:util';
import { CliUsageError } from '../errors.js';

/** The parsed command line, with environment fallbacks applied. */
export interface CliOptions {
  readonly config?: string;
  readonly plugins?: string;
  readonly http: boolean;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly jsonLogs: boolean;
  readonly unsafeNoAuth: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

/** The `--help` text. */
export const USAGE = `Usage: hangar [options]

Runs the Hangar MCP gateway. Without --http it speaks MCP over stdio (stdout carries only
JSON-RPC; logs go to stderr).

Options:
  --config FILE      config file, YAML or Claude Desktop JSON   (env HANGAR_CONFIG)
  --plugins FILE     plugins file (default ./hangar.plugins.json when present)
  --http             serve HTTP (REST, WebSockets, /mcp) instead of stdio
  --host H           HTTP host (default 127.0.0.1)               (env HANGAR_HOST)
  --port P           HTTP port (default 8000)                    (env HANGAR_PORT)
  --data-dir DIR     where state is kept (default ./.hangar)     (env HANGAR_DATA_DIR)
  --log-level L      trace|debug|info|warn|error|fatal|silent (default info)
  --json-logs        one JSON object per log line
  --unsafe-no-auth   allow a non-loopback --host with authentication disabled
  --version          print the version
  --help             print this text
`;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Parses `argv` (without node and script) with `env` fallbacks; throws `CliUsageError`. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        plugins: { type: 'string' },
        http: { type: 'boolean', default: false },
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'json-logs': { type: 'boolean', default: false },
        'unsafe-no-auth': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const portText = values.port ?? env.HANGAR_PORT ?? '8000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new CliUsageError(`--port must be a number from 0 to 65535, got '${portText}'`);
  const level = values['log-level'];
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new CliUsageError(`--log-level must be one of ${LEVELS.join(', ')}, got '${level}'`);
  }
  return {
    config: values.config ?? nonEmpty(env.HANGAR_CONFIG),
    plugins: values.plugins,
    http: values.http,
    host: values.host ?? nonEmpty(env.HANGAR_HOST) ?? '127.0.0.1',
    port,
    dataDir: values['data-dir'] ?? nonEmpty(env.HANGAR_DATA_DIR) ?? '.hangar',
    logLevel: level as CliOptions['logLevel'],
    jsonLogs: values['json-logs'],
    unsafeNoAuth: values['unsafe-no-auth'],
    help: values.help,
    version: values.version,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
