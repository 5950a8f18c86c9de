import type { McpServerState } from './McpServerState.js';

/** One health check's outcome. */
export interface HealthCheckEntry {
  readonly timestamp: string;
  readonly passed: boolean;
  readonly duration_ms: number;
  readonly error_message?: string;
}

/** A server's health as the REST API and `registry_health` show it. */
export interface McpServerHealth {
  status: 'healthy' | 'degraded' | 'unhealthy' | 'unknown';
  consecutive_failures: number;
  last_check_at: string | null;
  last_success_at: string | null;
  /** The most recent checks, oldest first. */
  history: HealthCheckEntry[];
}

const KEPT = 20;

/** The recent health checks of one server. */
export class HealthRecord {
  private readonly entries: HealthCheckEntry[] = [];
  private lastSuccess: string | null = null;

  record(timestamp: string, passed: boolean, durationMs: number, errorMessage?: string): void {
    this.entries.push({ timestamp, passed, duration_ms: durationMs, ...(errorMessage ? { error_message: errorMessage } : {}) });
    if (this.entries.length > KEPT) this.entries.shift();
    if (passed) this.lastSuccess = timestamp;
  }

  snapshot(state: McpServerState, consecutiveFailures: number): McpServerHealth {
    return {
      status: statusOf(state, consecutiveFailures),
      consecutive_failures: consecutiveFailures,
      last_check_at: this.entries.at(-1)?.timestamp ?? null,
      last_success_at: this.lastSuccess,
      history: [...this.entries],
    };
  }
}

function statusOf(state: McpServerState, failures: number): McpServerHealth['status'] {
  if (state === 'ready') return failures === 0 ? 'healthy' : 'degraded';
  if (state === 'degraded') return 'degraded';
  if (state === 'dead') return 'unhealthy';
  return 'unknown';
}
