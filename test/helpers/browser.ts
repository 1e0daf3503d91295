// Debian's chromium, driven by playwright-core, for the web client's end-to-end tests: the
// launch (closed-network flags, a fresh profile) is the benchmarks' (bench/web/chromium.ts).

import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../bench/web/chromium.js';

export { CHROMIUM_ARGS, chromiumPath } from '../../bench/web/chromium.js';

const open = new Set<{ close(): Promise<void> }>();

export interface BrowserOptions {
  viewport?: { width: number; height: number };
  /** A phone: touch events, mobile viewport. */
  phone?: boolean;
}

/** A fresh chromium (its own profile) with one page; closed by closeBrowsers(). */
export async function openBrowser(o: BrowserOptions = {}): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const browser = await launchChromium({
    viewport: o.viewport ?? { width: 1000, height: 700 },
    ...(o.phone ? { hasTouch: true, isMobile: true, deviceScaleFactor: 2 } : {}),
  });
  open.add(browser);
  const { ctx } = browser;
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { ctx, page, errors };
}

export async function closeBrowsers(): Promise<void> {
  for (const b of [...open]) {
    open.delete(b);
    await b.close();
  }
}
