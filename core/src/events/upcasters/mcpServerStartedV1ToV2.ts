import type { Upcaster } from '../../extensions/upcasters.js';

/**
 * `McpServerStarted` v1 → v2. v2 adds `tools`, the list the server offered when it started, which
 * a restarted Hangar lists for the server while it is cold. A v1 event never recorded the list:
 * it becomes `tools: null` ("not recorded"), never an empty list, which would claim the server
 * had no tools.
 */
export const mcpServerStartedV1ToV2: Upcaster = {
  eventType: 'McpServerStarted',
  fromVersion: 1,
  upcast: (data) => ({ ...data, tools: null }),
};
