/**
 * `@hangar/core` — the kernel's public entry, and the only module plugins import. Named exports
 * only; everything here is part of the plugin contract.
 */

// Plugin system
export { definePlugin } from './kernel/definePlugin.js';
export type { PluginDefinition, PluginEnv, PluginInit, PluginLifecycle } from './kernel/definePlugin.js';
export { serviceRef, extensionPoint } from './kernel/refs.js';
export { factory, isFactory } from './kernel/factory.js';
export type { Factory, FactoryDefinition, FactoryLifetime } from './kernel/factory.js';
export type { ServiceRef, ExtensionPoint, AnyRef, ResolvedDeps } from './kernel/refs.js';
export { ServiceContainer } from './kernel/ServiceContainer.js';
export { CORE_VERSION } from './kernel/coreVersion.js';
export type { KernelTimeouts } from './kernel/Kernel.js';

// Kernel services
export { loggerRef, configRef, clockRef, eventBusRef, runtimeRef } from './services/coreServices.js';
export type { HangarRuntime } from './services/coreServices.js';
export { systemClock } from './services/Clock.js';
export type { Clock, TimerHandle } from './services/Clock.js';
export { ManualClock } from './services/ManualClock.js';
export { processSpawnerRef, nodeSpawner } from './services/ProcessSpawner.js';
export type { ProcessSpawner } from './services/ProcessSpawner.js';
export { mcpFaceRef } from './services/mcpFaceRef.js';

// MCP servers, their lifecycle and invocation
export { McpServerRegistry, mcpServersRef } from './lifecycle/McpServerRegistry.js';
export type { RegistryChange, McpServerRegistryOptions } from './lifecycle/McpServerRegistry.js';
export { McpServer } from './lifecycle/McpServer.js';
export type { McpServerOrigin, StartResult, StopResult, UpstreamNotification } from './lifecycle/McpServerContext.js';
export type { McpServerListKind } from './lifecycle/ServerCatalog.js';
export { MCP_SERVER_STATES, TRANSITIONS, canTransition } from './lifecycle/McpServerState.js';
export type { McpServerState } from './lifecycle/McpServerState.js';
export type { McpServerHealth, HealthCheckEntry } from './lifecycle/HealthRecord.js';
export type { ServerLogEntry } from './lifecycle/LogRing.js';
export type { DownstreamPeer, UpstreamCallOptions, UpstreamProgress } from './lifecycle/DownstreamPeer.js';
export { backoffMs } from './lifecycle/backoff.js';
export { ToolInvoker, toolInvokerRef } from './invocation/ToolInvoker.js';
export type { ToolInvocationRequest, ToolInvocationOutcome, ToolInvokerOptions } from './invocation/ToolInvoker.js';
export { InvocationTargets } from './invocation/InvocationTargets.js';
export { ServerTarget } from './invocation/ServerTargets.js';
export { composeInterceptors } from './invocation/composeInterceptors.js';
export type { InvocationStep } from './invocation/composeInterceptors.js';
export { ConfigManager, configManagerRef } from './config/ConfigManager.js';
export { toolAllowed, globsToRegExp } from './invocation/toolAccess.js';

// Operations (one watched tool call each: /api/operations, /api/ws/operations)
export { OperationRegistry, operationsRef } from './operations/OperationRegistry.js';
export type { OperationListener, OperationCounts, OperationRegistryOptions } from './operations/OperationRegistry.js';
export { Operation, OPERATION_STATUSES } from './operations/Operation.js';
export type {
  OperationDescriptor,
  OperationEvent,
  OperationEventType,
  OperationStatus,
  OperationView,
} from './operations/Operation.js';

// Extension points
export { transportsExtensionPoint } from './extensions/transports.js';
export type { TransportFactory, TransportContext, UpstreamConnection, ServerLogLine } from './extensions/transports.js';
export { discoverySourcesExtensionPoint } from './extensions/discoverySources.js';
export type { DiscoverySource, DiscoverySourceFactory, DiscoveredServer } from './extensions/discoverySources.js';
export {
  authenticatorsExtensionPoint,
  policiesExtensionPoint,
  principalRef,
  authorizerRef,
  ANONYMOUS,
} from './extensions/auth.js';
export type {
  Authenticator,
  AuthRequest,
  AccessPolicy,
  AccessRequest,
  AccessDecision,
  Principal,
  Permission,
  Authorizer,
  ToolAccessSubject,
} from './extensions/auth.js';
export {
  invocationInterceptorsExtensionPoint,
  targetResolversExtensionPoint,
  INTERCEPTOR_ORDER,
} from './extensions/invocation.js';
export type {
  InvocationContext,
  InvocationDoor,
  InvocationInterceptor,
  InvocationNext,
  InvocationTarget,
  TargetResolver,
} from './extensions/invocation.js';
export { eventSinksExtensionPoint } from './extensions/eventSinks.js';
export type { EventSink } from './extensions/eventSinks.js';
export { upcastersExtensionPoint } from './extensions/upcasters.js';
export type { Upcaster } from './extensions/upcasters.js';
export { httpRoutesExtensionPoint } from './extensions/httpRoutes.js';
export type { HttpRoutes } from './extensions/httpRoutes.js';
export { requestHooksExtensionPoint } from './extensions/requestHooks.js';
export type { RequestHook, HttpRequestInfo, HttpResponseInfo } from './extensions/requestHooks.js';
export { wsRoutesExtensionPoint } from './extensions/wsRoutes.js';
export type { WsRoute, WsConnectionContext } from './extensions/wsRoutes.js';
export { registryToolsExtensionPoint } from './extensions/registryTools.js';
export type { RegistryTool, RegistryToolCaller } from './extensions/registryTools.js';
export { defineMetaTool } from './proxy/metaToolKit.js';
export type { MetaToolDefinition } from './proxy/metaToolKit.js';
export { jsonResult, errorResult } from './proxy/mcpErrors.js';
// Helpers for plugin routes and tools: strict request readers (422 naming the field) and the
// REST views of a server (summary, detail with secrets redacted, tool).
export { parseRequest } from './rest/parseRequest.js';
export { mcpServerViews } from './lifecycle/mcpServerViews.js';
export { configSectionsExtensionPoint, configSection } from './extensions/configSections.js';
export type { ConfigSection } from './extensions/configSections.js';

