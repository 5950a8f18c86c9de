/** `"*"`: every operation, present and future (subscribe and unsubscribe only). */
export const ALL_OPERATIONS = '*';

/** One `/api/ws/operations` client command (seed 002), validated. */
export type OperationCommand =
  | { readonly command: 'subscribe' | 'unsubscribe'; readonly operationId: string }
  | { readonly command: 'get_operation'; readonly operationId: string }
  | { readonly command: 'get_stats' };

/** Why a client frame was refused: the `error` of the error frame and its message. */
export interface CommandError {
  readonly error: 'ValidationError' | 'InvalidJSONError';
  readonly message: string;
}

const COMMANDS = ['subscribe', 'unsubscribe', 'get_operation', 'get_stats'] as const;

/**
 * Parses one client text frame: a JSON object with `command` (one of `COMMANDS`) and, except for
 * `get_stats`, a non-empty string `operation_id` (`"*"` only for subscribe and unsubscribe).
 * Unknown keys are ignored.
 */
export function parseOperationCommand(text: string): OperationCommand | CommandError {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return {
      error: 'InvalidJSONError',
      message: 'Invalid JSON: send objects like {"command": "subscribe", "operation_id": "*"}',
    };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return invalid('Invalid message: expected a JSON object with a "command"');
  }
  const fields = message as Record<string, unknown>;
  const command = fields.command;
  if (!COMMANDS.includes(command as (typeof COMMANDS)[number])) {
    return invalid(`Unknown command: ${JSON.stringify(command ?? null)}; expected one of ${COMMANDS.join(', ')}`);
  }
  if (command === 'get_stats') return { command };
  const operationId = fields.operation_id;
  if (typeof operationId !== 'string' || operationId === '') {
    return invalid(`${String(command)} needs "operation_id": a non-empty string`);
  }
  if (command === 'get_operation') {
    if (operationId === ALL_OPERATIONS) return invalid('get_operation needs one operation id, not "*"');
    return { command, operationId };
  }
  return { command: command as 'subscribe' | 'unsubscribe', operationId };
}

function invalid(message: string): CommandError {
  return { error: 'ValidationError', message };
}
