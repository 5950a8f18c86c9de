import type { AccessPolicy, Principal, ToolAccessSubject } from '../extensions/auth.js';

type ToolAccess = NonNullable<ToolAccessSubject['config']['tool_access']>;

interface CompiledAccess {
  /** Undefined means "everything is allowed" (an empty or absent allow_list). */
  readonly allow: RegExp | undefined;
  readonly deny: RegExp | undefined;
}

// Keyed by the config's `tool_access` object: a server's config is replaced (not mutated) on update,
// so a new object means new globs and the stale entry is collected with the old config.
const compiled = new WeakMap<ToolAccess, CompiledAccess>();

/**
 * Whether `principal` may see and call `tool` (the upstream name) of `server`: the server's config
 * `tool_access` must let it through (globs with `*` and `?`; deny wins; an empty or absent
 * allow_list allows all) and no access policy may refuse it. Policies without `toolAllowed` have no
 * say. Globs are compiled once per config object.
 */
export function toolAllowed(
  server: ToolAccessSubject,
  tool: string,
  principal: Principal,
  policies: readonly AccessPolicy[],
): boolean {
  const access = server.config.tool_access;
  if (access !== undefined) {
    const { allow, deny } = compile(access);
    if (deny?.test(tool)) return false;
    if (allow !== undefined && !allow.test(tool)) return false;
  }
  return policies.every((policy) => policy.toolAllowed?.(principal, server.id, tool) !== false);
}

function compile(access: ToolAccess): CompiledAccess {
  let entry = compiled.get(access);
  if (entry === undefined) {
    entry = { allow: globsToRegExp(access.allow_list), deny: globsToRegExp(access.deny_list) };
    compiled.set(access, entry);
  }
  return entry;
}

/**
 * Tool-name globs (`*` any run of characters, `?` one character, everything else literal) as one
 * anchored pattern, or undefined for none. The one glob dialect of Hangar: `tool_access`, and any
 * plugin matching tool names (deny lists, rate-limit scopes) uses it too.
 */
export function globsToRegExp(globs: readonly string[] | undefined): RegExp | undefined {
  if (globs === undefined || globs.length === 0) return undefined;
  const alternatives = globs.map((glob) =>
    Array.from(glob, (char) => {
      if (char === '*') return '.*';
      if (char === '?') return '.';
      return char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }).join(''),
  );
  // `s`: `*` spans newlines too (a tool name is opaque); `u`: `?` matches one code point, not half of one.
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'su');
}