// Events
export { createEvent } from './events/DomainEvent.js';
export type { DomainEvent, PublishedEvent, EventMetadata } from './events/DomainEvent.js';
export { isKernelEvent, KERNEL_EVENT_TYPES } from './events/hangarEvents.js';
export type {
  KernelEvent,
  KernelEventOf,
  KernelEventType,
  KernelEventDataMap,
  McpServerRegisteredData,
  McpServerUpdatedData,
  McpServerDeregisteredData,
  McpServerStateChangedData,
  McpServerStartedData,
  McpServerStoppedData,
  McpServerDegradedData,
  McpServerIdleDetectedData,
  HealthCheckPassedData,
  HealthCheckFailedData,
  ToolInvocationRequestedData,
  ToolInvocationCompletedData,
  ToolInvocationFailedData,
  ConfigurationReloadedData,
} from './events/hangarEvents.js';
export { EventBus } from './events/EventBus.js';
export type { EventBusOptions, PublishOptions } from './events/EventBus.js';
export { EventSerializer, EVENT_VERSIONS } from './events/EventSerializer.js';
export type { HistoricEvent } from './events/EventSerializer.js';
export { eventFrame } from './events/eventFrames.js';
export { MemoryEventStore } from './events/store/MemoryEventStore.js';
export { SqliteEventStore } from './events/store/SqliteEventStore.js';
export type { SqliteEventStoreOptions } from './events/store/SqliteEventStore.js';
export { mcpServerStream, DEFAULT_READ_LIMIT } from './events/store/EventStore.js';
export type {
  EventStore,
  EventToAppend,
  StoredEvent,
  AppendResult,
  ExpectedVersion,
  ReadOptions,
  ReadFilter,
} from './events/store/EventStore.js';

// Config
export { loadConfig, validateConfig } from './config/loadConfig.js';
export type { LoadConfigOptions } from './config/loadConfig.js';
export { commonServerConfigSchema, COMMON_SERVER_FIELDS, ID_PATTERN, SHARED_KERNEL_SECTIONS } from './config/configSchema.js';
export type { HangarConfig, McpServerConfig } from './config/configSchema.js';
export { ServerConfigSchema, transportFields } from './config/ServerConfigSchema.js';
export type { ServerParseOptions, ServerParseResult } from './config/ServerConfigSchema.js';

// Secrets: one redactor for everything that leaves Hangar
export { Redactor, redactorRef, MASK, MASK_CHANGED } from './config/redact.js';

// HTTP
export type { HangarState } from './http/HttpHost.js';
export { permission } from './http/permission.js';
export type { PermissionResource, RouteDeclaration } from './http/permission.js';
export type { MountedRoute, RouteAccess } from './http/routeTable.js';
export { toErrorBody } from './http/errorMiddleware.js';
export type { ErrorBody } from './http/errorMiddleware.js';

// Errors
export {
  HangarError,
  isHangarError,
  PluginNotFoundError,
  PluginDependencyMissingError,
  PluginCycleError,
  PluginVersionMismatchError,
  PluginDuplicateError,
  PluginBadOptionsError,
  PluginInitFailedError,
  PluginStopFailedError,
  PluginTimeoutError,
  ConfigError,
  CliUsageError,
  InvalidJSONError,
  ValidationError,
  NotFoundError,
  MethodNotAllowedError,
  NotImplementedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ConflictError,
  AuthenticationError,
  AccessDeniedError,
  ServiceUnavailableError,
  InternalServerError,
  ExtensionConflictError,
  ServiceMissingError,
  McpServerNotFoundError,
  OperationNotFoundError,
  ToolNotFoundError,
  InvalidStateTransitionError,
  McpServerStartError,
  McpServerUnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
  CallCancelledError,
  ConcurrencyError,
  UpcastingError,
} from './errors.js';

// Booting
export { Hangar } from './Hangar.js';
export type { HangarOptions } from './Hangar.js';
export { createLogger } from './logging/createLogger.js';
export type { LoggerOptions } from './logging/createLogger.js';
