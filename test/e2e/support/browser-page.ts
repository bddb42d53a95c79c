/**
 * What every page of the journey shares: bounded waits, a record of script errors and Content-Security-Policy
 * violations (which must stay empty), layout-shift accounting, and screenshots into test/e2e/screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../screenshots');

/** Every wait in the journey is bounded by this unless a step says otherwise. */
export const STEP_TIMEOUT_MS = 15_000;

export interface ConsolePage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions and CSP violations seen so far. */
  readonly problems: string[];
}

// Sums layout shifts not caused by input, the way Chromium's Cumulative Layout Shift does.
const LAYOUT_SHIFT_PROBE = `
  window.__layoutShift = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
`;

export async function openConsolePage(
  browser: Browser,
  baseURL: string,
  options: { width?: number; height?: number; storageState?: Awaited<ReturnType<BrowserContext['storageState']>> } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    storageState: options.storageState,
    acceptDownloads: true,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  await context.addInitScript(LAYOUT_SHIFT_PROBE);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`csp: ${message.text()}`);
    }
  });
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // From the top, so the sticky header sits where it belongs in a full-page picture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, timeout: STEP_TIMEOUT_MS });
}

export async function layoutShift(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __layoutShift: number }).__layoutShift);
}

/** Whether the page is wider than the viewport (content a phone user would have to scroll sideways to read). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/** The text of an element as its DOM holds it, trimmed. */
export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}
