// Debian's chromium for the web client's benchmarks and end-to-end tests (test/helpers/
// browser.ts), driven by playwright-core. On this closed network chromium must not try to
// reach anything: the flags turn off every background lookup; each browser gets a fresh
// profile in a temp dir (playwright passes it as --user-data-dir itself).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string {
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

/** A chromium with a fresh profile; `close()` ends it and removes the profile. */
export async function launchChromium(
  o: Parameters<typeof chromium.launchPersistentContext>[1] & { extraArgs?: string[] } = {},
): Promise<{ ctx: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lanparty-chromium-'));
  const { extraArgs = [], ...rest } = o;
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    ...rest,
  });
  return {
    ctx,
    async close() {
      await ctx.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
