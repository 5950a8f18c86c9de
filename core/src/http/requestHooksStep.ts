import { performance } from 'node:perf_hooks';
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { Principal } from '../extensions/auth.js';
import type { HttpRequestInfo, HttpResponseInfo, RequestHook } from '../extensions/requestHooks.js';
import { acceptWebSocket } from './websocket.js';

/** A Koa context as far as the hooks need it (state is read loosely: it is `{}` before authentication). */
type HookContext = Koa.ParameterizedContext<object>;

/** The request as hooks see it: a view over the Koa context, made once per request. */
class HookRequest implements HttpRequestInfo {
  constructor(private readonly ctx: HookContext) {}

  get method(): string {
    return this.ctx.method;
  }

  get path(): string {
    return this.ctx.path;
  }

  get headers(): HttpRequestInfo['headers'] {
    return this.ctx.headers;
  }

  get principal(): Principal | undefined {
    return (this.ctx.state as { principal?: Principal }).principal;
  }

  setHeader(name: string, value: string): void {
    if (!this.ctx.headerSent) this.ctx.set(name, value);
  }
}

/**
 * The host step that runs the `core.requestHooks` contributions, or `undefined` when there are
 * none, so the host leaves the step out and an empty chain costs nothing. `onRequest` hooks run
 * sequentially in `order` (a stable sort keeps load order for ties); `onResponse` hooks run once
 * the response's socket work is over (`close` on the response), or as soon as a WebSocket upgrade
 * is accepted (status 101), whichever comes first.
 */
export function requestHooksStep(hooks: readonly RequestHook[], logger: Logger): Koa.Middleware | undefined {
  if (hooks.length === 0) return undefined;
  const ordered = [...hooks].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const requestHooks = ordered.filter((hook) => hook.onRequest !== undefined);
  const responseHooks = ordered.filter((hook) => hook.onResponse !== undefined);

  const respond = (request: HttpRequestInfo, response: HttpResponseInfo): void => {
    for (const hook of responseHooks) {
      const failed = (error: unknown) =>
        logger.error({ err: error, hook: hook.name, path: request.path }, `request hook '${hook.name}' failed in onResponse`);
      try {
        void Promise.resolve(hook.onResponse?.(request, response)).catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  };

  return async (ctx, next) => {
    const started = performance.now();
    const request = new HookRequest(ctx);
    let reported = responseHooks.length === 0;
    const report = (status: number, completed: boolean): void => {
      if (reported) return;
      reported = true;
      respond(request, { status, completed, duration_ms: Math.round((performance.now() - started) * 1000) / 1000 });
    };
    if (!reported) ctx.res.once('close', () => report(ctx.res.statusCode, ctx.res.writableFinished));
    for (const hook of requestHooks) await hook.onRequest?.(request);
    await next();
    // An accepted upgrade leaves the response to the socket: report the handshake now, not at hang-up.
    if (ctx.respond === false && acceptWebSocket(ctx) !== undefined) report(101, true);
  };
}
