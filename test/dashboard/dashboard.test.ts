// The dashboard in a real browser: headless Chromium (playwright-core) against a real Hangar with
// the dashboard plugin and the example math server. Without /usr/bin/chromium these tests are
// registered as skipped, with the reason in their titles and printed when the file loads.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';
import type { HangarOptions } from '@hangar/core';
import { ROOT } from '../helpers/cli.js';
import { fixturePlugin, startHangar, tempDir, writeIn } from '../helpers/hangar.js';
import { browserMissing, openBrowser, screenshot } from './browser.js';

const MATH = path.join(ROOT, 'examples', 'servers', 'math.mjs');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const missing = browserMissing();
if (missing) console.warn(`dashboard browser tests skipped: ${missing}`);
/** `test`, or `test.skip` with the reason in the title when there is no browser. */
function browserTest(title: string, run: (t: ExecutionContext) => Promise<void>): void {
  if (missing) test.skip(`${title} [skipped: ${missing}]`, run);
  else test(title, run);
}

/**
 * Boots Hangar with the dashboard (and `extraPlugins` entries) and a cold math server. Its `add` tool is
 * predefined, so its tools are known and the page's server listing leaves it cold (a server whose tools are
 * unknown would be started by the listing).
 */
async function bootDashboard(
  t: ExecutionContext,
  dir: string,
  extraPlugins: unknown[] = [],
  options: Partial<HangarOptions> = {},
) {
  const configFile = await writeIn(
    dir,
    'hangar.yaml',
    [
      'mcp_servers:',
      '  math:',
      '    mode: subprocess',
      `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(MATH)}]`,
      '    description: Math computation server',
      '    tools:',
      '      - name: add',
      '        description: Add two numbers',
    ].join('\n'),
  );
  return startHangar(t, { configFile, pluginEntries: [{ id: 'dashboard' }, ...extraPlugins], ...options });
}

/** The row of a server in the servers table (in `state`, when given). */
function serverRow(page: Page, id: string, state?: string) {
  return page.locator(`#servers-body tr[data-server="${id}"]${state ? `[data-state="${state}"]` : ''}`);
}

browserTest(
  'the page starts the math server, runs slow_count from the generated form and shows progress to 100 % and the result',
  async (t) => {
    const dir = await tempDir(t, 'hangar-dashboard-');
    const { url } = await bootDashboard(t, dir);
    const { page, problems } = await openBrowser(t, dir);

    await page.goto(`${url}/`);
    const math = serverRow(page, 'math');
    await serverRow(page, 'math', 'cold').waitFor();
    t.is(await math.locator('.badge').first().textContent(), 'cold');

    await page.getByRole('button', { name: 'Start math' }).click();
    await serverRow(page, 'math', 'ready').waitFor();
    t.is(await math.locator('.badge').first().textContent(), 'ready');
    await math.locator('.badge.health-healthy').getByText('healthy').waitFor();
    await page.locator('#events-list').getByText('McpServerStarted').waitFor();

    await page.getByLabel('Server', { exact: true }).selectOption('math');
    await page.getByLabel('Tool', { exact: true }).selectOption('slow_count');
    const steps = page.getByLabel('steps');
    t.is(await steps.inputValue(), '5', "the schema's default fills the field");
    t.is(await steps.getAttribute('type'), 'number');
    await steps.fill('5');
    await page.getByLabel('delay_ms').fill('100');
    await page.getByRole('button', { name: 'Run', exact: true }).click();

    const operation = page.locator('#operations-list li.op').first();
    await operation.locator('.op-title').getByText('slow_count on math').waitFor();
    const bar = operation.locator('progress');
    await operation.locator('progress[value="100"]').waitFor();
    t.is(await operation.locator('.op-pct').textContent(), '100 %');
    t.is(await bar.getAttribute('aria-label'), 'Progress of slow_count');
    t.regex((await bar.getAttribute('aria-valuetext')) ?? '', /^100 %/);
    await operation.locator('.op-result pre').getByText('counted to 5', { exact: true }).waitFor();
    await page.locator('#operations-list li.op[data-status="completed"]').waitFor();
    t.is(await operation.locator('.badge').textContent(), 'completed');
    // The log of a finished operation is folded away; its lines are still there.
    t.false(await operation.locator('details.op-log-box').evaluate((details) => (details as { open: boolean }).open));
    const log = (await operation.locator('.op-log').textContent()) ?? '';
    for (let step = 1; step <= 5; step++) t.true(log.includes(`${step * 20} % step ${step} of 5`), `log line of step ${step}`);

    const shot = await screenshot(page, dir, 'dashboard-slow-count');

    // Stopped behind the page's back: only /api/ws/events can tell it, and the page does not poll.
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const stopped = await fetch(`${url}/api/mcp_servers/math/stop`, { method: 'POST' });
    t.is(stopped.status, 200);
    await serverRow(page, 'math', 'cold').waitFor();
    await page.locator('#events-list').getByText('McpServerStopped').waitFor();
    await page.waitForTimeout(1_000);
    const quiet = requests.length;
    await page.waitForTimeout(1_500);
    t.is(requests.length, quiet, `no requests while nothing happens: ${requests.slice(quiet).join(', ')}`);
    t.true((await readFile(shot)).subarray(0, 8).equals(PNG_SIGNATURE), 'a PNG screenshot was saved');
    t.log(`screenshot: ${shot}`);
    t.deepEqual(problems, []);
  },
);

