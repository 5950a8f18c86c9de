import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { InvocationContext, InvocationInterceptor } from '../extensions/invocation.js';

/** One step of the invocation chain: an interceptor and everything after it, or the call itself. */
export type InvocationStep<C extends InvocationContext = InvocationContext> = (ctx: C) => Promise<CallToolResult>;

/**
 * Composes `interceptors` around `final`, Koa-style: sorted by `order` (lower is outer; ties keep
 * the given order, since `Array.prototype.sort` is stable), each called with the context and a
 * `next` that runs the rest of the chain.
 *
 * Unlike koa-compose, `next` may be called more than once: an interceptor retries by calling it
 * again after a failure (the final step then selects among the servers not yet in `ctx.exclude`).
 * That is why this is not koa-compose, which rejects a second call.
 *
 * With no interceptors, `final` itself is returned: the call pays for no extra closure or promise.
 * The chain is built once; per call, each interceptor costs one `next` closure.
 */
export function composeInterceptors<C extends InvocationContext>(
  interceptors: readonly InvocationInterceptor[],
  final: InvocationStep<C>,
): InvocationStep<C> {
  const sorted = [...interceptors].sort((a, b) => a.order - b.order);
  let step = final;
  for (let index = sorted.length - 1; index >= 0; index--) {
    const interceptor = sorted[index]!;
    const inner = step;
    step = (ctx) => {
      // An interceptor that throws synchronously still rejects, so `next().catch(...)` sees it.
      try {
        return interceptor.intercept(ctx, () => inner(ctx));
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrows what was thrown, as is
        return Promise.reject(error);
      }
    };
  }
  return step;
}
