/**
 * Compiles `deny_tools` globs (`*` any run of characters, `?` one character, everything else
 * literal) into one anchored test. Each glob is matched against the upstream tool name (`exit`)
 * and the qualified `<target>__<tool>` name (`echo__exit`), so `delete_*` denies a tool everywhere
 * and `fs__write_*` only through one target.
 */
export function denyGlobs(globs: readonly string[]): (target: string, tool: string) => boolean {
  if (globs.length === 0) return () => false;
  const alternatives = globs.map((glob) =>
    Array.from(glob, (char) => {
      if (char === '*') return '.*';
      if (char === '?') return '.';
      return char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }).join(''),
  );
  // `s`: `*` spans newlines too (a tool name is opaque); `u`: `?` is one code point.
  const pattern = new RegExp(`^(?:${alternatives.join('|')})$`, 'su');
  return (target, tool) => pattern.test(tool) || pattern.test(`${target}__${tool}`);
}
