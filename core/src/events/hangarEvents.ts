import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ReloadResult } from '../config/ConfigManager.js';
import type { McpServerConfig } from '../config/configSchema.js';
import type { McpServerOrigin } from '../lifecycle/McpServerContext.js';
import type { McpServerState } from '../lifecycle/McpServerState.js';
import type { DomainEvent } from './DomainEvent.js';

// The payloads below are what the kernel's publishers put in `data` today (a test compares this
// list with the publishers in core/src). Stored events read back are upcast to these shapes.

/** `McpServerRegistered`: a server was added over REST, from the config file or by discovery. */
export interface McpServerRegisteredData {
  readonly mode: McpServerConfig['mode'];
  readonly origin: McpServerOrigin;
  /** The full validated config, so a server created over REST can be rebuilt at the next boot. */
  readonly config: McpServerConfig;
}

/** `McpServerUpdated`: a server's config changed (a REST update, or a config reload). */
export interface McpServerUpdatedData {
  /** The top-level config fields whose value changed. */
  readonly changed_fields: readonly string[];
  /** The config after the change. */
  readonly config: McpServerConfig;
  /** What a REST update asked for; absent on a reload. */
  readonly patch?: Readonly<Record<string, unknown>>;
  /** `config_reloaded` when a config reload replaced the whole config; absent on a REST update. */
  readonly cause?: 'config_reloaded';
}

/** `McpServerDeregistered`: a server was stopped and removed. */
export interface McpServerDeregisteredData {
  /** Why: `deregistered` (REST), `config_reloaded`, or what the remover said. */
  readonly reason: string;
  readonly origin: McpServerOrigin;
}

/** `McpServerStateChanged`: one move of the state machine. */
export interface McpServerStateChangedData {
  readonly old_state: McpServerState;
  readonly new_state: McpServerState;
}

/** `McpServerStarted` (payload v2): the server is ready. */
export interface McpServerStartedData {
  readonly mode: McpServerConfig['mode'];
  readonly tools_count: number;
  readonly startup_duration_ms: number;
  /** The tools it offered; `null` on an event stored as v1, which did not record them. */
  readonly tools: readonly Tool[] | null;
}

/** `McpServerStopped`: the server's connection ended. */
export interface McpServerStoppedData {
  /** `user_request`, `idle`, `config_updated`, `config_reloaded`, `deregistered`, `shutdown`, `crashed`, … */
  readonly reason: string;
  /** What was lost, when `reason` is `crashed`. */
  readonly error_message?: string;
}

/** `McpServerDegraded`: too many consecutive failures; starts wait for the backoff. */
export interface McpServerDegradedData {
  readonly reason: 'health_check' | 'start_failed';
  readonly consecutive_failures: number;
}

/** `McpServerIdleDetected`: the server was unused for its `idle_ttl_s` and is being stopped. */
export interface McpServerIdleDetectedData {
  readonly idle_s: number;
}

/** `HealthCheckPassed`. */
export interface HealthCheckPassedData {
  readonly duration_ms: number;
}

/** `HealthCheckFailed`. */
export interface HealthCheckFailedData {
  readonly consecutive_failures: number;
  readonly error_message: string;
}

/** `ToolInvocationRequested`: a call passed the checks and goes upstream. */
export interface ToolInvocationRequestedData {
  readonly tool: string;
  readonly correlation_id: string;
  readonly arguments_size_bytes: number;
}

/** `ToolInvocationCompleted`: the upstream answered (a tool result with `isError` included). */
export interface ToolInvocationCompletedData {
  readonly tool: string;
  readonly correlation_id: string;
  readonly result_size_bytes: number;
  /** Present when the result had `isError: true`. */
  readonly is_error?: true;
  readonly duration_ms: number;
}

/** `ToolInvocationFailed`: the call threw (validation, timeout, upstream error, cancellation, …). */
export interface ToolInvocationFailedData {
  readonly tool: string;
  readonly correlation_id: string;
  /** The error's class name, e.g. `UpstreamTimeoutError`. */
  readonly error_type: string;
  readonly error_message: string;
  readonly duration_ms: number;
}

