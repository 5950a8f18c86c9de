import test from 'ava';
import { orderPlugins } from './orderPlugins.js';

test('plugins keep their listed order when nothing constrains them', (t) => {
  t.deepEqual(
    orderPlugins([{ id: 'a' }, { id: 'b' }, { id: 'c' }]).map((p) => p.id),
    ['a', 'b', 'c'],
  );
});

test('a plugin comes after every plugin it names in after', (t) => {
  const ordered = orderPlugins([{ id: 'api', after: ['auth', 'store'] }, { id: 'auth', after: ['store'] }, { id: 'store' }]);
  t.deepEqual(
    ordered.map((p) => p.id),
    ['store', 'auth', 'api'],
  );
});

test('a missing dependency names both plugins', (t) => {
  const error = t.throws(() => orderPlugins([{ id: 'api', after: ['auth'] }]));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_PLUGIN_DEPENDENCY_MISSING');
  t.regex(error.message, /'api' needs 'auth'/);
});

test('a cycle is reported with its path', (t) => {
  const error = t.throws(() =>
    orderPlugins([
      { id: 'a', after: ['b'] },
      { id: 'b', after: ['c'] },
      { id: 'c', after: ['a'] },
    ]),
  );
  t.is((error as { code?: string }).code, 'HANGAR_ERR_PLUGIN_CYCLE');
  t.regex(error.message, /a -> b -> c -> a/);
});

test('a plugin that depends on itself is a cycle', (t) => {
  const error = t.throws(() => orderPlugins([{ id: 'a', after: ['a'] }]));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_PLUGIN_CYCLE');
});

test('duplicate ids are refused', (t) => {
  const error = t.throws(() => orderPlugins([{ id: 'a' }, { id: 'a' }]));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_PLUGIN_DUPLICATE');
});
