import type { KernelEventType } from '../hangarEvents.js';

/**
 * The event classes `event_store.retention` may limit, and the event types each covers. Anything
 * not listed is kept forever: the registry rebuild reads `McpServerRegistered`/`Updated`/
 * `Deregistered`, `ConfigurationReloaded` and the newest `McpServerStarted` of each server, and
 * group, auth and discovery events are the history of their own state.
 *
 * Operations are not here: they live in memory (`OperationRegistry`, bounded by
 * `operations.max_kept`), nothing of them is stored.
 */
export const RETENTION_CLASSES = {
  tool_invocations: ['ToolInvocationRequested', 'ToolInvocationCompleted', 'ToolInvocationFailed'],
  health_checks: ['HealthCheckPassed', 'HealthCheckFailed'],
} as const satisfies Readonly<Record<string, readonly KernelEventType[]>>;

/** A key of `event_store.retention`. */
export type RetentionClass = keyof typeof RETENTION_CLASSES;
