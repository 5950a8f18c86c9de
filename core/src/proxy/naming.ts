/**
 * Reversible names of what the MCP face proxies (docs/mcp.md), in `tool_naming: namespaced` mode.
 *
 * - Tools and prompts: `<server>__<name>`. The split happens at the FIRST `__`: server ids match
 *   `^[a-zA-Z0-9_-]{1,64}$`, so an id may contain single underscores (`my_server__echo` is server
 *   `my_server`, tool `echo`) and the upstream name may contain `__` (`echo__a__b` is tool `a__b`),
 *   but an id that itself contains `__` cannot be addressed: its names split at its own `__`.
 * - Resource URIs and URI templates: `hangar://<server>/<original uri>`, the original kept verbatim
 *   (not percent-encoded), reversed by stripping the prefix. The prefix holds no template
 *   expression, so a namespaced template expands exactly like the original behind it.
 */

/** Separates the server id from the upstream tool or prompt name. */
export const NAME_SEPARATOR = '__';

/** The scheme of namespaced resource URIs. */
export const RESOURCE_SCHEME = 'hangar://';

/** An upstream name (or URI) and the server it belongs to. */
export interface QualifiedName {
  readonly serverId: string;
  readonly name: string;
}

/** `<server>__<name>`. */
export function namespacedName(serverId: string, name: string): string {
  return `${serverId}${NAME_SEPARATOR}${name}`;
}

/** Splits `<server>__<name>` at the first `__`; undefined when either side would be empty. */
export function splitNamespacedName(qualified: string): QualifiedName | undefined {
  const at = qualified.indexOf(NAME_SEPARATOR);
  if (at <= 0 || at + NAME_SEPARATOR.length >= qualified.length) return undefined;
  return { serverId: qualified.slice(0, at), name: qualified.slice(at + NAME_SEPARATOR.length) };
}

/** `hangar://<server>/<uri>` (also for URI templates). */
export function namespacedUri(serverId: string, uri: string): string {
  return `${RESOURCE_SCHEME}${serverId}/${uri}`;
}

/** Reverses `namespacedUri`; undefined for a URI that is not `hangar://<server>/<something>`. */
export function splitNamespacedUri(uri: string): QualifiedName | undefined {
  if (!uri.startsWith(RESOURCE_SCHEME)) return undefined;
  const rest = uri.slice(RESOURCE_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash + 1 >= rest.length) return undefined;
  return { serverId: rest.slice(0, slash), name: rest.slice(slash + 1) };
}
