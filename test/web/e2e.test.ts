// The web client in a real browser (Debian's chromium through playwright-core) against a
// real `lanparty host` process on 127.0.0.x:
//
//   lanparty host --bind 127.0.0.71 --port 47510    prints "open http://127.0.0.71:47510 ..."
//   chromium opens that page                        joins over WebSocket, readies (space),
//                                                   moves (arrows), fires until it scores;
//                                                   the screenshot for the README
//   the terminal client (src/render-term, in process: keys on a pipe, its screen a
//   virtual terminal) and the page chat both ways
//   a phone-sized page plays with its touch pads
//
// Fixed addresses: run under `flock /tmp/lanparty-test.lock` (HELPERS.md). Needs chromium
// (.ci/run installs it) and dist/ (`npm test` builds first).

import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { startTerminalClient } from '../../src/render-term/runner.js';
import { shown } from '../render-term/vt.js';
import { closeBrowsers, openBrowser } from '../helpers/browser.js';
import { repoRoot } from '../helpers/tmux.js';
import { killAllCli, startCli } from '../e2e/procs.js';
import { waitUntil } from '../helpers/net.js';
import { fireUntilScore, pageUntil, readyUp, stateOf } from '../helpers/web-page.js';

afterEach(async () => {
  await closeBrowsers();
  await killAllCli();
});

async function startHost(ip: string, port: number) {
  const host = startCli(['host', '--bind', ip, '--port', String(port), '--bots', '0', '--duration', '300'], ip);
  const [m] = await host.lines(/open (http:\/\/\S+) on any device on this LAN/, 1, 60_000, 'the host to print its page');
  return { host, url: m![1]! };
}

describe('web client in chromium', () => {
  it('opens the page of a lanparty host: joins, readies, moves, fires, and its score changes', async () => {
    const { url } = await startHost('127.0.0.71', 47510);
    expect(url).toBe('http://127.0.0.71:47510');
    const { page, errors } = await openBrowser();
    await page.goto(`${url}/?name=webber`);
    const joined = await pageUntil(page, (s) => s.link === 'playing' && s.snapshots > 5 && s.own !== null, 10_000, 'the page to join');
    expect(joined.game).toBe('shooter');
    expect(await page.textContent('#hud-game')).toBe('shooter');
    expect(await page.textContent('#banner')).toMatch(/Lobby/);

    await readyUp(page, () => page.keyboard.press('Space')); // alone: the match starts
    const before = (await stateOf(page)).own!;
    await page.keyboard.down('ArrowRight');
    const moved = await pageUntil(page, (s) => s.own !== null && s.own.x > before.x + 30, 5000, 'the ship to move right');
    await page.keyboard.up('ArrowRight');
    expect(moved.own!.y).toBe(before.y);

    // fire while sweeping across the field until a laser hits something
    const s = await fireUntilScore(page, 40_000);
    expect(s.own?.score ?? 0).toBeGreaterThan(0);
    // the side panel shows it too, and the HUD counts snapshots
    await waitUntil(async () => /hp\s+\d+\s+[1-9]\d*\s+webber/.test((await page.textContent('#players')) ?? ''), 3000, 'the score in the panel');
    expect(Number(await page.textContent('#hud-rate'))).toBeGreaterThan(20);
    await page.screenshot({ path: `${repoRoot()}/docs/web-client.png` });
    expect(errors).toEqual([]);
  });

  it('a chat line typed in the page shows in the terminal client, and one typed there shows in the page', async () => {
    const { url } = await startHost('127.0.0.72', 47511);
    const { page, errors } = await openBrowser();
    await page.goto(`${url}/?name=pagey`);
    await pageUntil(page, (s) => s.link === 'playing', 10_000, 'the page to join');
    // the real terminal client (src/render-term), its keyboard a pipe and its screen a virtual terminal
    let written = '';
    const out = Object.assign(
      new Writable({
        write(chunk, _e, cb) {
          written += chunk.toString();
          cb();
        },
      }),
      { columns: 120, rows: 40 },
    );
    const keys = new PassThrough();
    const term = startTerminalClient({
      host: '127.0.0.72',
      port: 47511,
      name: 'termy',
      out: out as unknown as NodeJS.WriteStream,
      in: keys as unknown as NodeJS.ReadStream,
      exitOnSignal: false,
      holdMs: 400,
    });
    const screen = () => shown(written, 120, 40);
    try {
      await waitUntil(() => term.me !== 0, 10_000, 'the terminal client to join');
      await page.keyboard.press('Enter');
      await page.keyboard.type('hi from the browser');
      await page.keyboard.press('Enter');
      await waitUntil(() => screen().includes('pagey: hi from the browser'), 5000, 'the line on the terminal client\'s screen');
      // Enter opens its chat line, the text, Enter sends it
      keys.write('\r');
      keys.write('hello page');
      keys.write('\r');
      await waitUntil(async () => ((await page.textContent('#chat')) ?? '').includes('termy: hello page'), 5000, 'the line in the page');
      // the roster has both names: the page's panel shows the other player's nickname
      await waitUntil(async () => ((await page.textContent('#players')) ?? '').includes('termy'), 5000, 'the roster name in the panel');
    } finally {
      term.quit();
      await term.done.catch(() => {});
    }
    expect(errors).toEqual([]);
  });

  it('a phone-sized page plays with its touch pads', async () => {
    const { url } = await startHost('127.0.0.73', 47512);
    const { page, errors } = await openBrowser({ viewport: { width: 390, height: 844 }, phone: true });
    await page.goto(url);
    await pageUntil(page, (s) => s.link === 'playing' && s.own !== null, 10_000, 'the page to join');
    expect(await page.isVisible('#pad-fire')).toBe(true);
    const box = (await page.locator('#view').boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    await readyUp(page, () => page.tap('#pad-fire'));
    const before = (await stateOf(page)).own!;
    await page.dispatchEvent('#pad-up', 'pointerdown');
    const moved = await pageUntil(page, (s) => s.own !== null && s.own.y < before.y - 30, 5000, 'the ship to move up');
    await page.dispatchEvent('#pad-up', 'pointerup');
    expect(moved.own!.x).toBe(before.x);
    expect(errors).toEqual([]);
  });
});
