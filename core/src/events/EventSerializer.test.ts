import test from 'ava';
import { UpcastingError } from '../errors.js';
import type { Upcaster } from '../extensions/upcasters.js';
import { createEvent } from './DomainEvent.js';
import { EventSerializer } from './EventSerializer.js';
import type { StoredEvent } from './store/EventStore.js';
import { mcpServerStartedV1ToV2 } from './upcasters/mcpServerStartedV1ToV2.js';

function stored(event_type: string, data: Record<string, unknown>, metadata: Record<string, unknown> = {}): StoredEvent {
  return {
    global_position: 7,
    stream_id: 'mcp_server:math',
    stream_version: 3,
    event_type,
    data,
    metadata,
    created_at: '2026-01-01T00:00:00.000Z',
  };
}

// A three-version history of one event type: v1 {name}, v2 adds tags, v3 renames name → title.
const toV2: Upcaster = { eventType: 'Thing', fromVersion: 1, upcast: (data) => ({ ...data, tags: [] }) };
const toV3: Upcaster = {
  eventType: 'Thing',
  fromVersion: 2,
  upcast: ({ name, ...rest }) => ({ ...rest, title: name }),
};

test('every payload is written with the current _version, the envelope as metadata', (t) => {
  const serializer = new EventSerializer([toV2, toV3]);
  const event = createEvent('Thing', { name: 'a' }, { mcpServerId: 'math' });
  const written = serializer.serialize(event);
  t.deepEqual(written.data, { name: 'a', _version: 3 });
  t.deepEqual(written.metadata, { event_id: event.event_id, timestamp: event.timestamp, mcp_server_id: 'math' });
  t.is(serializer.serialize(createEvent('Other', {})).data._version, 1);
});

test('reading applies the chain one step at a time, from the stored version to the current one', (t) => {
  const calls: string[] = [];
  const spy = (upcaster: Upcaster): Upcaster => ({
    ...upcaster,
    upcast: (data) => {
      calls.push(`${upcaster.fromVersion}->${upcaster.fromVersion + 1}`);
      return upcaster.upcast(data);
    },
  });
  const serializer = new EventSerializer([spy(toV3), spy(toV2)]);
  const read = serializer.deserialize(stored('Thing', { _version: 1, name: 'a' }, { event_id: 'e1', timestamp: 'T' }));
  t.deepEqual(read.data, { tags: [], title: 'a' });
  t.deepEqual(calls, ['1->2', '2->3']);
  t.like(read, { event_id: 'e1', timestamp: 'T', global_position: 7, stream_version: 3, stream_id: 'mcp_server:math' });

  calls.length = 0;
  t.deepEqual(serializer.deserialize(stored('Thing', { _version: 2, name: 'b', tags: ['x'] })).data, {
    tags: ['x'],
    title: 'b',
  });
  t.deepEqual(calls, ['2->3']);
});

test('a payload without _version is v1', (t) => {
  const serializer = new EventSerializer([toV2]);
  t.deepEqual(serializer.deserialize(stored('Thing', { name: 'a' })).data, { name: 'a', tags: [] });
});

test('a missing step is UpcastingError: Missing upcaster ..., naming the type and versions', (t) => {
  const serializer = new EventSerializer([toV3]);
  const error = t.throws(() => serializer.deserialize(stored('Thing', { name: 'a' })), { instanceOf: UpcastingError });
  t.regex(error.message, /^Missing upcaster for Thing v1 -> v2/);
  t.is(error.name, 'UpcastingError');
});

test('unknown payload keys are carried along; a payload newer than this Hangar knows is read as it is', (t) => {
  const serializer = new EventSerializer([toV2]);
  t.deepEqual(serializer.deserialize(stored('Thing', { _version: 2, name: 'a', tags: [], added_later: 1 })).data, {
    name: 'a',
    tags: [],
    added_later: 1,
  });
  t.deepEqual(serializer.deserialize(stored('Thing', { _version: 5, whatever: true })).data, { whatever: true });
});

test('a stored event without envelope metadata still reads (position-based id, store time)', (t) => {
  const read = new EventSerializer().deserialize(stored('Other', { a: 1 }));
  t.is(read.event_id, 'position-7');
  t.is(read.timestamp, '2026-01-01T00:00:00.000Z');
  t.is(read.mcp_server_id, undefined);
});

test('McpServerStarted is at v2: a v1 event reads with tools null ("not recorded"), a v2 one keeps its list', (t) => {
  const serializer = new EventSerializer([mcpServerStartedV1ToV2]);
  t.is(serializer.currentVersion('McpServerStarted'), 2);
  const v1 = { mode: 'subprocess', tools_count: 3, startup_duration_ms: 50 };
  t.deepEqual(serializer.deserialize(stored('McpServerStarted', v1)).data, { ...v1, tools: null });
  t.deepEqual(serializer.deserialize(stored('McpServerStarted', { ...v1, _version: 1 })).data, { ...v1, tools: null });
  const tools = [{ name: 'add', inputSchema: { type: 'object' } }];
  const v2 = serializer.serialize(createEvent('McpServerStarted', { ...v1, tools_count: 1, tools }));
  t.is(v2.data._version, 2);
  t.deepEqual(serializer.deserialize(stored('McpServerStarted', { ...v2.data })).data.tools, tools);
});

test('without its upcaster a stored v1 McpServerStarted cannot be read: the chain is required', (t) => {
  const serializer = new EventSerializer([]);
  t.throws(() => serializer.deserialize(stored('McpServerStarted', { mode: 'subprocess' })), {
    instanceOf: UpcastingError,
    message: /Missing upcaster for McpServerStarted v1 -> v2/,
  });
});
