/**
 * Accessibility checks in the end-to-end run: axe-core's rules on the page as rendered (its source evaluated
 * through the DevTools protocol, which the console's Content-Security-Policy does not govern), and keyboard-only
 * movement with a visible focus on every stop.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[] }[];
}

/** Waits until the page has settled (no loading placeholders left), then lists what axe finds serious on it. */
export async function settledViolations(page: Page): Promise<string[]> {
  await page.locator('[role="status"][aria-label^="Loading"]').first().waitFor({ state: 'detached' });
  return seriousViolations(page);
}

/** Violations of impact serious or critical on the page, as one line each (rule, help, where). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const runner = (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe;
    const results = (await runner.run(document, { resultTypes: ['violations'] })) as { violations: unknown[] };
    return results.violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The focused element's accessible name as a user hears it (its label, aria-label or text), and whether its focus shows. */
async function focused(page: Page): Promise<{ name: string; visible: boolean }> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return { name: '', visible: false };
    const labelled = element.getAttribute('aria-labelledby');
    const labels = (element as HTMLInputElement).labels;
    const name =
      element.getAttribute('aria-label') ??
      (labelled ? document.getElementById(labelled)?.textContent : undefined) ??
      (labels && labels.length > 0 ? labels[0]?.textContent : undefined) ??
      element.textContent ??
      '';
    const style = getComputedStyle(element);
    const visible = element.matches(':focus-visible') && style.outlineStyle !== 'none' && style.outlineWidth !== '0px';
    return { name: name.trim().replace(/\s+/g, ' '), visible };
  });
}

/**
 * Presses Tab until the control named `name` has the focus, checking that every control passed on the way shows
 * its focus; fails after `limit` presses.
 */
export async function tabTo(page: Page, name: string | RegExp, limit = 60): Promise<void> {
  const matches = (text: string) => (typeof name === 'string' ? text.startsWith(name) : name.test(text));
  const passed: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (!now.visible) throw new Error(`The focus on "${now.name}" is not visible (after ${passed.join(' → ')})`);
    if (matches(now.name)) return;
    passed.push(now.name);
  }
  throw new Error(`Tab never reached "${String(name)}"; it passed ${passed.join(' → ')}`);
}
