// Makes docs/dashboard.png, the README's picture of the dashboard (not part of the test run):
//
//   node --import=tsx --conditions=hangar-source test/dashboard/screenshot.ts [out.png] [--dark]
//
// It boots Hangar with the bundled hangar.config.yaml and the dashboard, starts two servers, runs
// slow_count once to the end and once more from the page's own form, and takes the picture while
// the second run is under way (1280x800, palette PNG).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, Hangar } from '@hangar/core';
import { ROOT } from '../helpers/cli.js';
import { browserMissing, launchBrowser } from './browser.js';
import { optimizePng } from './optimizePng.js';

const out = path.resolve(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? path.join(ROOT, 'docs', 'dashboard.png'));
const dark = process.argv.includes('--dark');

async function api(url: string, method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/api${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function main(): Promise<void> {
  const missing = browserMissing();
  if (missing) throw new Error(`cannot take the screenshot: ${missing}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hangar-screenshot-'));
  const hangar = await Hangar.start({
    logger: createLogger({ level: 'warn' }),
    configFile: path.join(ROOT, 'hangar.config.yaml'),
    pluginEntries: [{ id: 'dashboard' }],
    dataDir: path.join(dir, 'data'),
    http: { host: '127.0.0.1', port: 0 },
  });
  const url = hangar.url!;
  const browser = await launchBrowser(dir, { colorScheme: dark ? 'dark' : 'light' });
  try {
    const { page } = browser;
    await page.goto(`${url}/`);
    await page.getByText('Events: live').waitFor();
    await page.getByText('Operations: live').waitFor();

    await api(url, 'POST', '/mcp_servers/math/start');
    await api(url, 'POST', '/mcp_servers/everything/start');
    const first = await api(url, 'POST', '/mcp_servers/math/tools/slow_count/invoke', {
      arguments: { steps: 4, delay_ms: 150 },
      async: true,
    });
    await page.locator(`li.op[data-operation="${String(first.operation_id)}"][data-status="completed"]`).waitFor();
    await api(url, 'POST', '/mcp_servers/everything/tools/get-sum/invoke', { arguments: { a: 2, b: 3 } });

    await page.getByLabel('Server', { exact: true }).selectOption('math');
    await page.getByLabel('Tool', { exact: true }).selectOption('slow_count');
    await page.getByLabel('steps').fill('10');
    await page.getByLabel('delay_ms').fill('600');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('li.op[data-status="running"] progress[value="60"]').waitFor({ timeout: 30_000 });
    // No focus ring or hover in the picture.
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    await page.waitForTimeout(300);
    const png = optimizePng(await page.screenshot());
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, png);
    console.log(`wrote ${path.relative(process.cwd(), out)} (${Math.round(png.length / 1024)} KiB)`);
  } finally {
    await browser.close();
    await hangar.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
