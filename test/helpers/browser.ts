// Debian's chromium, driven by playwright-core, for the web client's end-to-end tests. On
// this closed network chromium must not try to reach anything: the flags below turn off
// every background lookup, and each browser gets a fresh profile in a temp dir.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const open = new Set<{ ctx: BrowserContext; dir: string }>();

export function chromiumPath(): string {
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

export interface BrowserOptions {
  viewport?: { width: number; height: number };
  /** A phone: touch events, mobile viewport. */
  phone?: boolean;
}

/** A fresh chromium (its own profile) with one page; closed by closeBrowsers(). */
export async function openBrowser(o: BrowserOptions = {}): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'lanparty-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath(),
    headless: true,
    // playwright passes the profile dir as --user-data-dir itself (and refuses it in args)
    args: CHROMIUM_ARGS,
    viewport: o.viewport ?? { width: 1000, height: 700 },
    ...(o.phone ? { hasTouch: true, isMobile: true, deviceScaleFactor: 2 } : {}),
  });
  const entry = { ctx, dir };
  open.add(entry);
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { ctx, page, errors };
}

export async function closeBrowsers(): Promise<void> {
  for (const e of [...open]) {
    open.delete(e);
    await e.ctx.close().catch(() => {});
    rmSync(e.dir, { recursive: true, force: true });
  }
}
