import { Redactor } from '../config/redact.js';
import type { PublishedEvent } from './DomainEvent.js';

// For events that did not come through a redacting path: it knows no transport, so it masks every
// mode field of a config (over-masking, never a leak).
const failClosed = Redactor.for([]);

/**
 * An event as `/api/ws/events` and `GET /api/events` show it: flat like seed 000's example (the
 * payload's fields next to `event_id`, `event_type`, `timestamp`, `mcp_server_id` and
 * `global_position`). Server configs (`McpServerRegistered`/`Updated` carry them so the registry
 * can be rebuilt) must already be redacted by the kernel's `Redactor`: events handed to sinks are,
 * and so are those `EventBus.readAllRedacted` returns. Any other event carrying a config has every
 * mode field of it masked here.
 */
export function eventFrame(event: PublishedEvent): Record<string, unknown> {
  const { data, ...envelope } = Redactor.isRedacted(event) ? event : failClosed.event(event);
  // Stream bookkeeping stays internal; the frame has the documented envelope (docs/api.md).
  const { stream_id: _stream, stream_version: _version, ...publicEnvelope } = envelope as Record<string, unknown>;
  return { ...data, ...publicEnvelope };
}
