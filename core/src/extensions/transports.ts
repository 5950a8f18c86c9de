import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../config/configSchema.js';
import { extensionPoint } from '../kernel/refs.js';
import type { ProcessSpawner } from '../services/ProcessSpawner.js';

/** One line a server wrote to its log streams (stderr for subprocesses, container logs, …). */
export interface ServerLogLine {
  readonly timestamp: string;
  readonly line: string;
  readonly stream: 'stderr' | 'stdout' | 'system';
}

/** What a transport factory is given to open one upstream connection. */
export interface TransportContext {
  readonly serverId: string;
  readonly config: McpServerConfig;
  /** Receives every log line the upstream produces, in order. */
  onLog(line: ServerLogLine): void;
  /** Starts processes (the injected `core.processSpawner`); transports that run a process use it. */
  readonly spawn: ProcessSpawner;
}

/** An open (not yet MCP-initialised) connection to one upstream server. */
export interface UpstreamConnection {
  /** The SDK transport the kernel's MCP client talks through. Its `onclose` fires on any exit. */
  readonly transport: Transport;
  /** OS process id, for transports that own a process. */
  readonly pid?: number;
  /** Ends the connection and everything it started (process groups included); idempotent. */
  stop(): Promise<void>;
}

/** A transport mode (`subprocess`, `remote`, `docker`, …) and how to open a connection in it. */
export interface TransportFactory {
  readonly mode: string;
  open(context: TransportContext): Promise<UpstreamConnection>;
}

/**
 * `core.transports` — keyed by `mode`. Exactly one factory serves a mode (a second one for the same
 * mode fails the boot); the kernel picks the factory whose mode equals the server's `mode`. The
 * kernel's own `subprocess` and `remote` transports are contributed through this point too.
 */
export const transportsExtensionPoint = extensionPoint<TransportFactory>('core.transports', {
  key: (t) => t.mode,
  // Modes are needed to read the config, before any init.
  valuesOnly: true,
});
