import test from 'ava';
import { z } from 'zod';
import { createEvent } from '../events/DomainEvent.js';
import { eventFrame } from '../events/eventFrames.js';
import type { TransportFactory } from '../extensions/transports.js';
import { remoteTransport } from '../transports/remoteTransport.js';
import { subprocessTransport } from '../transports/subprocessTransport.js';
import { MASK, MASK_CHANGED, Redactor } from './redact.js';

const vault: TransportFactory = {
  mode: 'vault',
  configSchema: z.strictObject({ image: z.string(), password_file: z.string(), sealed: z.record(z.string(), z.string()) }),
  restartFields: [],
  secretFields: ['sealed'],
  open: () => Promise.reject(new Error('not used')),
};
const redactor = Redactor.for([subprocessTransport, remoteTransport, vault]);

test("a server's secrets are what its transport declares, plus key-named fields and URL passwords", (t) => {
  t.deepEqual(
    redactor.server({
      mode: 'remote',
      description: 'has a token: none',
      endpoint: 'https://u:pw@example.org/mcp',
      headers: { Authorization: 'Bearer x', 'X-Plain': 'also hidden' },
    }),
    {
      mode: 'remote',
      description: 'has a token: none',
      endpoint: `https://u:${MASK}@example.org/mcp`,
      headers: { Authorization: MASK, 'X-Plain': MASK },
    },
  );
  t.deepEqual(redactor.server({ mode: 'vault', image: 'v:1', password_file: '/run/pw', sealed: { a: '1' } }), {
    mode: 'vault',
    image: 'v:1',
    password_file: MASK,
    sealed: { a: MASK },
  });
});

test("the common fields are the kernel's and never masked, even when a tool schema names a key", (t) => {
  const tools = [{ name: 'login', inputSchema: { properties: { api_key: { type: 'string' } } } }];
  t.deepEqual(redactor.server({ mode: 'subprocess', command: ['x'], tools }).tools, tools);
});

test("an unknown mode fails closed; a patch without mode masks every transport's secret fields", (t) => {
  t.deepEqual(redactor.server({ mode: 'gone', image: 'i', idle_ttl_s: 5, opts: { n: 1, on: true } }), {
    mode: 'gone',
    image: MASK,
    idle_ttl_s: 5,
    opts: { n: MASK, on: true },
  });
  t.deepEqual(redactor.server({ env: { A: '1' }, headers: { B: '2' }, image: 'i' }), {
    env: { A: MASK },
    headers: { B: MASK },
    image: 'i',
  });
});

test('with a reference, a changed secret shows as changed', (t) => {
  const masked = redactor.document(
    { mcp_servers: { s: { mode: 'subprocess', env: { A: 'new', B: 'same' } } }, vault: { token: 't2' } },
    { mcp_servers: { s: { mode: 'subprocess', env: { A: 'old', B: 'same' } } }, vault: { token: 't1' } },
  );
  t.deepEqual(masked, {
    mcp_servers: { s: { mode: 'subprocess', env: { A: MASK_CHANGED, B: MASK } } },
    vault: { token: MASK_CHANGED },
  });
});

test("events: only those carrying a config are copied; a patch is redacted by its config's mode", (t) => {
  const tick = createEvent('Tick', { n: 1 });
  t.is(redactor.event(tick), tick);
  const updated = createEvent('McpServerUpdated', {
    patch: { sealed: { k: 'v' } },
    config: { mode: 'vault', image: 'i', password_file: 'p', sealed: { k: 'v' } },
  });
  const out = redactor.event(updated);
  t.deepEqual(out.data.patch, { sealed: { k: MASK } });
  t.is(updated.data.patch && (updated.data.patch as { sealed: { k: string } }).sealed.k, 'v', 'the original is untouched');
  t.true(Redactor.isRedacted(out));
  t.false(Redactor.isRedacted(updated));
});

test('eventFrame masks every mode field of an event that did not come through a redacting path', (t) => {
  const raw = createEvent('McpServerRegistered', { config: { mode: 'subprocess', command: ['node'], env: { A: 's' } } });
  t.like(eventFrame(raw), { config: { mode: 'subprocess', command: [MASK], env: { A: MASK } } });
  t.like(eventFrame(redactor.event(raw)), { config: { command: ['node'], env: { A: MASK } } });
});
