import type { Logger } from 'pino';
import type { EventBus } from '../events/EventBus.js';
import type { TransportFactory } from '../extensions/transports.js';
import type { Clock } from '../services/Clock.js';
import type { ProcessSpawner } from '../services/ProcessSpawner.js';
import type { McpServerState } from './McpServerState.js';
import type { ProcessLedger } from './ProcessLedger.js';
import type { McpServerListKind } from './ServerCatalog.js';

/** Where a server's registration came from. */
export type McpServerOrigin = 'config' | 'api' | 'discovery';

/** An upstream notification passed on to downstream sessions. */
export interface UpstreamNotification {
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

/** What every McpServer is given by its registry. */
export interface McpServerContext {
  readonly transportFor: (mode: string) => TransportFactory | undefined;
  readonly spawn: ProcessSpawner;
  readonly clock: Clock;
  readonly random: () => number;
  readonly eventBus: EventBus;
  readonly logger: Logger;
  readonly clientInfo: { readonly name: string; readonly version: string };
  /** The downstream-requested log level, applied to every server that starts. */
  readonly loggingLevel: () => string | undefined;
  readonly onListChanged: (serverId: string, kind: McpServerListKind) => void;
  readonly onNotification: (serverId: string, notification: UpstreamNotification) => void;
  /** Spawn + initialize + list, bounded (default 30 s). */
  readonly startTimeoutMs?: number;
  /** One health check (default 5 s). */
  readonly healthTimeoutMs?: number;
  /** Where running process groups are recorded, so a killed Hangar's leftovers are reaped at the next boot. */
  readonly ledger?: ProcessLedger;
}

/** What `start()` reports. */
export interface StartResult {
  mcp_server_id: string;
  state: McpServerState;
  started: boolean;
  tools_count: number;
  startup_duration_ms: number;
}

/** What `stop()` reports. */
export interface StopResult {
  mcp_server_id: string;
  state: McpServerState;
  stopped: boolean;
  reason: string;
}
