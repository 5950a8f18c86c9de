import { PluginCycleError, PluginDependencyMissingError, PluginDuplicateError } from '../errors.js';

/** The part of a plugin the ordering needs. */
export interface Orderable {
  readonly id: string;
  readonly after?: readonly string[];
}

/**
 * Orders plugins so each comes after every plugin it names in `after`, keeping the listed order
 * wherever dependencies allow (a stable topological sort). Fails on duplicate ids, missing
 * dependencies and cycles, naming the plugins involved.
 */
export function orderPlugins<P extends Orderable>(plugins: readonly P[]): P[] {
  const byId = new Map<string, P>();
  for (const plugin of plugins) {
    if (byId.has(plugin.id)) throw new PluginDuplicateError(`plugin '${plugin.id}' is loaded twice`);
    byId.set(plugin.id, plugin);
  }
  for (const plugin of plugins) {
    for (const dep of plugin.after ?? []) {
      if (!byId.has(dep)) {
        throw new PluginDependencyMissingError(`plugin '${plugin.id}' needs '${dep}' (in "after"), which is not loaded`);
      }
    }
  }

  const ordered: P[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (plugin: P, trail: string[]): void => {
    const seen = state.get(plugin.id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(plugin.id)), plugin.id];
      throw new PluginCycleError(`plugins depend on each other in a cycle: ${cycle.join(' -> ')}`);
    }
    state.set(plugin.id, 'visiting');
    for (const dep of plugin.after ?? []) visit(byId.get(dep)!, [...trail, plugin.id]);
    state.set(plugin.id, 'done');
    ordered.push(plugin);
  };
  for (const plugin of plugins) visit(plugin, []);
  return ordered;
}
