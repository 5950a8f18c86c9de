import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { configManagerRef, type ReloadOptions } from '../../config/ConfigManager.js';
import { ValidationError } from '../../errors.js';
import type { HttpRoutes } from '../../extensions/httpRoutes.js';
import type { HangarState } from '../../http/HttpHost.js';
import { permission } from '../../http/permission.js';
import { parseRequest } from '../../rest/parseRequest.js';

const RELOAD_FIELDS = new Set(['config_path', 'graceful']);

/**
 * `/api/config/...` (seed 001 "Configuration"): the masked config, reload, export, backup and the
 * diff against the file on disk. The work is the `ConfigManager` service's, resolved per request.
 * Reading (`GET`, diff) needs `config:read`, reload `config:reload`; export and backup (which hold
 * the secrets in clear) need `config:admin`.
 */
export function createConfigRoutes(): HttpRoutes {
  const router = new Router<HangarState>();

  router.get('/config', permission('config:read'), (ctx) => {
    ctx.body = manager(ctx).get();
  });

  router.post('/config/reload', permission('config:reload'), async (ctx) => {
    const options = { ...reloadOptions(parseRequest.optionalBody(ctx)), actor: ctx.state.principal };
    ctx.body = { status: 'reloaded', result: await manager(ctx).reload(options) };
  });

  router.post('/config/export', permission('config:admin'), (ctx) => {
    ctx.body = { yaml: manager(ctx).exportYaml() };
  });

  router.post('/config/backup', permission('config:admin'), async (ctx) => {
    ctx.body = await manager(ctx).backup();
  });

  router.get('/config/diff', permission('config:read'), async (ctx) => {
    ctx.body = await manager(ctx).diff();
  });

  return { name: 'core-config', router, mount: 'api' };
}

function manager(ctx: ParameterizedContext<HangarState>) {
  return ctx.state.services.resolve(configManagerRef);
}

/** The reload body: both fields optional, nothing else accepted (a misspelt `graceful` is not ignored). */
function reloadOptions(body: Record<string, unknown> | undefined): ReloadOptions {
  for (const key of Object.keys(body ?? {})) {
    if (!RELOAD_FIELDS.has(key)) throw new ValidationError(`${key}: unknown field; expected config_path or graceful`);
  }
  const config_path = parseRequest.optionalString(body, 'config_path');
  if (config_path === '') throw new ValidationError('config_path: must not be empty');
  const graceful = body?.graceful;
  if (graceful !== undefined && typeof graceful !== 'boolean') throw new ValidationError('graceful: must be a boolean');
  return { ...(config_path === undefined ? {} : { config_path }), ...(graceful === undefined ? {} : { graceful }) };
}
