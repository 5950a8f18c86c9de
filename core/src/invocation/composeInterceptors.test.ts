import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import test from 'ava';
import { AccessDeniedError } from '../errors.js';
import type { InvocationContext, InvocationInterceptor } from '../extensions/invocation.js';
import { composeInterceptors, type InvocationStep } from './composeInterceptors.js';

const ctx = {} as InvocationContext;
const answer = (text: string): CallToolResult => ({ content: [{ type: 'text', text }] });

function recording(name: string, order: number, trail: string[]): InvocationInterceptor {
  return {
    name,
    order,
    intercept: async (_ctx, next) => {
      trail.push(`>${name}`);
      const result = await next();
      trail.push(`<${name}`);
      return result;
    },
  };
}

test('with no interceptors the final step itself is the chain', (t) => {
  const final: InvocationStep = () => Promise.resolve(answer('x'));
  t.is(composeInterceptors([], final), final);
});

test('interceptors run outermost first by order; equal orders keep their given order', async (t) => {
  const trail: string[] = [];
  const chain = composeInterceptors(
    [recording('c', 300, trail), recording('a1', 100, trail), recording('b', 200, trail), recording('a2', 100, trail)],
    () => {
      trail.push('call');
      return Promise.resolve(answer('ok'));
    },
  );
  t.deepEqual(await chain(ctx), answer('ok'));
  t.deepEqual(trail, ['>a1', '>a2', '>b', '>c', 'call', '<c', '<b', '<a2', '<a1']);
});

test('next may be called again to retry: the inner chain runs once per call of next', async (t) => {
  let attempts = 0;
  const inner: string[] = [];
  const retry: InvocationInterceptor = {
    name: 'retry',
    order: 100,
    intercept: async (_ctx, next) => {
      try {
        return await next();
      } catch {
        return next();
      }
    },
  };
  const chain = composeInterceptors([retry, recording('inner', 200, inner)], () => {
    attempts++;
    return attempts === 1 ? Promise.reject(new Error('first fails')) : Promise.resolve(answer(`attempt ${attempts}`));
  });
  t.deepEqual(await chain(ctx), answer('attempt 2'));
  t.is(attempts, 2);
  t.deepEqual(inner, ['>inner', '>inner', '<inner']);
});

test('a refusal stops the chain and rejects with the typed error; a synchronous throw rejects too', async (t) => {
  let called = false;
  const final: InvocationStep = () => {
    called = true;
    return Promise.resolve(answer('no'));
  };
  const refuse: InvocationInterceptor = {
    name: 'refuse',
    order: 100,
    intercept: () => Promise.reject(new AccessDeniedError('no')),
  };
  await t.throwsAsync(composeInterceptors([refuse], final)(ctx), { instanceOf: AccessDeniedError });
  const throwsNow: InvocationInterceptor = {
    name: 'sync',
    order: 100,
    intercept: () => {
      throw new AccessDeniedError('at once');
    },
  };
  const outer: InvocationInterceptor = {
    name: 'outer',
    order: 50,
    intercept: (_ctx, next) => next().catch(() => answer('caught')),
  };
  t.deepEqual(await composeInterceptors([throwsNow, outer], final)(ctx), answer('caught'));
  t.false(called);
});
