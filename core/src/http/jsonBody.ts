import type { Middleware } from 'koa';
import { InvalidJSONError, UnsupportedMediaTypeError } from '../errors.js';
import { readBody } from './readBody.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Parses JSON request bodies (up to `limitBytes`) into `ctx.request.body`. Malformed JSON is a 400
 * `InvalidJSONError`, an oversized body a 413, a non-JSON content type a 415 — never a 500.
 */
export function jsonBody(limitBytes = 1024 * 1024): Middleware {
  return async (ctx, next) => {
    if (WITH_BODY.has(ctx.method) && hasBody(ctx.req.headers)) {
      const type = ctx.request.type;
      if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
        throw new UnsupportedMediaTypeError(`Content-Type must be application/json, got ${type}`);
      }
      const text = await readBody(ctx.req, limitBytes, `Request body exceeds ${limitBytes} bytes`);
      if (text.trim() !== '') {
        try {
          ctx.request.body = JSON.parse(text) as unknown;
        } catch (error) {
          throw new InvalidJSONError(`Request body is not valid JSON: ${(error as Error).message}`);
        }
      }
    }
    await next();
  };
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return (
    headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  );
}
