import type { Logger } from 'pino';
import type { McpServer } from '../lifecycle/McpServer.js';

/** Someone who can be told that a resource changed. */
export interface ResourceSubscriber {
  readonly id: string;
  resourceUpdated(params: Record<string, unknown>): void;
}

interface Entry {
  readonly server: McpServer;
  readonly upstreamUri: string;
  readonly subscribers: Set<ResourceSubscriber>;
}

/**
 * Downstream `resources/subscribe` over upstreams shared by every session: one upstream
 * subscription per resource, whoever asked first; the upstream is unsubscribed when the last
 * session unsubscribes or closes (only if the server is still running: unsubscribing never
 * starts a server). `notifications/resources/updated` reach only the sessions subscribed to
 * that resource. A subscription does not survive an upstream restart (the upstream forgets it);
 * the session subscribes again.
 */
export class ResourceSubscriptions {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly logger: Logger) {}

  /** Records that `subscriber` follows `exposedUri` (the upstream already accepted the subscription). */
  add(subscriber: ResourceSubscriber, exposedUri: string, server: McpServer, upstreamUri: string): void {
    let entry = this.entries.get(exposedUri);
    if (!entry || entry.server !== server) {
      entry = { server, upstreamUri, subscribers: new Set() };
      this.entries.set(exposedUri, entry);
    }
    entry.subscribers.add(subscriber);
  }

  /** Drops one subscription; the last one out unsubscribes the upstream. */
  remove(subscriber: ResourceSubscriber, exposedUri: string): void {
    const entry = this.entries.get(exposedUri);
    if (!entry?.subscribers.delete(subscriber) || entry.subscribers.size > 0) return;
    this.entries.delete(exposedUri);
    if (!entry.server.alive) return;
    entry.server
      .request('resources/unsubscribe', { uri: entry.upstreamUri }, { timeoutMs: 5_000 })
      .catch((error: unknown) =>
        this.logger.debug({ err: error, mcp_server_id: entry.server.id, uri: entry.upstreamUri }, 'upstream unsubscribe failed'),
      );
  }

  /** Drops every subscription of a closing session. */
  removeAll(subscriber: ResourceSubscriber): void {
    for (const [uri, entry] of [...this.entries]) if (entry.subscribers.has(subscriber)) this.remove(subscriber, uri);
  }

  /** Tells the subscribers of `exposedUri` that `serverId` says it changed. */
  updated(serverId: string, exposedUri: string, params: Record<string, unknown>): void {
    const entry = this.entries.get(exposedUri);
    if (entry?.server.id !== serverId) return;
    for (const subscriber of entry.subscribers) subscriber.resourceUpdated({ ...params, uri: exposedUri });
  }
}