browserTest('with auth on, the page asks for the API key, keeps it for the tab and fills the table with it', async (t) => {
  const dir = await tempDir(t, 'hangar-dashboard-auth-');
  const { url } = await bootDashboard(t, dir, [{ id: 'static-key-auth', module: fixturePlugin('static-key-auth') }]);
  t.is((await fetch(`${url}/`)).status, 200, 'the page itself needs no key');
  t.is((await fetch(`${url}/api/mcp_servers`)).status, 401, 'the data does');

  const { page, problems } = await openBrowser(t, dir);
  await page.goto(`${url}/`);
  const dialog = page.getByRole('dialog', { name: 'API key required' });
  await dialog.waitFor();
  t.is(await serverRow(page, 'math').count(), 0, 'no data without the key');

  await dialog.getByLabel('API key').fill('wrong-key');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await dialog.getByText('The key was refused').waitFor();
  await screenshot(page, dir, 'dashboard-key-prompt');

  await dialog.getByLabel('API key').fill('test-key');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await serverRow(page, 'math').waitFor();
  t.false(await dialog.isVisible());
  t.is(await page.evaluate('sessionStorage.getItem("hangar.apiKey")'), 'test-key');
  // Both sockets are live: they authenticated with ?api_key= (browsers cannot set headers on them).
  await page.getByText('Events: live').waitFor();
  await page.getByText('Operations: live').waitFor();

  await page.reload();
  await serverRow(page, 'math').waitFor();
  t.false(await dialog.isVisible(), 'the key is remembered for the tab');
  await screenshot(page, dir, 'dashboard-auth');

  // A refused key is the only failed request the page makes; the browser reports it as a console error.
  t.deepEqual(
    problems.filter((problem) => !/status of 401/.test(problem)),
    [],
  );
});

browserTest(
  'when Hangar restarts, the page reconnects and resubscribes from the last event it saw, so it misses none',
  async (t) => {
    const dir = await tempDir(t, 'hangar-dashboard-restart-');
    const dataDir = path.join(dir, 'data');
    const first = await bootDashboard(t, dir, [], { dataDir });
    const { page, problems } = await openBrowser(t, dir);
    const sent: { from_position?: number }[] = [];
    const seen: number[] = [];
    page.on('websocket', (socket) => {
      if (!socket.url().endsWith('/api/ws/events')) return;
      socket.on('framesent', (frame) => sent.push(JSON.parse(String(frame.payload)) as { from_position?: number }));
      socket.on('framereceived', (frame) => {
        const position = (JSON.parse(String(frame.payload)) as { global_position?: number }).global_position;
        if (typeof position === 'number') seen.push(position);
      });
    });
    await page.goto(`${first.url}/`);
    await page.getByText('Events: live').waitFor();
    await page.getByText('Operations: live').waitFor();
    await page.locator('#events-list li').first().waitFor();

    await first.hangar.stop();
    await page.locator('#events-link[data-state="retrying"]').waitFor();
    const lastSeen = Math.max(...seen);
    // Same port and data: the page's URL stays valid and positions continue.
    const port = Number(new URL(first.url).port);
    const second = await bootDashboard(t, dir, [], { dataDir, http: { host: '127.0.0.1', port } });
    const started = await fetch(`${second.url}/api/mcp_servers/math/start`, { method: 'POST' });
    t.is(started.status, 200);

    await serverRow(page, 'math', 'ready').waitFor();
    await page.getByText('Operations: live').waitFor();
    t.deepEqual(sent.at(-1), { type: 'subscribe', from_position: lastSeen + 1 }, 'resubscribed from the next position');
    // Every event stored since is in the feed, once.
    const { events } = (await (await fetch(`${second.url}/api/events?from_position=${lastSeen + 1}`)).json()) as {
      events: { global_position: number; event_type: string }[];
    };
    t.true(events.some((event) => event.event_type === 'McpServerStarted'));
    await page.locator(`#events-list li[data-position="${events.at(-1)!.global_position}"]`).waitFor();
    for (const event of events) {
      t.is(await page.locator(`#events-list li[data-position="${event.global_position}"]`).count(), 1, event.event_type);
    }
    // While the second Hangar boots, its port answers 503 `starting` (the readiness gate) until every
    // plugin is ready; the page retries through that like through a refused connection.
    t.deepEqual(
      problems.filter((problem) => !/ERR_CONNECTION_REFUSED|WebSocket|status of 503 \(Service Unavailable\)/.test(problem)),
      [],
    );
  },
);
