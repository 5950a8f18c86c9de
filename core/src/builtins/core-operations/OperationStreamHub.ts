import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { OperationNotFoundError } from '../../errors.js';
import type { WsRoute } from '../../extensions/wsRoutes.js';
import type { Operation, OperationEvent } from '../../operations/Operation.js';
import type { OperationRegistry } from '../../operations/OperationRegistry.js';
import { ALL_OPERATIONS, type OperationCommand } from './operationCommands.js';
import { OperationStreamConnection, type OperationStreamConnectionStats } from './OperationStreamConnection.js';

/** The least `pinnedLimit`, so a small queue size still leaves room for replays. */
const MIN_PINNED_LIMIT = 4096;

/** What the hub is built from. */
export interface OperationStreamHubDeps {
  readonly operations: OperationRegistry;
  /** `event_stream.queue_size`: progress and log frames a connection may fall behind by. */
  readonly queueSize: number;
  readonly logger: Logger;
  /** Never-dropped frames a client may leave unread (default: 8 × queueSize, at least 4096). */
  readonly pinnedLimit?: number;
  /** Milliseconds since the epoch, for the `connected` frame (default `Date.now`). */
  readonly now?: () => number;
}

/** The hub's numbers, for tests and metrics. */
export interface OperationStreamStats {
  readonly clients: number;
  /** Frames dropped on every connection since the hub started. */
  readonly dropped: number;
  /** One entry per connected client, oldest connection first. */
  readonly connections: readonly OperationStreamConnectionStats[];
}

/**
 * The `/api/ws/operations` hub (seed 002, docs/api.md): follows every event of the kernel's
 * operations and hands each, serialised once, to the clients that follow its operation.
 *
 * Operations live in memory and tell their listeners synchronously, so a subscribe sends the kept
 * events and starts following in the same tick: nothing can slip between the replay and the live
 * events, and nothing is sent twice. A client that follows both `"*"` and an id gets each event once
 * (one check per event); subscribing to an id that `"*"` already covers replays nothing.
 *
 * Made by the core-operations plugin's factory with the registry in hand; it follows the registry
 * from construction until `closeAll`. Upgrades are authenticated and authorized by the HTTP host;
 * pings are the host's too.
 */
export class OperationStreamHub {
  private readonly connections = new Set<OperationStreamConnection>();
  /** When each operation ended, counted in endings, so a `"*"` subscription knows what it covers. */
  private readonly endings = new WeakMap<Operation, number>();
  private endingCount = 0;
  private unsubscribe: (() => void) | undefined;
  private dropped = 0;
  private closing = false;

  /** The WebSocket route contribution for `/api/ws/operations`. */
  readonly route: WsRoute = {
    path: 'operations',
    permission: { action: 'operations:read', resource: 'global' },
    handle: (socket) => this.connect(socket),
  };

  constructor(private readonly deps: OperationStreamHubDeps) {
    this.unsubscribe = deps.operations.subscribe((event, operation) => this.dispatch(event, operation));
  }

  /** Closes every client (1001, going away), refuses new ones and stops following the registry. */
  closeAll(): void {
    this.closing = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const connection of [...this.connections]) connection.close(1001, 'Hangar is shutting down');
    this.connections.clear();
  }

  /** Connected clients, their queues, and the drops so far. */
  stats(): OperationStreamStats {
    const connections = [...this.connections].map((connection) => connection.stats());
    return { clients: connections.length, dropped: this.dropped, connections };
  }

  private dispatch(event: OperationEvent, operation: Operation): void {
    if (event.event_type === 'completed' || event.event_type === 'error') {
      this.endings.set(operation, ++this.endingCount);
    }
    let frame: string | undefined;
    const frameOf = (): string => (frame ??= JSON.stringify(event));
    for (const connection of this.connections) {
      if (connection.follows(event.operation_id)) connection.offer(event, frameOf);
    }
  }

  private connect(socket: WebSocket): void {
    if (this.closing) {
      socket.close(1001, 'Hangar is shutting down');
      return;
    }
    const queueSize = this.deps.queueSize;
    const connection = new OperationStreamConnection(randomUUID(), {
      socket,
      queueSize,
      pinnedLimit: this.deps.pinnedLimit ?? Math.max(MIN_PINNED_LIMIT, 8 * queueSize),
      logger: this.deps.logger,
      onCommand: (command, from) => this.command(command, from),
      onDrop: () => this.dropped++,
      onClose: (gone) => this.connections.delete(gone),
    });
    this.connections.add(connection);
    const now = this.deps.now?.() ?? Date.now();
    connection.reply({
      event_type: 'connected',
      operation_id: 'system',
      timestamp: now / 1000,
      data: {
        message: 'Connected to Hangar operations stream',
        client_id: connection.clientId,
        timestamp: new Date(now).toISOString(),
      },
    });
  }

  private command(command: OperationCommand, connection: OperationStreamConnection): void {
    const { operations } = this.deps;
    if (command.command === 'get_stats') {
      const { active_operations, total_operations } = operations.counts();
      let subscriptions = 0;
      for (const each of this.connections) subscriptions += each.subscriptions;
      connection.reply({
        status: 'ok',
        stats: { connected_clients: this.connections.size, active_operations, total_operations, subscriptions },
      });
      return;
    }
    const id = command.operationId;
    if (command.command === 'unsubscribe') {
      if (id === ALL_OPERATIONS) connection.unfollowAll();
      else connection.unfollow(id);
      connection.reply({ status: 'unsubscribed', operation_id: id });
      return;
    }
    if (command.command === 'subscribe' && id === ALL_OPERATIONS) {
      this.subscribeAll(operations, connection);
      return;
    }
    let operation: Operation;
    try {
      operation = operations.get(id);
    } catch (error) {
      if (!(error instanceof OperationNotFoundError)) throw error;
      connection.reply({ status: 'error', error: 'OperationNotFoundError', message: error.message });
      return;
    }
    if (command.command === 'get_operation') {
      connection.reply({ status: 'ok', operation: operation.view() });
      return;
    }
    const receiving = connection.followsById(id) || this.coveredByAll(operation, connection);
    connection.follow(id);
    connection.reply({ status: 'subscribed', operation_id: id });
    if (!receiving) connection.replay(operation.events());
  }

  /** `"*"`: the kept events of the running operations the client does not follow yet, then every live event. */
  private subscribeAll(operations: OperationRegistry, connection: OperationStreamConnection): void {
    const already = connection.allSubscribedAt !== undefined;
    if (!already) connection.followAll(this.endingCount);
    connection.reply({ status: 'subscribed', operation_id: ALL_OPERATIONS });
    if (already) return;
    // `list` is newest first; replay in start order.
    for (const view of operations.list('running').reverse()) {
      if (!connection.followsById(view.operation_id)) connection.replay(operations.get(view.operation_id).events());
    }
  }

  /** Whether the client's `"*"` has sent (or is sending) every event of `operation`: it had not ended when `"*"` began. */
  private coveredByAll(operation: Operation, connection: OperationStreamConnection): boolean {
    const since = connection.allSubscribedAt;
    if (since === undefined) return false;
    return !operation.finished || (this.endings.get(operation) ?? 0) > since;
  }
}
