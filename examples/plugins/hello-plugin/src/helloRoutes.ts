import Router from '@koa/router';
import { ValidationError, permission, type HangarState, type HttpRoutes } from '@hangar/core';
import type { EventCounter } from './EventCounter.js';

/** Longest `name` the route accepts, in characters. */
const MAX_NAME_LENGTH = 64;

/** What the hello route answers from. */
export interface HelloRoutesOptions {
  /** The configured greeting (`options.greeting`). */
  readonly greeting: string;
  /** The plugin's event sink, read for `events_seen` and `events_by_type`. */
  readonly counter: EventCounter;
}

/**
 * The plugin's `core.httpRoutes` contribution: `GET /api/hello?name=<name>` answers
 * `{"greeting": "<greeting>, <name>", "events_seen": N, "events_by_type": {...}}`; `name` defaults to
 * `world`. An empty, repeated or over-long `name` throws the kernel's `ValidationError`, which the
 * kernel's error middleware turns into a 422 `{"error", "message", "status_code"}` body.
 */
export function helloRoutes({ greeting, counter }: HelloRoutesOptions): HttpRoutes {
  // Paths are relative to the mount point: the kernel mounts this router under /api.
  const router = new Router<HangarState>();
  // Every route declares what it needs, first: the plugin's own action, checked by the kernel's
  // authorizer before the handler runs (a route that declares nothing is refused when auth is on).
  router.get('/hello', permission('hello:read'), (ctx) => {
    const name = readName(ctx.query.name);
    ctx.body = { greeting: `${greeting}, ${name}`, events_seen: counter.total, events_by_type: counter.countsByType() };
  });
  return { name: 'hello-plugin', router };
}

function readName(raw: string | string[] | undefined): string {
  if (raw === undefined) return 'world';
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NAME_LENGTH) {
    throw new ValidationError(`Field 'name' must be a single string of 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return raw;
}
