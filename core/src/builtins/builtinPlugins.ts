import type { PluginDefinition } from '../kernel/definePlugin.js';
import { coreEventStreamPlugin } from './core-event-stream/index.js';
import { coreMcpPlugin } from './core-mcp/index.js';
import { coreOperationsPlugin } from './core-operations/index.js';
import { coreTransportsPlugin } from './core-transports/index.js';

/**
 * The kernel's own features, one folder per built-in plugin, each declared through the same
 * extension points and services third-party plugins use (the way Vite ships `vite:css`), with the
 * kernel API taken from the public entry. They load first, in this order, where their
 * dependencies allow (`core-mcp` reads points other plugins contribute to, so it may come later).
 */
export function builtinPlugins(): PluginDefinition<unknown>[] {
  return [coreTransportsPlugin(), coreEventStreamPlugin(), coreOperationsPlugin(), coreMcpPlugin()];
}
