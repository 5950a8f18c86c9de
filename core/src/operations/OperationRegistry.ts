import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { ConflictError, OperationNotFoundError } from '../errors.js';
import { serviceRef } from '../kernel/refs.js';
import type { Clock } from '../services/Clock.js';
import {
  Operation,
  type OperationDescriptor,
  type OperationEvent,
  type OperationStatus,
  type OperationView,
} from './Operation.js';

/** What the registry is built from (`operations` in the config). */
export interface OperationRegistryOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Finished operations kept for `GET /api/operations` and replay (running ones are always kept). */
  readonly maxKept: number;
  /** Events kept per operation for replay. */
  readonly maxEvents: number;
}

/** Receives every operation event, in order. Listeners must not throw (they are isolated anyway). */
export type OperationListener = (event: OperationEvent, operation: Operation) => void;

/** Counts for `get_stats` and `/api/system`-like views. */
export interface OperationCounts {
  /** Operations still running. */
  readonly active_operations: number;
  /** Operations started since Hangar started. */
  readonly total_operations: number;
  /** Operations currently kept (running and the most recent finished ones). */
  readonly kept_operations: number;
}

/**
 * The kernel's operations (docs/api.md): each tool call started by `registry_invoke_stream` or by
 * the async REST invoke. It keeps the running ones and the last `maxKept` finished ones, oldest
 * finished first out, and tells listeners (the `/api/ws/operations` hub) every event. Upstream
 * log notifications of a server are passed to that server's running operations: MCP log messages
 * carry no request id, so when two operations of one server overlap, both see its log lines.
 */
export class OperationRegistry {
  private readonly options: OperationRegistryOptions;
  /** Insertion order = start order. */
  private readonly operations = new Map<string, Operation>();
  private readonly listeners = new Set<OperationListener>();
  private started = 0;
  private running = 0;

  constructor(options: OperationRegistryOptions) {
    this.options = options;
  }

  /**
   * Starts an operation and runs `work` with it (its signal cancels the call; its `progress`
   * receives upstream progress). Resolves or rejects as `work` does; the operation records the
   * outcome either way. `callerSignal` (the MCP request's) cancels the operation too.
   */
  run<R extends CallToolResult | Readonly<Record<string, unknown>>>(
    descriptor: OperationDescriptor,
    work: (operation: Operation) => Promise<R>,
    callerSignal?: AbortSignal,
  ): { operation: Operation; done: Promise<R> } {
    const operation = this.start(descriptor);
    const onCallerAbort = (): void => void operation.cancel('the caller cancelled the request');
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    if (callerSignal?.aborted) onCallerAbort();
    const done = (async () => {
      try {
        const result = await work(operation);
        operation.succeed(result);
        return result;
      } catch (error) {
        operation.fail(error);
        throw error;
      } finally {
        callerSignal?.removeEventListener('abort', onCallerAbort);
        this.running--;
        this.evict();
      }
    })();
    return { operation, done };
  }

  /** The operation `id` (404 `OperationNotFoundError` when unknown or no longer kept). */
  get(id: string): Operation {
    const operation = this.operations.get(id);
    if (!operation) throw new OperationNotFoundError(id);
    return operation;
  }

  /** Kept operations, newest first, optionally only those in `status`. */
  list(status?: OperationStatus): OperationView[] {
    const views: OperationView[] = [];
    for (const operation of [...this.operations.values()].reverse()) {
      if (status === undefined || operation.status === status) views.push(operation.view());
    }
    return views;
  }

  /** Cancels a running operation (409 `ConflictError` when it has already ended). */
  cancel(id: string, reason = 'cancelled by request'): Operation {
    const operation = this.get(id);
    if (!operation.cancel(reason)) throw new ConflictError(`operation '${id}' has already ended (${operation.status})`);
    this.options.logger.info({ operation_id: id, reason }, 'operation cancelled');
    return operation;
  }

  /** Calls `listener` with every event of every operation from now on; returns the unsubscribe. */
  subscribe(listener: OperationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Passes an upstream `notifications/message` of `mcpServerId` to its running operations. */
  serverLog(mcpServerId: string, params: Readonly<Record<string, unknown>>): void {
    for (const operation of this.operations.values()) {
      if (!operation.finished && operation.descriptor.mcp_server === mcpServerId) operation.log(params);
    }
  }

  counts(): OperationCounts {
    return { active_operations: this.running, total_operations: this.started, kept_operations: this.operations.size };
  }

  /** Cancels every running operation (Hangar is stopping). */
  cancelAll(reason: string): void {
    for (const operation of this.operations.values()) operation.cancel(reason);
  }

  private start(descriptor: OperationDescriptor): Operation {
    const operation = new Operation(randomUUID(), descriptor, {
      now: () => this.options.clock.now(),
      maxEvents: this.options.maxEvents,
      emit: (event, source) => this.emit(event, source),
    });
    this.operations.set(operation.id, operation);
    this.started++;
    this.running++;
    operation.begin();
    return operation;
  }

  private emit(event: OperationEvent, operation: Operation): void {
    for (const listener of this.listeners) {
      try {
        listener(event, operation);
      } catch (error) {
        this.options.logger.error({ err: error, operation_id: operation.id }, 'an operation listener threw');
      }
    }
  }

  /** Drops the oldest finished operations beyond `maxKept`. */
  private evict(): void {
    let excess = this.operations.size - this.running - this.options.maxKept;
    if (excess <= 0) return;
    for (const [id, operation] of this.operations) {
      if (excess <= 0) break;
      if (!operation.finished) continue;
      this.operations.delete(id);
      excess--;
    }
  }
}

/** The operations service (`core.operations`). */
export const operationsRef = serviceRef<OperationRegistry>('core.operations');
