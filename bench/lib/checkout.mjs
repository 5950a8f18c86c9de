// Another commit of Hangar, built in a temp dir, so compare.mjs can measure it against this
// checkout in the same run. The commit's files come from `git archive` (the repository's own
// worktree and index are untouched); its node_modules is this checkout's (a symlink), and only
// core is compiled: the bench runs the kernel alone.
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './servers.mjs';
import { makeTempDir, removeTempDir } from './tempDirs.mjs';

/**
 * Extracts and builds `rev` (any git revision). Returns `{commit, dir, cli, remove()}`: the full
 * commit id, the checkout's root, its compiled CLI, and the cleanup (the temp dir is removed at exit
 * anyway).
 */
export function buildCheckout(rev) {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = makeTempDir('hangar-bench-checkout-');
  const archive = execFileSync('git', ['archive', '--format=tar', commit], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-b', 'core'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const cli = path.join(dir, 'core', 'dist', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`building ${commit} produced no ${path.relative(dir, cli)}`);
  return { commit, dir, cli, remove: () => removeTempDir(dir) };
}
