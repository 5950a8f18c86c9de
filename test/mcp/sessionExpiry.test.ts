import test from 'ava';
import { ManualClock, mcpFaceRef } from '@hangar/core';
import { connectClient, startEchoHangar } from './helpers.js';
import { mcpHeaders, openRawSession } from './rawHttp.js';

const listTools = (url: string, sessionId: string) =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(sessionId),
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

test('a streamable HTTP session with no request for 30 minutes is closed; connected and active ones stay', async (t) => {
  const clock = new ManualClock();
  const { url, hangar } = await startEchoHangar(t, undefined, { clock });
  const face = hangar.container.resolve(mcpFaceRef);
  const vanished = await openRawSession(url); // a client that went away without DELETE
  const polling = await openRawSession(url); // no GET stream, but keeps calling
  const connected = await connectClient(t, url); // holds its GET stream open
  t.is(face.sessionCount, 3);

  await clock.advance(20 * 60_000);
  t.is((await listTools(url, polling)).status, 200);
  await clock.advance(11 * 60_000);
  t.is(face.sessionCount, 2);
  t.is((await listTools(url, vanished)).status, 404);
  t.is((await listTools(url, polling)).status, 200);
  await t.notThrowsAsync(connected.listTools());
});
