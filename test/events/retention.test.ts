import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { createEvent, SqliteEventStore, type EventBus } from '@hangar/core';
import { eventually } from '../mcp/helpers.js';
import { bootWithBus, connectEvents, subscribe, type Frame } from './wsHelpers.js';

// Retention as readers see it, on a real Hangar (SQLite store, HTTP host, `ws` clients): the prune
// runs from a second store on the same file, as another process sharing it would.

const INVOCATIONS = ['ToolInvocationRequested', 'ToolInvocationCompleted', 'ToolInvocationFailed'];

async function boot(t: ExecutionContext, config?: string) {
  const { url, records, bus, dataDir } = await bootWithBus(t, config);
  return { url, records, bus, file: path.join(dataDir, 'events.db') };
}

/** Ten tool invocations then one `Tick`, all for server `ticker`; pruned with a cutoff in the future. */
async function publishAndPrune(bus: EventBus, file: string) {
  const first = (await bus.lastPosition()) + 1;
  for (let index = 0; index < 10; index++) {
    await bus.append(createEvent(INVOCATIONS[index % 2]!, { tool: 'add', index }, { mcpServerId: 'ticker' }));
  }
  await bus.append(createEvent('Tick', {}, { mcpServerId: 'ticker' }));
  await bus.settled();
  const pruner = await SqliteEventStore.open(file);
  try {
    const result = await pruner.prune([{ eventTypes: INVOCATIONS, before: new Date(Date.now() + 60_000) }]);
    return { first, result };
  } finally {
    await pruner.close();
  }
}

test('GET /api/events below the pruned watermark says truncated and starts at the next kept event', async (t) => {
  const { url, bus, file } = await boot(t);
  const { first, result } = await publishAndPrune(bus, file);
  t.is(result.deleted, 10);
  t.is(result.pruned_through, first + 9);

  const truncated = (await (await fetch(`${url}/api/events?from_position=${first}`)).json()) as Frame;
  t.like(truncated, { truncated: true, pruned_through: first + 9, first_kept_position: first + 10 });
  const events = truncated.events as Frame[];
  t.deepEqual(
    events.map((event) => [event.global_position, event.event_type]),
    [[first + 10, 'Tick']],
  );

  const whole = (await (await fetch(`${url}/api/events?from_position=1`)).json()) as Frame;
  t.like(whole, { truncated: true, first_kept_position: first === 1 ? first + 10 : 1 });
  t.false((whole.events as Frame[]).some((event) => INVOCATIONS.includes(String(event.event_type))));

  const after = (await (await fetch(`${url}/api/events?from_position=${first + 10}`)).json()) as Frame;
  t.is(after.truncated, undefined);
  t.is((after.events as Frame[]).length, 1);
});

test('a /api/ws/events replay from a pruned position gets a truncated frame before the kept events', async (t) => {
  const { url, bus, file } = await boot(t);
  const { first } = await publishAndPrune(bus, file);
  const client = await connectEvents(t, url);
  await subscribe(client, { from_position: first });
  await client.waitFor((frames) => frames.some((frame) => frame.event_type === 'Tick'), 'the kept Tick');
  const replayed = client.frames.filter((frame) => frame.type !== 'subscribed');
  t.like(replayed[0], { type: 'truncated', from_position: first, pruned_through: first + 9, first_kept_position: first + 10 });
  t.like(replayed[1], { event_type: 'Tick', global_position: first + 10 });

  // Appends after the prune continue the stream and the positions.
  await bus.append(createEvent('Tick', {}, { mcpServerId: 'ticker' }));
  await client.waitFor((frames) => frames.filter((frame) => frame.event_type === 'Tick').length === 2, 'the live Tick');
  t.like(client.events().at(-1), { global_position: first + 11 });
  t.is(await bus.lastPosition(), first + 11);
});

test('a replay from a kept position gets no truncated frame', async (t) => {
  const { url, bus, file } = await boot(t);
  const { first } = await publishAndPrune(bus, file);
  const client = await connectEvents(t, url);
  await subscribe(client, { from_position: first + 10 });
  await client.waitFor((frames) => frames.some((frame) => frame.event_type === 'Tick'), 'the kept Tick');
  t.false(client.frames.some((frame) => frame.type === 'truncated'));
});

test('per-server tool history lists what is kept; the registry events stay', async (t) => {
  const config = ['mcp_servers:', '  ticker:', '    mode: subprocess', '    command: [node, never-started.mjs]', ''].join('\n');
  const { url, bus, file } = await boot(t, config);
  await publishAndPrune(bus, file);
  await bus.append(
    createEvent('ToolInvocationCompleted', { tool: 'add', correlation_id: 'kept', duration_ms: 1 }, { mcpServerId: 'ticker' }),
  );
  await bus.settled();
  const history = (await (await fetch(`${url}/api/mcp_servers/ticker/tools/history`)).json()) as Frame;
  t.like(history, { mcp_server_id: 'ticker', total: 1 });
  t.deepEqual(
    (history.history as Frame[]).map((record) => record.correlation_id),
    ['kept'],
  );
  const registered = (await (await fetch(`${url}/api/events?event_type=McpServerRegistered`)).json()) as Frame;
  t.is((registered.events as Frame[]).length, 1);
});

test('configured retention runs at boot and logs one line', async (t) => {
  const { records } = await boot(t, ['event_store:', '  retention:', '    tool_invocations: 30d', ''].join('\n'));
  const line = await eventually(
    () => records.find((record) => String(record.msg).startsWith('event store pruned')),
    'the pruning log line',
  );
  t.like(line, { deleted: 0, pruned_through: 0, component: 'retention' });
  t.regex(String(line.msg), /^event store pruned: 0 events deleted in \d+ ms$/);
});
