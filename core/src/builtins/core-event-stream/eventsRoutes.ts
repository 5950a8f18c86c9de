import Router from '@koa/router';
import type { HttpRoutes } from '../../extensions/httpRoutes.js';
import { eventFrame } from '../../events/eventFrames.js';
import { mcpServerStream } from '../../events/store/EventStore.js';
import type { HangarState } from '../../http/HttpHost.js';
import { permission } from '../../http/permission.js';
import { eventBusRef } from '../../services/coreServices.js';
import { parseRequest } from '../../rest/parseRequest.js';

/**
 * `GET /api/events?from_position=&limit=` (docs/api.md): the stored global history, oldest
 * first, as `{"events": [...], "next_position": N}`; pass `next_position` back as `from_position`
 * for the next page. Optional `event_type` and `mcp_server_id` narrow it (comma-separated lists).
 * When retention deleted events at or after `from_position`, the answer also has `truncated: true`,
 * `pruned_through` and `first_kept_position` (the events still start at the next kept one).
 */
export function createEventsRoutes(): HttpRoutes {
  const router = new Router<HangarState>();

  router.get('/events', permission('events:read'), async (ctx) => {
    // 0 (seed 001's default) and 1 both mean "from the start": positions begin at 1.
    const from_position = parseRequest.queryInt(ctx, 'from_position', { min: 0, default: 0 });
    const limit = parseRequest.queryInt(ctx, 'limit', { min: 1, max: 1000, default: 100 });
    const eventTypes = listParam(parseRequest.queryString(ctx, 'event_type'));
    const serverIds = listParam(parseRequest.queryString(ctx, 'mcp_server_id'));
    const bus = ctx.state.services.resolve(eventBusRef);
    // Events published before this request are in the answer, even if still being stored.
    await bus.settled();
    const events = await bus.readAllRedacted(from_position, limit, {
      ...(eventTypes ? { eventTypes } : {}),
      ...(serverIds ? { streamIds: serverIds.map(mcpServerStream) } : {}),
    });
    const last = events.at(-1);
    const truncation = await bus.truncation(from_position);
    ctx.body = {
      events: events.map(eventFrame),
      next_position: last === undefined ? from_position : last.global_position + 1,
      ...(truncation ? { truncated: true, ...truncation } : {}),
    };
  });

  return { name: 'core-events', router, mount: 'api' };
}

function listParam(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}
