import { extensionPoint } from '../kernel/refs.js';

/** A server found by a discovery source: its name and a raw config in the `mcp_servers` shape. */
export interface DiscoveredServer {
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Where it came from (file path, container id, pod name, package name), for humans. */
  readonly origin: string;
}

/** A running discovery source. */
export interface DiscoverySource {
  /** Lists every server the source currently sees. */
  scan(): Promise<DiscoveredServer[]>;
  /** Calls `onChange` whenever a rescan may find something new; returns an unsubscribe. */
  watch?(onChange: () => void): () => void;
  /** Releases watchers and connections. */
  stop?(): Promise<void>;
}

/** A source type (`filesystem`, `docker`, `kubernetes`, `entrypoint`) and its factory. */
export interface DiscoverySourceFactory {
  readonly type: string;
  create(config: Readonly<Record<string, unknown>>): DiscoverySource;
}

/**
 * `core.discoverySources` — keyed by `type`, one factory per type. The kernel's discovery service
 * creates a source per configured entry and runs the sources' scans in parallel.
 */
export const discoverySourcesExtensionPoint = extensionPoint<DiscoverySourceFactory>('core.discoverySources', {
  key: (s) => s.type,
});
