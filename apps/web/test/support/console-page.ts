import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { REPO } from '@corral/test-hosts';

/**
 * where the tests save screenshots of the main screens: a temporary directory, so a test run
 * leaves the checkout clean; CORRAL_SCREENSHOT_DIR=docs/screenshots refreshes the ones
 * docs/web-console.md shows
 */
export const SCREENSHOT_DIR = resolve(REPO, process.env.CORRAL_SCREENSHOT_DIR ?? join(tmpdir(), 'corral-console-screenshots'));

export function assertConsoleBuilt(): void {
  if (!existsSync(join(REPO, 'dist/web/index.html'))) throw new Error('dist/web/index.html is missing: run `npm run build` (it builds the console with vite) before the browser tests');
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: options.fullPage ?? false });
}

/**
 * Starts watching the page now: resolves with the browser's clock (ms since the epoch, the same
 * clock as the server's on this machine) at the moment an element matching the selector (showing
 * exactly `text`, if given) is first in the DOM. Measured in the page, the figure leaves out how
 * late the test process (busy with the in-process server) notices.
 */
export function whenShown(page: Page, selector: string, text?: string, timeoutMs = 30_000): Promise<number> {
  return page.evaluate(
    ({ selector, text, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        // runs in the page (this project's types have no DOM)
        const { document, MutationObserver } = globalThis as any;
        const matches = () => [...document.querySelectorAll(selector)].some((el: any) => text === undefined || el.textContent?.trim() === text);
        if (matches()) return resolve(Date.now());
        const observer = new MutationObserver(() => {
          if (!matches()) return;
          observer.disconnect();
          clearTimeout(timer);
          resolve(Date.now());
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`${selector}${text === undefined ? '' : ` showing ${text}`} not on the page within ${timeoutMs} ms`));
        }, timeoutMs);
        observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
      }),
    { selector, text, timeoutMs },
  );
}

/** axe-core's WCAG 2 A/AA rules on the page as it is; answers the violations, described */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

let recorders = 0;

/**
 * Records each distinct text an element shows (a state badge going through states), watched in
 * the page by a MutationObserver, so no rendered value is missed (polling from the test process
 * missed one that landed after its last poll). The console routes in the page, so the recorder
 * lives on across its navigations.
 */
export async function recordTexts(page: Page, selector: string): Promise<() => Promise<string[]>> {
  const key = `__corralRecordTexts${++recorders}`;
  await page.evaluate(
    ({ selector, key }) => {
      // runs in the page (this project's types have no DOM)
      const g = globalThis as any;
      const seen: string[] = [];
      const take = () => {
        const text = g.document.querySelector(selector)?.textContent?.trim();
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      };
      const observer = new g.MutationObserver(take);
      observer.observe(g.document.documentElement, { subtree: true, childList: true, characterData: true });
      take();
      g[key] = { seen, observer };
    },
    { selector, key },
  );
  return () =>
    page.evaluate((key) => {
      const recorder = (globalThis as any)[key];
      recorder.observer.disconnect();
      return recorder.seen as string[];
    }, key);
}

/** elements that stick out to the right of the viewport (outside scrollable boxes): the page scrolls sideways */
export async function overflowing(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const out = [];
    const inScroller = (el) => { for (let p = el.parentElement; p; p = p.parentElement) if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; return false; };
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > innerWidth + 0.5 && !inScroller(el)) out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' right=' + Math.round(r.right));
    }
    return out;
  })()`)) as string[];
}
