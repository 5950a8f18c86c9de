import test from 'ava';
import { z } from 'zod';
import {
  defineMetaTool,
  definePlugin,
  errorResult,
  jsonResult,
  NotFoundError,
  registryToolsExtensionPoint,
  type RegistryToolCaller,
} from '@hangar/core';
import { collectProgress, connectClient, jsonOf, startEchoHangar, textOf } from './helpers.js';

/** What the contributed tools saw of their caller, by call. */
const callers: RegistryToolCaller[] = [];

const toolsPlugin = definePlugin({
  id: 'meta-tools-fixture',
  coreRange: '*',
  register(env) {
    // Same name as a kernel tool: the plugin's replaces it.
    env.provide(
      registryToolsExtensionPoint,
      defineMetaTool({
        name: 'registry_discover',
        description: 'The fixture plugin scans, in place of the kernel.',
        schema: z.object({ mcp_server: z.string().optional() }),
        run: (args, caller) => {
          callers.push(caller);
          caller.progress?.({ progress: 1, total: 1, message: 'scanned' });
          return Promise.resolve({ scanned_by: 'fixture', args });
        },
      }),
    );
    env.provide(
      registryToolsExtensionPoint,
      defineMetaTool({
        name: 'fixture_buggy',
        description: 'Throws a TypeError (a bug).',
        schema: z.object({}),
        run: () => Promise.reject(new TypeError('cannot read properties of undefined')),
      }),
    );
    env.provide(
      registryToolsExtensionPoint,
      defineMetaTool({
        name: 'fixture_refuses',
        description: 'Throws a HangarError (an answer).',
        schema: z.object({}),
        run: () => Promise.reject(new NotFoundError('nothing here')),
      }),
    );
    // A hand-written tool answering with the kit's result helpers.
    env.provide(registryToolsExtensionPoint, {
      name: 'fixture_plain',
      description: 'Answers JSON, or an error result when asked.',
      inputSchema: { type: 'object', properties: { fail: { type: 'boolean' } } },
      call: (args) =>
        Promise.resolve(args.fail === true ? errorResult(new NotFoundError('asked to fail')) : jsonResult({ plain: true })),
    });
    env.init({ run: () => undefined });
  },
});

test.serial('a contributed tool replaces the kernel tool of its name and gets the same caller', async (t) => {
  const { url, records } = await startEchoHangar(t, undefined, { extraPlugins: [{ definition: toolsPlugin }] });
  const client = await connectClient(t, url);
  const progress = collectProgress(client);
  const { tools } = await client.listTools();
  t.is(tools.filter((tool) => tool.name === 'registry_discover').length, 1);
  t.is(tools.find((tool) => tool.name === 'registry_discover')?.description, 'The fixture plugin scans, in place of the kernel.');
  t.like(tools.find((tool) => tool.name === 'registry_discover')?.inputSchema, {
    type: 'object',
    properties: { mcp_server: { type: 'string' } },
  });

  // `provider` is folded into `mcp_server` as for the kernel's tools.
  const answer = await client.callTool({ name: 'registry_discover', arguments: { provider: 'echo' } }, undefined, {
    onprogress: () => undefined,
  });
  t.deepEqual(jsonOf(answer), { scanned_by: 'fixture', args: { mcp_server: 'echo' } });
  const caller = callers.at(-1)!;
  t.is(caller.principal.id, 'anonymous');
  t.false(caller.signal.aborted);
  t.is(typeof caller.progress, 'function');
  t.truthy(caller.peer);
  t.is(caller.sessionId, client.transport!.sessionId!);
  t.deepEqual(
    [...progress.values()].flat().map((update) => update.message),
    ['scanned'],
  );
  t.true(records.some((record) => String(record.msg).includes("meta tool 'registry_discover' is provided by a plugin")));
});

test.serial('a bug in a meta tool is logged with its stack, then answered as an InternalServerError result', async (t) => {
  const { url, records } = await startEchoHangar(t, undefined, { extraPlugins: [{ definition: toolsPlugin }] });
  const client = await connectClient(t, url);
  const buggy = await client.callTool({ name: 'fixture_buggy', arguments: {} });
  t.true(buggy.isError);
  t.deepEqual(jsonOf(buggy), { error: 'InternalServerError', message: 'Internal server error', status_code: 500 });
  const logged = records.find((record) => record.msg === "meta tool 'fixture_buggy' failed");
  t.truthy(logged);
  t.is(logged?.level, 50);
  t.regex(
    String((logged?.err as { stack?: string } | undefined)?.stack),
    /TypeError: cannot read properties of undefined\n\s+at /,
  );

  // A HangarError is an answer, not a bug: its name and message, nothing logged as an error.
  const refused = await client.callTool({ name: 'fixture_refuses', arguments: {} });
  t.true(refused.isError);
  t.deepEqual(jsonOf(refused), { error: 'NotFoundError', message: 'nothing here', status_code: 404 });
  t.false(records.some((record) => record.msg === "meta tool 'fixture_refuses' failed"));

  t.deepEqual(jsonOf(await client.callTool({ name: 'fixture_plain', arguments: {} })), { plain: true });
  const plainError = await client.callTool({ name: 'fixture_plain', arguments: { fail: true } });
  t.true(plainError.isError);
  t.regex(textOf(plainError), /"error":"NotFoundError"/);
});
