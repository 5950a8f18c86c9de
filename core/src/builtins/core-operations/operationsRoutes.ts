import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import { ValidationError } from '../../errors.js';
import type { HttpRoutes } from '../../extensions/httpRoutes.js';
import type { HangarState } from '../../http/HttpHost.js';
import { permission } from '../../http/permission.js';
import { OPERATION_STATUSES, type OperationStatus } from '../../operations/Operation.js';
import { operationsRef } from '../../operations/OperationRegistry.js';
import { parseRequest } from '../../rest/parseRequest.js';

/** How long a cancel waits for the operation to end before answering. */
const CANCEL_WAIT_MS = 5000;

/**
 * `/api/operations` (docs/api.md): the kept operations (newest first, `?status=` narrows), one
 * operation with its kept events, and cancelling a running one (the upstream gets
 * `notifications/cancelled`). Operations start from the async invoke or `registry_invoke_stream`.
 */
export function createOperationsRoutes(): HttpRoutes {
  const router = new Router<HangarState>();

  router.get('/operations', permission('operations:read'), (ctx) => {
    const status = parseRequest.queryString(ctx, 'status');
    if (status !== undefined && !OPERATION_STATUSES.includes(status as OperationStatus)) {
      throw new ValidationError(`status: must be one of ${OPERATION_STATUSES.join(', ')}`);
    }
    const operations = ctx.state.services.resolve(operationsRef).list(status as OperationStatus | undefined);
    ctx.body = { operations, total: operations.length };
  });

  router.get('/operations/:id', permission('operations:read'), (ctx) => {
    const operation = ctx.state.services.resolve(operationsRef).get(ctx.params.id!);
    ctx.body = { operation: operation.view(), events: operation.events() };
  });

  // Answers once the operation has ended, so the status is final; a call stuck where it cannot be
  // interrupted (a server still starting) answers `running` after CANCEL_WAIT_MS and ends later.
  router.post('/operations/:id/cancel', permission('operations:cancel'), async (ctx) => {
    const reason = parseRequest.optionalString(parseRequest.optionalBody(ctx), 'reason');
    const operation = ctx.state.services.resolve(operationsRef).cancel(ctx.params.id!, reason || 'cancelled by request');
    const timer = new AbortController();
    await Promise.race([operation.whenFinished(), sleep(CANCEL_WAIT_MS, undefined, { signal: timer.signal }).catch(() => {})]);
    timer.abort();
    ctx.body = { operation_id: operation.id, cancelled: true, status: operation.status };
  });

  return { name: 'core-operations', router, mount: 'api' };
}
