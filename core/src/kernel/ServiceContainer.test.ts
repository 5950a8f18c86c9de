import test from 'ava';
import { serviceRef } from './refs.js';
import { ServiceContainer } from './ServiceContainer.js';

const greeting = serviceRef<string>('test.greeting');
const caller = serviceRef<string>('test.caller');

test('a scope sees the singletons of its parent and keeps its own values to itself', (t) => {
  const root = ServiceContainer.create();
  root.register(greeting, 'hello');
  const alice = root.createScope();
  const bob = root.createScope();
  alice.register(caller, 'alice');
  bob.register(caller, 'bob');
  t.is(alice.resolve(greeting), 'hello');
  t.is(alice.resolve(caller), 'alice');
  t.is(bob.resolve(caller), 'bob');
  t.false(root.has(caller));
});

test('a scope cannot shadow a singleton of its parent', (t) => {
  const root = ServiceContainer.create();
  root.register(greeting, 'hello', 'greeter');
  const error = t.throws(() => root.createScope().register(greeting, 'hijacked', 'scope'));
  t.regex(error.message, /'test.greeting' is provided by both 'greeter' and 'scope'/);
});

test('resolving what nobody provides names the service', (t) => {
  const error = t.throws(() => ServiceContainer.create().resolve(caller));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_SERVICE_MISSING');
  t.regex(error.message, /no service provides 'test.caller'/);
});
