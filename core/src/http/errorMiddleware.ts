import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { HangarError, InternalServerError, isHangarError } from '../errors.js';

/** The JSON error body of seed 001. */
export interface ErrorBody {
  error: string;
  message: string;
  status_code: number;
}

/**
 * The one place errors become HTTP responses: a `HangarError` answers with its class name,
 * message and `status_code`; errors Koa or its middleware raise with an HTTP status (`expose`)
 * keep their status; anything else is logged with its stack and answered as a bare 500
 * `InternalServerError` with no internals.
 */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const body = toErrorBody(error);
      if (body.status_code >= 500) logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      else logger.debug({ method: ctx.method, path: ctx.path, error: body.error }, body.message);
      ctx.status = body.status_code;
      ctx.body = body;
    }
  };
}

/** Maps anything thrown to the seed-001 error body. */
export function toErrorBody(error: unknown): ErrorBody {
  if (isHangarError(error)) {
    if (error.status_code >= 500 && error.name === HangarError.name) return internal();
    return { error: error.name, message: error.message, status_code: error.status_code };
  }
  const http = error as { status?: unknown; expose?: unknown; message?: unknown; name?: unknown };
  if (typeof http.status === 'number' && http.status >= 400 && http.status < 500 && http.expose === true) {
    return {
      error: typeof http.name === 'string' ? http.name : 'HttpError',
      message: String(http.message),
      status_code: http.status,
    };
  }
  return internal();
}

function internal(): ErrorBody {
  const error = new InternalServerError();
  return { error: error.name, message: error.message, status_code: 500 };
}
