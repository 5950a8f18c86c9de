import { randomUUID } from 'node:crypto';
import type { Principal } from '../extensions/auth.js';

/**
 * Who caused an event and in which call: the audit trail (who created, deleted, started, invoked).
 * Absent on events Hangar caused itself (idle stops, health checks, crashes, boot).
 */
export interface EventMetadata {
  /** The acting principal's id (`anonymous` when auth is off). */
  readonly principal_id?: string;
  /** The acting principal's type (`api_key`, `user`, `anonymous`, …). */
  readonly principal_type?: string;
}

/**
 * An immutable domain event, named in the past tense (`McpServerStarted`). `data` holds the
 * event's own fields; `mcp_server_id` is set where the event concerns one server.
 */
export interface DomainEvent {
  readonly event_id: string;
  readonly event_type: string;
  /** ISO 8601. */
  readonly timestamp: string;
  readonly mcp_server_id?: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Who acted, when someone did. Stored beside the payload, never inside it. */
  readonly metadata?: EventMetadata;
}

/** An event as sinks receive it: with its position in the global history once stored. */
export interface PublishedEvent extends DomainEvent {
  /** Position in the global event history; absent while no store is configured. */
  readonly global_position?: number;
}

/** Builds a frozen domain event with a fresh id and timestamp. */
export function createEvent(
  eventType: string,
  data: Record<string, unknown>,
  options: { mcpServerId?: string; now?: Date; actor?: Principal } = {},
): DomainEvent {
  const { actor } = options;
  return Object.freeze({
    event_id: randomUUID(),
    event_type: eventType,
    timestamp: (options.now ?? new Date()).toISOString(),
    ...(options.mcpServerId === undefined ? {} : { mcp_server_id: options.mcpServerId }),
    data: Object.freeze({ ...data }),
    ...(actor === undefined ? {} : { metadata: { principal_id: actor.id, principal_type: actor.type } }),
  });
}
