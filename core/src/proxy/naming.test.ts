import test from 'ava';
import { namespacedName, namespacedUri, splitNamespacedName, splitNamespacedUri } from './naming.js';

test('tool names split at the first double underscore', (t) => {
  t.deepEqual(splitNamespacedName('math__add'), { serverId: 'math', name: 'add' });
  t.deepEqual(
    splitNamespacedName('my_server__echo'),
    { serverId: 'my_server', name: 'echo' },
    'single underscores stay in the id',
  );
  t.deepEqual(splitNamespacedName('echo__a__b'), { serverId: 'echo', name: 'a__b' }, 'the upstream name may hold __');
  t.deepEqual(splitNamespacedName('a___b'), { serverId: 'a', name: '_b' });
});

test('names without a server or a tool part do not split', (t) => {
  for (const name of ['echo', '__echo', 'echo__', '']) t.is(splitNamespacedName(name), undefined, name);
});

test('namespacing a name and splitting it again gives back the parts', (t) => {
  for (const [id, tool] of [
    ['math', 'add'],
    ['my-srv_1', 'do_it'],
    ['x', 'a__b'],
  ] as const) {
    t.deepEqual(splitNamespacedName(namespacedName(id, tool)), { serverId: id, name: tool });
  }
});

test('resource URIs are hangar://<server>/<original>, kept verbatim and reversible', (t) => {
  const uris = ['echo://static', 'file:///tmp/a b.txt', 'https://x.example/p?q=1#f', 'echo://item/{id}'];
  for (const uri of uris) {
    const exposed = namespacedUri('echo', uri);
    t.true(exposed.startsWith('hangar://echo/'));
    t.true(exposed.endsWith(uri));
    t.deepEqual(splitNamespacedUri(exposed), { serverId: 'echo', name: uri });
  }
});

test('URIs that are not hangar://<server>/<something> do not split', (t) => {
  for (const uri of ['echo://static', 'hangar://', 'hangar://echo', 'hangar://echo/', 'hangar:///x']) {
    t.is(splitNamespacedUri(uri), undefined, uri);
  }
});
