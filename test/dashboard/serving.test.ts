// How the dashboard plugin serves its page and files, over plain HTTP (no browser needed).
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import test from 'ava';
import { ASSET_NAMES, PUBLIC_DIR } from '../../plugins/dashboard/src/StaticAssets.js';
import { fixturePlugin, startHangar } from '../helpers/hangar.js';

async function bootDashboard(t: Parameters<typeof startHangar>[0], withAuth = false) {
  const auth = withAuth ? [{ id: 'static-key-auth', module: fixturePlugin('static-key-auth') }] : [];
  return startHangar(t, { pluginEntries: [{ id: 'dashboard' }, ...auth] });
}

/**
 * A GET sent as given. `fetch` would normalise `..` segments away, and adds `Cache-Control:
 * no-cache` to conditional requests (which rightly forbids a 304).
 */
function rawGet(url: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path: rawPath, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET / answers the page and /dashboard/<file> its files, each with its content type', async (t) => {
  const { url } = await bootDashboard(t);
  const page = await fetch(`${url}/`);
  t.is(page.status, 200);
  t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  const html = await page.text();
  t.regex(html, /<script type="module" src="\/dashboard\/app\.js"><\/script>/);
  t.notRegex(html, /https?:\/\//, 'no external fonts, scripts or CDNs');
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);

  const types: Record<string, string> = {
    'app.js': 'text/javascript; charset=utf-8',
    'style.css': 'text/css; charset=utf-8',
    'favicon.svg': 'image/svg+xml',
  };
  for (const [name, type] of Object.entries(types)) {
    const response = await fetch(`${url}/dashboard/${name}`);
    t.is(response.status, 200, name);
    t.is(response.headers.get('content-type'), type, name);
    t.is(response.headers.get('x-content-type-options'), 'nosniff', name);
  }
});

test('files answer Cache-Control no-cache with an ETag, and 304 when the ETag still matches', async (t) => {
  const { url } = await bootDashboard(t);
  for (const path of ['/', '/dashboard/app.js']) {
    const first = await fetch(`${url}${path}`);
    const etag = first.headers.get('etag');
    t.is(first.headers.get('cache-control'), 'no-cache', path);
    t.regex(etag ?? '', /^"[\w-]+"$/, path);
    // What a browser sends when it revalidates its cached copy.
    const again = await rawGet(url, path, { 'If-None-Match': etag!, 'Cache-Control': 'max-age=0' });
    t.is(again.status, 304, path);
    t.is(again.body, '', path);
    const changed = await rawGet(url, path, { 'If-None-Match': '"something-else"' });
    t.is(changed.status, 200, path);
  }
});

test('only the listed files are served: unknown names and path tricks are 404s', async (t) => {
  const { url } = await bootDashboard(t);
  for (const path of [
    '/dashboard/nope.js',
    '/dashboard/index.html',
    '/dashboard/..%2Fpackage.json',
    '/dashboard/%2e%2e%2fsrc%2findex.ts',
    '/dashboard/public/app.js',
    '/dashboard/',
    '/dashboard/constructor',
    '/dashboard/__proto__',
  ]) {
    const response = await fetch(`${url}${path}`);
    t.is(response.status, 404, path);
    t.like(await response.json(), { error: 'NotFoundError', status_code: 404 }, path);
  }
  for (const path of ['/dashboard/../package.json', '/dashboard/../../core/package.json', '/dashboard//etc/passwd']) {
    t.is((await rawGet(url, path)).status, 404, path);
  }
});

test('ASSET_NAMES lists exactly the files of public/', (t) => {
  t.deepEqual([...ASSET_NAMES].sort(), readdirSync(PUBLIC_DIR).sort());
});

test('with auth on, the page and its files are public while /api/dashboard/position needs the key', async (t) => {
  const { url } = await bootDashboard(t, true);
  for (const name of ASSET_NAMES.filter((n) => n !== 'index.html')) {
    t.is((await fetch(`${url}/dashboard/${name}`)).status, 200, name);
  }
  t.is((await fetch(`${url}/`)).status, 200);
  const refused = await fetch(`${url}/api/dashboard/position`);
  t.is(refused.status, 401);
  t.like(await refused.json(), { error: 'AuthenticationError', status_code: 401 });
  const allowed = await fetch(`${url}/api/dashboard/position`, { headers: { 'X-API-Key': 'test-key' } });
  t.is(allowed.status, 200);
  t.is(typeof ((await allowed.json()) as { last_position: unknown }).last_position, 'number');
});

test('/api/dashboard/position answers the newest stored global_position', async (t) => {
  const { url } = await bootDashboard(t);
  const position = async () =>
    ((await (await fetch(`${url}/api/dashboard/position`)).json()) as { last_position: number }).last_position;
  const before = await position();
  const created = await fetch(`${url}/api/mcp_servers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mcp_server_id: 'extra', mode: 'subprocess', command: ['true'] }),
  });
  t.is(created.status, 201);
  const after = await position();
  t.true(after > before);
  const { events } = (await (await fetch(`${url}/api/events?from_position=${after}`)).json()) as {
    events: { event_type: string }[];
  };
  t.deepEqual(
    events.map((e) => e.event_type),
    ['McpServerRegistered'],
  );
});

test('the plugin logs one line when Hangar has started', async (t) => {
  const { records } = await bootDashboard(t);
  const lines = records.filter((r) => typeof r.msg === 'string' && r.msg.startsWith('dashboard served at /'));
  t.is(lines.length, 1);
  t.like(lines[0], { plugin: 'dashboard', path: '/' });
});
