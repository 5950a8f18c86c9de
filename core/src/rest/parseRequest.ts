import type { ParameterizedContext } from 'koa';
import { isPlainObject } from '../config/isPlainObject.js';
import { ValidationError } from '../errors.js';

type Context = Pick<ParameterizedContext, 'query' | 'request'>;

/**
 * Small, strict readers of query parameters and JSON bodies for the REST routes: anything that is
 * not exactly what a route expects becomes a 422 `ValidationError` naming the field, never a 500.
 */
export const parseRequest = {
  /** An optional single-valued query parameter. */
  queryString(ctx: Context, name: string): string | undefined {
    const value = ctx.query[name];
    if (Array.isArray(value)) throw new ValidationError(`${name}: must be given once`);
    return value;
  },

  /** An integer query parameter in `[min, max]`; digits only (`10abc`, `1.5`, `1e3` are refused). */
  queryInt(ctx: Context, name: string, range: { min: number; max?: number; default: number }): number {
    const raw = parseRequest.queryString(ctx, name);
    if (raw === undefined) return range.default;
    const bounds = range.max === undefined ? `at least ${range.min}` : `between ${range.min} and ${range.max}`;
    const value = /^-?\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < range.min || (range.max !== undefined && value > range.max)) {
      throw new ValidationError(`${name}: must be an integer ${bounds}, got '${truncate(raw)}'`);
    }
    return value;
  },

  /** The JSON body, which must be an object. */
  body(ctx: Context): Record<string, unknown> {
    const body = ctx.request.body;
    if (!isPlainObject(body)) throw new ValidationError('body: must be a JSON object');
    return body;
  },

  /** The JSON body as an object, or `undefined` when the request has none. */
  optionalBody(ctx: Context): Record<string, unknown> | undefined {
    return ctx.request.body === undefined ? undefined : parseRequest.body(ctx);
  },

  /** An optional string field of a body. */
  optionalString(body: Record<string, unknown> | undefined, name: string): string | undefined {
    const value = body?.[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ValidationError(`${name}: must be a string`);
    return value;
  },

  /** An optional JSON-object field of a body (arrays and null are refused). */
  optionalObject(body: Record<string, unknown> | undefined, name: string): Record<string, unknown> | undefined {
    const value = body?.[name];
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) throw new ValidationError(`${name}: must be a JSON object`);
    return value;
  },
};

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
