import { readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { importsOf, kernelImportViolation, pluginImportViolation, read, ROOT, sourceFiles } from './importRules.js';

const MAX_LINES = 600;

/** Each plugin folder: the built-in ones and the examples. */
function pluginDirs(): string[] {
  const dirs: string[] = [];
  for (const parent of ['plugins', path.join('examples', 'plugins')]) {
    let names: string[];
    try {
      names = readdirSync(path.join(ROOT, parent));
    } catch {
      continue;
    }
    dirs.push(...names.map((name) => path.join(ROOT, parent, name)));
  }
  return dirs;
}

test('the kernel never imports a plugin', (t) => {
  const violations: string[] = [];
  const files = sourceFiles(path.join(ROOT, 'core', 'src'));
  t.true(files.length > 20, 'the kernel sources were found');
  for (const file of files) {
    for (const specifier of importsOf(read(file))) {
      const why = kernelImportViolation(file, specifier);
      if (why) violations.push(`${path.relative(ROOT, file)} ${why}`);
    }
  }
  t.deepEqual(violations, []);
});

test('a plugin imports only @hangar/core and its own files (its tests may use shared test helpers)', (t) => {
  const violations: string[] = [];
  const dirs = pluginDirs();
  t.true(dirs.length > 0, 'at least one plugin folder was found');
  for (const dir of dirs) {
    for (const file of sourceFiles(dir).filter((f) => !f.endsWith('.test.ts'))) {
      for (const specifier of importsOf(read(file))) {
        const why = pluginImportViolation(dir, file, specifier);
        if (why) violations.push(`${path.relative(ROOT, file)} ${why}`);
      }
    }
  }
  t.deepEqual(violations, []);
});

test(`no source file is longer than ${MAX_LINES} lines`, (t) => {
  const long = ['core', 'plugins', 'examples', 'test', 'bench']
    .flatMap((dir) => sourceFiles(path.join(ROOT, dir)))
    .map((file) => ({ file: path.relative(ROOT, file), lines: read(file).split('\n').length }))
    .filter(({ lines }) => lines > MAX_LINES);
  t.deepEqual(long, []);
});

test('the public entry uses named exports only (no export *)', (t) => {
  const entry = read(path.join(ROOT, 'core', 'src', 'index.ts'));
  t.false(/export\s*\*/.test(entry));
});

test('the rules catch what they forbid', (t) => {
  const pluginDir = path.join(ROOT, 'plugins', 'groups');
  const file = path.join(pluginDir, 'src', 'index.ts');
  t.truthy(pluginImportViolation(pluginDir, file, '../../auth-rbac/src/keys.js'));
  t.truthy(pluginImportViolation(pluginDir, file, '@hangar/core/dist/kernel/Kernel.js'));
  t.truthy(pluginImportViolation(pluginDir, file, '@hangar/plugin-auth-rbac'));
  t.is(pluginImportViolation(pluginDir, file, '@hangar/core'), undefined);
  t.is(pluginImportViolation(pluginDir, file, './CircuitBreaker.js'), undefined);
  const kernelFile = path.join(ROOT, 'core', 'src', 'Hangar.ts');
  t.truthy(kernelImportViolation(kernelFile, '../../plugins/groups/src/index.js'));
  t.truthy(kernelImportViolation(kernelFile, '@hangar/plugin-groups'));
  t.is(kernelImportViolation(kernelFile, './kernel/Kernel.js'), undefined);
  t.deepEqual(importsOf("import a from 'x'; export { b } from './y.js'; await import('z');"), ['x', './y.js', 'z']);
});