/** `ConfigurationReloaded` (stream `config`): what a config reload did, as `POST /api/config/reload` answers. */
export type ConfigurationReloadedData = ReloadResult;

/** Each event type the kernel publishes, with its payload. */
export interface KernelEventDataMap {
  McpServerRegistered: McpServerRegisteredData;
  McpServerUpdated: McpServerUpdatedData;
  McpServerDeregistered: McpServerDeregisteredData;
  McpServerStateChanged: McpServerStateChangedData;
  McpServerStarted: McpServerStartedData;
  McpServerStopped: McpServerStoppedData;
  McpServerDegraded: McpServerDegradedData;
  McpServerIdleDetected: McpServerIdleDetectedData;
  HealthCheckPassed: HealthCheckPassedData;
  HealthCheckFailed: HealthCheckFailedData;
  ToolInvocationRequested: ToolInvocationRequestedData;
  ToolInvocationCompleted: ToolInvocationCompletedData;
  ToolInvocationFailed: ToolInvocationFailedData;
  ConfigurationReloaded: ConfigurationReloadedData;
}

/** The name of an event the kernel publishes. */
export type KernelEventType = keyof KernelEventDataMap;

/** Events about the whole Hangar rather than one server carry no `mcp_server_id`. */
type UnscopedEventType = 'ConfigurationReloaded';

/** One member of the union: the `DomainEvent` of type `T`, its typed `data`, and the server it is about. */
type KernelEventMember<T extends KernelEventType> = DomainEvent & {
  readonly event_type: T;
  readonly data: KernelEventDataMap[T];
} & (T extends UnscopedEventType ? unknown : { readonly mcp_server_id: string });

/** Every event the kernel publishes, discriminated on `event_type`. */
export type KernelEvent = { [T in KernelEventType]: KernelEventMember<T> }[KernelEventType];

/** The kernel's events of type(s) `T`, e.g. `KernelEventOf<'ToolInvocationCompleted' | 'ToolInvocationFailed'>`. */
export type KernelEventOf<T extends KernelEventType> = Extract<KernelEvent, { readonly event_type: T }>;

// A record, so the compiler refuses a type missing here or one that is not in the map.
const TYPES: Readonly<Record<KernelEventType, true>> = {
  McpServerRegistered: true,
  McpServerUpdated: true,
  McpServerDeregistered: true,
  McpServerStateChanged: true,
  McpServerStarted: true,
  McpServerStopped: true,
  McpServerDegraded: true,
  McpServerIdleDetected: true,
  HealthCheckPassed: true,
  HealthCheckFailed: true,
  ToolInvocationRequested: true,
  ToolInvocationCompleted: true,
  ToolInvocationFailed: true,
  ConfigurationReloaded: true,
};

/** Every `KernelEventType`, for filters and subscriptions. */
export const KERNEL_EVENT_TYPES: readonly KernelEventType[] = Object.freeze(Object.keys(TYPES) as KernelEventType[]);

/**
 * Narrows an event (as a sink or the history gives it) to the kernel's event of `type`, or, with no
 * `type`, to any kernel event (then `switch (event.event_type)` narrows further). It checks the name
 * only: the payload is trusted to be the kernel's, so a plugin must not publish its own events under
 * these names. What the event already had stays (a sink's `global_position`, the history's `stream_id`).
 *
 * @example
 * ```ts
 * if (isKernelEvent(event, 'ToolInvocationCompleted')) histogram.observe(event.data.duration_ms);
 * ```
 */
export function isKernelEvent<E extends DomainEvent>(event: E): event is E & KernelEvent;
export function isKernelEvent<E extends DomainEvent, T extends KernelEventType>(event: E, type: T): event is E & KernelEventOf<T>;
export function isKernelEvent(event: DomainEvent, type?: KernelEventType): boolean {
  return type === undefined ? Object.hasOwn(TYPES, event.event_type) : event.event_type === type;
}
