import { JSONRPCMessageSchema, LATEST_PROTOCOL_VERSION, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import test from 'ava';
import { isInitializeBody, isPlainRequestOrNotification, parseMessages } from './streamableHttpRules.js';

const request = (method: string, id: unknown = 1, params: unknown = {}) => ({ jsonrpc: '2.0', id, method, params });

/** Messages of every shape, plain and odd; the SDK schema is the judge of each. */
const samples: unknown[] = [
  request('tools/call', 1, { name: 'echo', arguments: { text: 'x' } }),
  request('tools/call', 'abc', { name: 'echo', _meta: { progressToken: 'p' } }),
  request('tools/call', 7, { name: 'echo', _meta: { progressToken: 3, other: true } }),
  request('tools/list', 2),
  { jsonrpc: '2.0', id: 3, method: 'ping' },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'x' } },
  { jsonrpc: '2.0', id: 4, result: {} },
  { jsonrpc: '2.0', id: 5, error: { code: -1, message: 'no' } },
  request('tools/call', 1.5),
  request('tools/call', null),
  request('tools/call', 2 ** 60),
  request('tools/call', true),
  request('tools/call', 1, null),
  request('tools/call', 1, []),
  request('tools/call', 1, 'x'),
  request('tools/call', 1, { _meta: null }),
  request('tools/call', 1, { _meta: [] }),
  request('tools/call', 1, { _meta: { progressToken: 1.5 } }),
  request('tools/call', 1, { _meta: { progressToken: null } }),
  request('tools/call', 1, { _meta: { progressToken: {} } }),
  request('tools/call', 1, { _meta: { [RELATED_TASK_META_KEY]: { taskId: 't' } } }),
  request('tools/call', 1, { _meta: { [RELATED_TASK_META_KEY]: 'bad' } }),
  { jsonrpc: '2.0', id: 1, method: 'x', extra: 1 },
  { jsonrpc: '1.0', id: 1, method: 'x' },
  { jsonrpc: '2.0', id: 1, method: 5 },
  { jsonrpc: '2.0', id: 1 },
  { jsonrpc: '2.0', method: 'notifications/x', params: { a: 1 } },
  { jsonrpc: '2.0', method: 'notifications/x', params: 1 },
  { hello: 'world' },
  null,
  'text',
  7,
  [],
];

test('a message passes the plain check only if the SDK schema accepts it, unchanged', (t) => {
  let plain = 0;
  for (const sample of samples) {
    if (!isPlainRequestOrNotification(sample)) continue;
    plain += 1;
    const parsed = JSONRPCMessageSchema.safeParse(sample);
    t.true(parsed.success, JSON.stringify(sample));
    t.deepEqual(parsed.data, sample, JSON.stringify(sample));
  }
  t.true(plain >= 6, 'the common shapes take the plain path');
});

test('parseMessages gives the verdict of the SDK schema, plain path or not', (t) => {
  for (const sample of samples) {
    const valid = (message: unknown) => JSONRPCMessageSchema.safeParse(message).success;
    const verdict = Array.isArray(sample) ? sample.every(valid) : valid(sample);
    const parsed = parseMessages(sample);
    t.is(Array.isArray(parsed), verdict, JSON.stringify(sample));
  }
  t.like(parseMessages(samples.slice(0, 3)), [{ id: 1 }, { id: 'abc' }, { id: 7 }]);
  t.like(parseMessages([samples[0], { bad: true }]), { status: 400, code: -32700 });
  t.like(parseMessages(Array.from({ length: 101 }, () => samples[0])), { status: 400, code: -32600 });
});

test('initialize bodies are recognised, alone or in a batch', (t) => {
  const init = {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  };
  t.true(isInitializeBody(init));
  t.true(isInitializeBody([init]));
  t.false(isInitializeBody(request('tools/list')));
  t.false(isInitializeBody({ ...init, params: {} }), 'named initialize but not one');
  t.false(isInitializeBody(undefined));
});
