import test from 'ava';
import { nodeSpawner, type ProcessSpawner } from '@hangar/core';
import { connectClient, echoServerYaml, startEchoHangar, textOf } from './helpers.js';

test('20 concurrent first calls through /mcp to a cold server spawn it once, even for a tool only the real list has', async (t) => {
  const spawns: string[] = [];
  const spawner: ProcessSpawner = (file, args, options) => {
    spawns.push(file);
    return nodeSpawner(file, args, options);
  };
  const { url } = await startEchoHangar(t, `mcp_servers:\n${echoServerYaml('echo')}\n`, { spawner });
  const client = await connectClient(t, url);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? client.callTool({ name: 'echo__echo', arguments: { text: `call ${i}` } })
        : // not predefined: the invoker must join the start in progress, not call it unknown
          client.callTool({ name: 'echo__progress_burst', arguments: { count: 1 } }),
    ),
  );
  t.is(spawns.length, 1);
  t.true(results.every((result) => result.isError !== true));
  t.is(textOf(results[0]), 'call 0');
  const detail = (await (await fetch(`${url}/api/mcp_servers/echo`)).json()) as { state: string };
  t.is(detail.state, 'ready');
});
