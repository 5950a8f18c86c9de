// Turning Hangar's data into short human text. Pure functions (no DOM), so they can be unit-tested.

/** Envelope fields of an event frame, not shown in its summary. */
const ENVELOPE = new Set(['event_id', 'event_type', 'timestamp', 'global_position', 'mcp_server_id', '_version']);

/** Longest summary shown for an event, in characters. */
const MAX_SUMMARY = 160;

/**
 * `HH:MM:SS` (local time) of an ISO timestamp or of seconds since the epoch.
 * @param {string | number | undefined | null} time
 */
export function clockTime(time) {
  if (time === undefined || time === null) return '';
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString(undefined, { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * `850 ms`, `2.4 s`, `3 min 5 s`.
 * @param {number | null | undefined} seconds
 */
export function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/**
 * A 0..1 fraction as whole percent, clamped.
 * @param {number} fraction
 */
export function percent(fraction) {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction)) return 0;
  return Math.round(Math.min(1, Math.max(0, fraction)) * 100);
}

/**
 * One line saying what an `/api/ws/events` frame is about.
 * @param {Record<string, any>} event
 * @returns {string}
 */
export function eventSummary(event) {
  const text = knownSummary(event) ?? genericSummary(event);
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}

/** @param {Record<string, any>} e */
function knownSummary(e) {
  switch (e.event_type) {
    case 'McpServerStateChanged':
      return `${e.old_state} → ${e.new_state}`;
    case 'McpServerStarted':
      return `${e.mode ?? 'started'}, ${e.tools_count ?? 0} tools in ${e.startup_duration_ms ?? '?'} ms`;
    case 'McpServerStopped':
      return e.error_message ? `${e.reason}: ${e.error_message}` : `reason: ${e.reason ?? 'unknown'}`;
    case 'McpServerDegraded':
      return `${e.reason ?? 'degraded'} after ${e.consecutive_failures ?? '?'} failures`;
    case 'HealthCheckPassed':
      return `ping in ${e.duration_ms} ms`;
    case 'HealthCheckFailed':
      return `${e.consecutive_failures} consecutive: ${e.error_message ?? 'failed'}`;
    case 'ToolInvocationRequested':
      return `${e.tool}`;
    case 'ToolInvocationCompleted':
      return `${e.tool} in ${e.duration_ms} ms`;
    case 'ToolInvocationFailed':
      return `${e.tool}: ${e.error_type ?? 'error'}${e.error_message ? ` — ${e.error_message}` : ''}`;
    case 'McpServerRegistered':
      return `${e.mode ?? ''} server from ${e.origin ?? 'config'}`.trim();
    case 'McpServerUpdated':
      return Array.isArray(e.changed_fields) ? `changed: ${e.changed_fields.join(', ')}` : 'updated';
    case 'CircuitBreakerStateChanged':
      return `${e.group_id ?? e.mcp_server_id ?? ''} ${e.old_state} → ${e.new_state}`.trim();
    default:
      return undefined;
  }
}

/**
 * `key=value` for the payload's scalar fields (objects such as configs are left out).
 * @param {Record<string, any>} event
 */
function genericSummary(event) {
  const parts = [];
  for (const [key, value] of Object.entries(event)) {
    if (ENVELOPE.has(key) || value === null || typeof value === 'object') continue;
    parts.push(`${key}=${value}`);
  }
  return parts.join(' ');
}

/**
 * How an event reads at a glance: `bad`, `good`, `warn` or `info`.
 * @param {string} eventType
 */
export function eventTone(eventType) {
  if (/Failed|Degraded|Quarantined|Rejected|Revoked/.test(eventType)) return 'bad';
  if (/Passed|Completed|Started|Approved|Registered/.test(eventType)) return 'good';
  if (/Stopped|Idle|Deregistered|CircuitBreaker/.test(eventType)) return 'warn';
  return 'info';
}

/**
 * The text of a `CallToolResult`: its text contents joined, other contents as JSON, or the
 * structured content when there is no text.
 * @param {any} result
 * @returns {string}
 */
export function resultText(result) {
  if (!result || typeof result !== 'object') return JSON.stringify(result ?? null);
  const content = Array.isArray(result.content) ? result.content : [];
  const pieces = content.map((item) =>
    item && item.type === 'text' && typeof item.text === 'string' ? item.text : JSON.stringify(item, null, 2),
  );
  if (pieces.length > 0) return pieces.join('\n');
  if (result.structuredContent !== undefined) return JSON.stringify(result.structuredContent, null, 2);
  return JSON.stringify(result, null, 2);
}
