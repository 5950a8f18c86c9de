import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ZodObject } from 'zod';
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
  /** The validated config: common fields plus this transport's own (read them with `transportFields`). */
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

/**
 * A transport mode (`subprocess`, `remote`, a plugin's `docker`, …): the config fields it adds to
 * a server and how to open a connection in it. The kernel composes the server config schema from
 * the registered transports, so a plugin's mode is configurable (in the file, over REST, on
 * reload) without any change to the kernel.
 */
export interface TransportFactory {
  /** The mode servers name in `mode:`; stored configs always carry this name, never an alias. */
  readonly mode: string;
  /** Other names this transport answers (a docker transport might answer `container`). */
  readonly aliases?: readonly string[];
  /**
   * The fields this mode adds to the common server fields, as a zod object schema (strict or not:
   * fields outside its shape are refused either way). Its field order is the order the YAML export
   * writes them in. Refinements and `.overwrite` normalisations apply as usual. A field named `cwd`
   * is resolved against the config file's folder for servers declared in a file.
   */
  readonly configSchema: ZodObject;
  /** Fields whose change needs a new process or connection (a running server restarts). `mode` always does. */
  readonly restartFields: readonly string[];
  /**
   * Fields whose values are secrets: every value below them is shown as `***` outside Hangar (REST
   * views, `GET /api/config`, the config diff, event sinks and frames); mapping keys stay visible.
   */
  readonly secretFields: readonly string[];
  open(context: TransportContext): Promise<UpstreamConnection>;
}

/**
 * `core.transports` — keyed by `mode`. Exactly one factory serves a mode (a second one for the same
 * mode fails the boot, as does an alias that another transport's mode or alias already names); the
 * kernel picks the factory whose mode (or alias) equals the server's `mode`. The kernel's own
 * `subprocess` and `remote` transports are contributed through this point too.
 */
export const transportsExtensionPoint = extensionPoint<TransportFactory>('core.transports', {
  key: (t) => t.mode,
  // Modes are needed to read the config, before any init.
  valuesOnly: true,
});
