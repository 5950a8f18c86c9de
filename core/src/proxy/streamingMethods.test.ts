import test from 'ava';
import { answeredAsJson, isInitializeBody } from './streamingMethods.js';
import { parseSseMessages } from './webBridge.js';

const request = (method: string, id = 1) => ({ jsonrpc: '2.0', id, method, params: {} });

test('list-like requests are answered as JSON, calls, reads and prompts as SSE', (t) => {
  for (const method of [
    'initialize',
    'ping',
    'tools/list',
    'resources/list',
    'prompts/list',
    'logging/setLevel',
    'completion/complete',
  ]) {
    t.true(answeredAsJson(request(method)), method);
  }
  for (const method of ['tools/call', 'resources/read', 'prompts/get', 'some/new_method'])
    t.false(answeredAsJson(request(method)), method);
});

test('a batch is JSON only when every request in it is', (t) => {
  t.true(answeredAsJson([request('tools/list', 1), request('prompts/list', 2)]));
  t.false(answeredAsJson([request('tools/list', 1), request('tools/call', 2)]));
  t.false(answeredAsJson({ jsonrpc: '2.0', method: 'notifications/initialized' }), 'no request: not JSON (202)');
  t.false(answeredAsJson(undefined));
});

test('initialize bodies are recognised', (t) => {
  const init = {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  };
  t.true(isInitializeBody(init));
  t.false(isInitializeBody(request('tools/list')));
});

test('parseSseMessages reads message events, skipping comments and other events', (t) => {
  const text = [
    ': keepalive',
    '',
    'event: message',
    'data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}',
    '',
    'event: endpoint',
    'data: /messages?sessionId=x',
    '',
    'data: {"jsonrpc":"2.0","id":3,',
    'data: "result":{}}',
    '',
  ].join('\n');
  t.deepEqual(parseSseMessages(text), [
    { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } },
    { jsonrpc: '2.0', id: 3, result: {} },
  ]);
});
