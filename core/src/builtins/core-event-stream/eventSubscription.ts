import type { PublishedEvent } from '../../events/DomainEvent.js';

/**
 * What one `/api/ws/events` client asked for (seed 000): each dimension is a set of accepted
 * values, or `null` for no filter on it. Dimensions are ANDed. `fromPosition` asks for a replay of
 * stored events with `global_position >= fromPosition` before the live ones.
 */
export interface EventSubscription {
  readonly eventTypes: ReadonlySet<string> | null;
  readonly mcpServerIds: ReadonlySet<string> | null;
  readonly fromPosition?: number;
}

/** Every event, no replay: what a client gets before its first `subscribe`. */
export const SUBSCRIBE_ALL: EventSubscription = { eventTypes: null, mcpServerIds: null };

/** A parsed client message: a subscription, or the reason it was refused (sent back as `error`). */
export type ClientMessage = { readonly subscription: EventSubscription } | { readonly error: string };

/**
 * Parses one client frame: `{"type": "subscribe", "event_types"?: string[], "mcp_server_ids"?:
 * string[], "from_position"?: int >= 0}`. An omitted or `null` dimension means no filter; an empty
 * list is refused rather than read as "nothing" or "everything". Unknown keys are ignored.
 */
export function parseClientMessage(text: string): ClientMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { error: 'Invalid JSON: messages must be JSON objects like {"type": "subscribe"}' };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { error: 'Invalid message: expected a JSON object with "type": "subscribe"' };
  }
  const fields = message as Record<string, unknown>;
  if (fields.type !== 'subscribe') {
    return { error: `Invalid type: ${JSON.stringify(fields.type ?? null)}; the only message type is "subscribe"` };
  }
  const eventTypes = parseNames(fields, 'event_types');
  if (typeof eventTypes === 'string') return { error: eventTypes };
  const mcpServerIds = parseNames(fields, 'mcp_server_ids');
  if (typeof mcpServerIds === 'string') return { error: mcpServerIds };
  const from = fields.from_position;
  // 0 is seed 001's documented default ("from the start"), like 1: positions begin at 1.
  if (from !== undefined && from !== null && !(typeof from === 'number' && Number.isSafeInteger(from) && from >= 0)) {
    return { error: `Invalid from_position: ${JSON.stringify(from)}; expected an integer >= 0` };
  }
  return { subscription: { eventTypes, mcpServerIds, ...(typeof from === 'number' ? { fromPosition: from } : {}) } };
}

/** Whether `event` passes every filter of `subscription`. */
export function matchesSubscription(subscription: EventSubscription, event: PublishedEvent): boolean {
  if (subscription.eventTypes !== null && !subscription.eventTypes.has(event.event_type)) return false;
  if (subscription.mcpServerIds === null) return true;
  return event.mcp_server_id !== undefined && subscription.mcpServerIds.has(event.mcp_server_id);
}

/**
 * The `subscribed` acknowledgement: echoes the filters in force, `null` for a dimension that is
 * not filtered, and `from_position` when a replay was asked for.
 */
export function subscribedFrame(subscription: EventSubscription): Record<string, unknown> {
  return {
    type: 'subscribed',
    event_types: subscription.eventTypes && [...subscription.eventTypes],
    mcp_server_ids: subscription.mcpServerIds && [...subscription.mcpServerIds],
    ...(subscription.fromPosition === undefined ? {} : { from_position: subscription.fromPosition }),
  };
}

function parseNames(fields: Record<string, unknown>, key: string): ReadonlySet<string> | null | string {
  const value = fields[key];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && item !== '')) {
    return `Invalid ${key}: expected a non-empty array of non-empty strings (omit it to receive every value)`;
  }
  return new Set(value as string[]);
}
