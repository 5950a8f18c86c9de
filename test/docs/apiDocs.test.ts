import path from 'node:path';
import test from 'ava';
import { KERNEL_EVENT_TYPES, type MountedRoute } from '@hangar/core';
import { ROOT } from '../helpers/cli.js';
import { startHangar } from '../helpers/hangar.js';
import { sectionRows, type TableRow } from './markdownTables.js';

// The route tables and the event catalogue are checked against the code, so they cannot go stale.
//
// Routes: Hangar boots in-process with the built-in plugins and the plugins of hangar.plugins.json,
// and `hangar.routes()` is the truth. The rule: a route of the kernel (plugin id `core` or
// `core-*`) is documented in docs/api.md under '## Routes'; a route of another plugin is documented
// in that plugin's plugins/<id>/README.md (a table whose first cell is `METHOD path`). Each
// documented route must exist, each served route must be documented exactly once, and the second
// cell must name its permission: `public`, or the action in backticks (and `on` the resource in
// backticks when it is not `global`). A row is written `METHOD path`: methods without the implied
// HEAD, one row per method, `WS` for a WebSocket route and `ALL` for a route that takes any method.

const API_DOC = 'docs/api.md';

/** The `METHOD path` keys a mounted route is documented under. */
function routeKeys(route: MountedRoute): string[] {
  if (route.name === 'websocket') return [`WS ${route.path}`];
  const methods = route.methods.filter((method) => method !== 'HEAD');
  if (methods.length > 8) return [`ALL ${route.path}`];
  return methods.map((method) => `${method} ${route.path}`);
}

/** The text the permission cell must contain. */
function permissionParts(route: MountedRoute): string[] {
  const { access } = route;
  if (access.kind === 'public') return ['`public`'];
  if (access.kind === 'undeclared') return ['undeclared'];
  return access.resource === 'global' ? [`\`${access.action}\``] : [`\`${access.action}\``, `on \`${access.resource}\``];
}

function isKernelPlugin(pluginId: string): boolean {
  return pluginId === 'core' || pluginId.startsWith('core-');
}

/** Compares one document's route rows with the routes it must document. */
function compareRoutes(file: string, rows: readonly TableRow[], routes: readonly MountedRoute[]): string[] {
  const problems: string[] = [];
  const expected = new Map<string, MountedRoute>();
  for (const route of routes) for (const key of routeKeys(route)) expected.set(key, route);
  const seen = new Set<string>();
  for (const row of rows) {
    const route = expected.get(row.key);
    if (route === undefined) {
      problems.push(`${file}:${row.line}: '${row.key}' is documented but not served`);
      continue;
    }
    if (seen.has(row.key)) problems.push(`${file}:${row.line}: '${row.key}' is documented twice`);
    seen.add(row.key);
    const cell = row.cells[1] ?? '';
    for (const part of permissionParts(route)) {
      if (!cell.includes(part)) problems.push(`${file}:${row.line}: '${row.key}' permission cell lacks ${part} (has '${cell}')`);
    }
  }
  for (const key of expected.keys()) if (!seen.has(key)) problems.push(`${file}: '${key}' is served but not documented`);
  return problems;
}

test('docs/api.md documents every kernel route, plugin READMEs their plugin routes, with their permissions', async (t) => {
  const { hangar } = await startHangar(t, { pluginsFile: path.join(ROOT, 'hangar.plugins.json') });
  const routes = hangar.routes();
  t.true(
    routes.some((route) => route.pluginId === 'dashboard'),
    'the dashboard plugin was loaded',
  );
  const byPlugin = new Map<string, MountedRoute[]>();
  for (const route of routes) {
    const doc = isKernelPlugin(route.pluginId) ? API_DOC : `plugins/${route.pluginId}/README.md`;
    byPlugin.set(doc, [...(byPlugin.get(doc) ?? []), route]);
  }
  const problems: string[] = [];
  for (const [doc, served] of byPlugin) {
    const rows = doc === API_DOC ? sectionRows(doc, 'Routes') : sectionRows(doc, 'How it works');
    problems.push(...compareRoutes(doc, rows, served));
  }
  t.deepEqual(problems, [], problems.join('\n'));
});

test('docs/api.md: the event catalogue is KERNEL_EVENT_TYPES', (t) => {
  const rows = sectionRows(API_DOC, 'Event catalogue');
  const documented = rows.map((row) => row.key);
  const missing = KERNEL_EVENT_TYPES.filter((type) => !documented.includes(type));
  const unknown = rows.filter((row) => !(KERNEL_EVENT_TYPES as readonly string[]).includes(row.key));
  t.deepEqual(missing, [], `${API_DOC} '## Event catalogue' lacks: ${missing.join(', ')}`);
  t.deepEqual(
    unknown.map((row) => `${row.key} (line ${row.line})`),
    [],
    `${API_DOC} '## Event catalogue' documents events the kernel does not publish`,
  );
  t.is(new Set(documented).size, documented.length, 'each event is documented once');
});
