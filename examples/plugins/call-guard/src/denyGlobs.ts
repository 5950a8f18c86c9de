import { globsToRegExp } from '@hangar/core';

/**
 * Compiles `deny_tools` globs (the kernel's glob dialect, `globsToRegExp`: `*` any run, `?` one character)
 * into one test. Each glob is matched against the upstream tool name (`exit`)
 * and the qualified `<target>__<tool>` name (`echo__exit`), so `delete_*` denies a tool everywhere
 * and `fs__write_*` only through one target.
 */
export function denyGlobs(globs: readonly string[]): (target: string, tool: string) => boolean {
  const pattern = globsToRegExp(globs);
  if (pattern === undefined) return () => false;
  return (target, tool) => pattern.test(tool) || pattern.test(`${target}__${tool}`);
}
