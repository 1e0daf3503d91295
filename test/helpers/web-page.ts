// What the web client's page knows, read through window.lanparty (set by src/web/app.ts),
// and the player's moves the end-to-end tests make with it.

import type { Page } from 'playwright-core';
import { waitUntil } from './net.js';

export interface PageState {
  link: string;
  game: string;
  me: number;
  snapshots: number;
  phase: number;
  own: { x: number; y: number; score: number; ready: boolean } | null;
}

/** What the page knows now. */
export const stateOf = (page: Page): Promise<PageState> =>
  page.evaluate(() => {
    const lp = (globalThis as unknown as { lanparty: any }).lanparty;
    const w = lp.interpolator.latest;
    const own = w?.entities.find((e: any) => e.owner === lp.me && e.kind === 'player') ?? null;
    return {
      link: lp.client.link,
      game: lp.game,
      me: lp.me,
      snapshots: lp.client.session?.snapshots ?? 0,
      phase: w?.phase ?? -1,
      own: own && { x: own.x, y: own.y, score: own.score, ready: own.ready },
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
