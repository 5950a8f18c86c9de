import test from 'ava';
import { ANONYMOUS, type AccessPolicy, type Principal } from '../extensions/auth.js';
import type { ToolAccessSubject } from '../extensions/auth.js';
import { toolAllowed } from './toolAccess.js';

function server(tool_access?: { allow_list?: string[]; deny_list?: string[] }): ToolAccessSubject {
  return { id: 'math', config: { tool_access } };
}

test('without tool_access and policies every tool is allowed', (t) => {
  t.true(toolAllowed(server(), 'add', ANONYMOUS, []));
  t.true(toolAllowed(server({}), 'add', ANONYMOUS, []));
  t.true(toolAllowed(server({ allow_list: [], deny_list: [] }), 'add', ANONYMOUS, []));
});

test('an allow_list lets only matching tools through, with * and ? globs', (t) => {
  const math = server({ allow_list: ['add', 'sub*', 'mul?'] });
  t.true(toolAllowed(math, 'add', ANONYMOUS, []));
  t.true(toolAllowed(math, 'subtract', ANONYMOUS, []));
  t.true(toolAllowed(math, 'sub', ANONYMOUS, []));
  t.true(toolAllowed(math, 'mul2', ANONYMOUS, []));
  t.false(toolAllowed(math, 'mul', ANONYMOUS, []), '? needs exactly one character');
  t.false(toolAllowed(math, 'mul23', ANONYMOUS, []));
  t.false(toolAllowed(math, 'add2', ANONYMOUS, []), 'globs are anchored');
  t.false(toolAllowed(math, 'xadd', ANONYMOUS, []));
});

test('deny wins over allow', (t) => {
  const math = server({ allow_list: ['*'], deny_list: ['delete_*'] });
  t.true(toolAllowed(math, 'add', ANONYMOUS, []));
  t.false(toolAllowed(math, 'delete_all', ANONYMOUS, []));
  t.false(toolAllowed(server({ allow_list: ['delete_all'], deny_list: ['delete_all'] }), 'delete_all', ANONYMOUS, []));
});

test('a deny_list alone hides only what it matches', (t) => {
  const math = server({ deny_list: ['rm'] });
  t.false(toolAllowed(math, 'rm', ANONYMOUS, []));
  t.true(toolAllowed(math, 'rmdir', ANONYMOUS, []));
});

test('regular expression characters in globs are literal', (t) => {
  const math = server({ allow_list: ['a.b', 'x+(y)', '[z]', 'p|q', 'back\\slash', '^$'] });
  t.true(toolAllowed(math, 'a.b', ANONYMOUS, []));
  t.false(toolAllowed(math, 'aXb', ANONYMOUS, []));
  t.true(toolAllowed(math, 'x+(y)', ANONYMOUS, []));
  t.false(toolAllowed(math, 'xx(y)', ANONYMOUS, []));
  t.true(toolAllowed(math, '[z]', ANONYMOUS, []));
  t.false(toolAllowed(math, 'z', ANONYMOUS, []));
  t.true(toolAllowed(math, 'p|q', ANONYMOUS, []));
  t.false(toolAllowed(math, 'p', ANONYMOUS, []));
  t.true(toolAllowed(math, 'back\\slash', ANONYMOUS, []));
  t.true(toolAllowed(math, '^$', ANONYMOUS, []));
});

test('* spans any character, newlines and non-ASCII included, and ? matches one code point', (t) => {
  t.false(toolAllowed(server({ deny_list: ['a*'] }), 'a\nb', ANONYMOUS, []));
  t.true(toolAllowed(server({ allow_list: ['t?l'] }), 't😀l', ANONYMOUS, []));
});

test('every policy must allow the tool; a policy without toolAllowed has no say', (t) => {
  const alice: Principal = { id: 'alice', type: 'user', roles: [] };
  const seen: [string, string, string][] = [];
  const noAdd: AccessPolicy = {
    name: 'no-add',
    check: () => 'abstain',
    toolAllowed: (principal, serverId, tool) => {
      seen.push([principal.id, serverId, tool]);
      return tool !== 'add';
    },
  };
  const silent: AccessPolicy = { name: 'silent', check: () => 'allow' };
  t.false(toolAllowed(server(), 'add', alice, [silent, noAdd]));
  t.true(toolAllowed(server(), 'sub', alice, [silent, noAdd]));
  t.deepEqual(seen, [
    ['alice', 'math', 'add'],
    ['alice', 'math', 'sub'],
  ]);
});

test('config denial is decided before policies are asked', (t) => {
  let asked = false;
  const policy: AccessPolicy = { name: 'p', check: () => 'allow', toolAllowed: () => (asked = true) };
  t.false(toolAllowed(server({ deny_list: ['add'] }), 'add', ANONYMOUS, [policy]));
  t.false(asked);
});

test('a changed config (a new tool_access object) is compiled afresh', (t) => {
  const subject = { id: 'math', config: { tool_access: { allow_list: ['add'] } } };
  t.false(toolAllowed(subject, 'sub', ANONYMOUS, []));
  subject.config = { tool_access: { allow_list: ['sub'] } };
  t.true(toolAllowed(subject, 'sub', ANONYMOUS, []));
  t.false(toolAllowed(subject, 'add', ANONYMOUS, []));
});
