import Router from '@koa/router';
import { eventBusRef, permission, type HangarState, type HttpRoutes } from '@hangar/core';

/**
 * `GET /api/dashboard/position` → `{"last_position": N}`: the newest stored event's
 * `global_position`. The page subscribes to `/api/ws/events` from `N - 99` to show the latest
 * events at once, and later resubscribes from the last position it saw, so it misses nothing.
 * Unlike the page, it needs the key when auth is on, and `events:read` (what the page's event feed
 * needs too).
 */
export function positionRoutes(): HttpRoutes {
  const router = new Router<HangarState>();
  router.get('/dashboard/position', permission('events:read'), async (ctx) => {
    const bus = ctx.state.services.resolve(eventBusRef);
    await bus.settled();
    ctx.body = { last_position: await bus.lastPosition() };
  });
  return { name: 'dashboard-api', router, mount: 'api' };
}
