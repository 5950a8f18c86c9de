import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The system Chromium (Debian package `chromium`); the browser tests skip without it. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, and nothing that talks to the network or the user's profile. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `${CHROMIUM} is absent (install the Debian package: apt-get install -y chromium)`;
}

/** A page of a fresh headless Chromium, with what went wrong on it. */
export interface BrowserPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions and console errors of the page, for asserting there were none. */
  readonly problems: string[];
}

/** A page of a fresh headless Chromium, with what went wrong on it, and how to close it. */
export interface LaunchedBrowser extends BrowserPage {
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile in `dir` and opens one page (1280x800). Playwright
 * refuses `--user-data-dir` in `args`, so the profile is a persistent context's.
 */
export async function launchBrowser(dir: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<LaunchedBrowser> {
  const context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    // Progress bars jump to their value: pictures show what the page says.
    reducedMotion: 'reduce',
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return { context, page, problems, close: () => context.close() };
}

/** `launchBrowser`, closed when the test ends. */
export async function openBrowser(
  t: ExecutionContext,
  dir: string,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<BrowserPage> {
  const browser = await launchBrowser(dir, options);
  t.teardown(() => browser.close());
  return browser;
}

/**
 * Saves a screenshot of `page` as `<dir>/<name>.png`; with `HANGAR_DASHBOARD_SHOTS=<folder>` set,
 * a copy is kept there too (the temp dir goes away with the test). Returns the path in `dir`.
 */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  const keep = process.env.HANGAR_DASHBOARD_SHOTS;
  if (keep) {
    await mkdir(keep, { recursive: true });
    await copyFile(file, path.join(keep, `${name}.png`));
  }
  return file;
}
