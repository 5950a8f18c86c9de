import type { McpServerConfig } from '../config/configSchema.js';
import { isPlainObject } from '../config/isPlainObject.js';
import { redactConfig } from '../lifecycle/mcpServerViews.js';
import type { PublishedEvent } from './DomainEvent.js';

/**
 * An event as `/api/ws/events` and `GET /api/events` show it: flat like seed 000's example (the
 * payload's fields next to `event_id`, `event_type`, `timestamp`, `mcp_server_id` and
 * `global_position`), with server configs (`McpServerRegistered`/`Updated` carry them so the
 * registry can be rebuilt) redacted: `env` and header values become `***`.
 */
export function eventFrame(event: PublishedEvent): Record<string, unknown> {
  const { data, ...envelope } = event;
  const payload: Record<string, unknown> = { ...data };
  if (isPlainObject(payload.config)) payload.config = redactConfig(payload.config as McpServerConfig);
  if (isPlainObject(payload.patch)) payload.patch = redactConfig(payload.patch as McpServerConfig);
  // Stream bookkeeping stays internal; the frame has the envelope of DESIGN §10.
  const { stream_id: _stream, stream_version: _version, ...publicEnvelope } = envelope as Record<string, unknown>;
  return { ...payload, ...publicEnvelope };
}
