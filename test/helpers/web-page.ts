// What the end-to-end tests read of and do to the web page (src/web/app.ts exposes its
// state, read-only, as window.lanparty): the page's state, waiting for a condition on it,
// readying up and firing until the score changes, as a player does.

import type { Page } from 'playwright-core';
import { waitUntil } from './net.js';

export interface PageState {
  link: string;
  game: string;
  me: number;
  snapshots: number;
  phase: number;
  own: { x: number; y: number; score: number; ready: boolean } | null;
  /** The welcome's epoch on the page's current connection (-1 before one). */
  epoch: number;
  reconnected: boolean;
  /** The host the page is connected to (or trying), and the peers it knows of. */
  host: string;
  peers: string[];
  banner: string;
  /** The page's last link events (src/web/migrate.ts PageFollow.trail). */
  trail: string[];
}

/** What the page knows now (window.lanparty, set by src/web/app.ts). */
export const stateOf = (page: Page): Promise<PageState> =>
  page.evaluate(() => {
    const lp = (globalThis as unknown as { lanparty: any }).lanparty;
    const w = lp.interpolator.latest;
    const own = w?.entities.find((e: any) => e.owner === lp.me && e.kind === 'player') ?? null;
    const s = lp.client.follow?.succession;
    return {
      link: lp.client.link,
      game: lp.game,
      me: lp.me,
      snapshots: lp.client.session?.snapshots ?? 0,
      phase: w?.phase ?? -1,
      own: own && { x: own.x, y: own.y, score: own.score, ready: own.ready },
      epoch: lp.client.session?.welcome?.epoch ?? -1,
      reconnected: lp.client.session?.welcome?.reconnected ?? false,
      host: s ? `${s.target.ip}:${s.target.port}` : '',
      peers: s ? s.peers.map((p: any) => `${p.ip}:${p.port}`) : [],
      banner: (globalThis as any).document.getElementById('banner')?.textContent ?? '',
      trail: lp.client.follow ? [...lp.client.follow.trail] : [],
    };
  });

export async function pageUntil(page: Page, pred: (s: PageState) => boolean, timeoutMs: number, what: string): Promise<PageState> {
  let last: PageState | null = null;
  try {
    return await waitUntil(async () => {
      last = await stateOf(page);
      return pred(last) ? last : null;
    }, timeoutMs, what);
  } catch (e) {
    throw new Error(`${(e as Error).message}; page state ${JSON.stringify(last)}`);
  }
}

/** Ready up the way a player does: press (fire/ready) and look, again if the match did not start. */
export async function readyUp(page: Page, press: () => Promise<void>): Promise<void> {
  const until = performance.now() + 15_000;
  while (performance.now() < until) {
    await press();
    try {
      await pageUntil(page, (s) => s.phase === 1, 1500, 'the match to start');
      return;
    } catch {
      // pressed too briefly or too early: press again
    }
  }
  await pageUntil(page, (s) => s.phase === 1, 1, 'the match to start');
}

/**
 * Shooter: fire while sweeping across the field until a laser hits something, readying
 * again whenever the match is not on (the ship lost, the match over). The last state seen.
 */
export async function fireUntilScore(page: Page, timeoutMs: number): Promise<PageState> {
  let dir = 'ArrowLeft';
  const until = performance.now() + timeoutMs;
  let s = await stateOf(page);
  while ((s.own?.score ?? 0) === 0 && performance.now() < until) {
    if (s.phase !== 1) {
      await page.keyboard.press('Space');
      await page.waitForTimeout(300);
    } else {
      await page.keyboard.down('Space');
      await page.keyboard.down(dir);
      await page.waitForTimeout(1200);
      await page.keyboard.up(dir);
      await page.keyboard.up('Space');
      dir = dir === 'ArrowLeft' ? 'ArrowRight' : 'ArrowLeft';
    }
    s = await stateOf(page);
  }
  return s;
}
