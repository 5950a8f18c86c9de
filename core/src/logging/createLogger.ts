import { pino, type Level, type Logger } from 'pino';

/** How logs are written. */
export interface LoggerOptions {
  readonly level?: Level | 'silent';
  /** One JSON object per line (for log shippers) instead of human-readable lines. */
  readonly json?: boolean;
  /** Where lines go; stderr by default so stdout stays free for MCP JSON-RPC in stdio mode. */
  readonly destination?: { write(line: string): unknown };
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * Creates the root pino logger. Output goes to stderr (never stdout). Without `json`, each record
 * becomes one readable line — `11:02:03.123 INFO  message key=value` — formatted in-process, so no
 * worker thread or extra package is needed.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.destination ?? pino.destination({ dest: 2, sync: false });
  const stream = options.json ? sink : { write: (line: string) => sink.write(humanLine(line)) };
  return pino({ level: options.level ?? 'info', base: undefined }, stream);
}

function humanLine(json: string): string {
  const record = JSON.parse(json) as Record<string, unknown>;
  const time = new Date(record.time as number).toISOString().slice(11, 23);
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  const extras = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const message = typeof record.msg === 'string' ? record.msg : '';
  return `${time} ${level} ${[message, ...extras].filter(Boolean).join(' ')}\n`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value !== null && typeof value === 'object' && 'message' in value && 'stack' in value) {
    return JSON.stringify((value as { message: unknown }).message);
  }
  return JSON.stringify(value);
}
