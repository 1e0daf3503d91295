// Every kind of bad HTTP and WebSocket input of issue 14, sent from this process to the game
// port of a host on which an honest page plays in Chromium:
//
//   attacker (this process)  --bad bytes-->  host :port  <--WebSocket--  chromium page (honest)
//
// Each case checks three things: the attacker gets its stable HTTP status or WebSocket close
// code and is closed; the host counted the reason (HostServer.stats().drops; every count is
// also a rate-limited log line, drops.ts); and the page noticed nothing: the same session
// (no reconnect), snapshots at the host's tick rate, no decode error, no page error, and its
// keys still move its ship. test/net/http.test.ts checks the same refusals without a browser,
// with a TCP client as the honest player.

import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ErrorCode } from '../../src/net/errors.js';
import { DropReason } from '../../src/net/server/drops.js';
import { Button } from '../../src/engine/games/shooter/schema.js';
import { closeBrowsers, openBrowser } from '../helpers/browser.js';
import { BUSY_SLOW_CONSUMER, LOOPBACK, cleanupNet, fillWithFiringPlayers, onCleanup, startHost, ticks, waitUntil, withTimeout, type TestHost, type TestHostOptions } from '../helpers/net.js';
import { pageUntil, readyUp, stateOf } from '../helpers/web-page.js';
import { WsPeer, rawHttp, statusOf } from '../helpers/ws.js';

let ctx: BrowserContext;
beforeAll(async () => {
  ({ ctx } = await openBrowser());
});
afterAll(closeBrowsers);
afterEach(cleanupNet);

interface Honest {
  th: TestHost;
  page: Page;
  errors: string[];
  /** The page's snapshot count and the sim's tick when the attack started. */
  from: { snapshots: number; tick: number };
}

/** A host, and a page on it that joined, readied and plays (alone, or with the test's bots). */
async function hostWithHonestPage(o: TestHostOptions = {}, before?: (th: TestHost) => void): Promise<Honest> {
  const th = await startHost(o);
  before?.(th);
  const page = await ctx.newPage();
  onCleanup(() => page.close());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://${LOOPBACK}:${th.port}/?name=honest`);
  await pageUntil(page, (s) => s.link === 'playing' && s.snapshots > 5 && s.own !== null, 15_000, 'the page to join');
  await readyUp(page, () => page.keyboard.press('Space'));
  // a reconnect would make a new session: keep this one to compare with at the end
  await page.evaluate(() => {
    const g = globalThis as unknown as { lanparty: { client: { session: unknown } }; watched: unknown };
    g.watched = g.lanparty.client.session;
  });
  return { th, page, errors, from: { snapshots: (await stateOf(page)).snapshots, tick: th.sim.tick } };
}

/** The page noticed nothing of the attack that ran since `from`. */
async function expectNoticedNothing(h: Honest): Promise<void> {
  await ticks(h.th, 30);
  const sameSession = await h.page.evaluate(() => {
    const g = globalThis as unknown as { lanparty: { client: { session: { decodeErrors: number } } }; watched: unknown };
    return g.watched === g.lanparty.client.session && g.lanparty.client.session.decodeErrors === 0;
  });
  expect(sameSession, 'the same session, no decode error').toBe(true);
  const s = await stateOf(h.page);
  expect(s.link).toBe('playing');
  // one snapshot per tick at 60 Hz; a client that falls behind may be lowered to 30 Hz, never stalled
  const got = s.snapshots - h.from.snapshots;
  const elapsed = h.th.sim.tick - h.from.tick;
  expect(got, `${got} snapshots over ${elapsed} ticks`).toBeGreaterThanOrEqual(elapsed * 0.4);
  // its keys still move its ship: towards the middle, so that a wall cannot stop it
  const key = s.own!.x < 375 ? 'ArrowRight' : 'ArrowLeft';
  await h.page.keyboard.down(key);
  await pageUntil(h.page, (n) => n.own !== null && Math.abs(n.own.x - s.own!.x) > 20, 5000, `the ship to move (${key})`);
  await h.page.keyboard.up(key);
  expect(h.errors).toEqual([]);
}

const drops = (th: TestHost) => th.host.stats().drops;

/** An HTTP head sent a few bytes at a time, never finished; resolves with the answer and when the host closed. */
function slowloris(port: number, everyMs: number): Promise<{ answer: string; ms: number }> {
  const socket = connect({ host: LOOPBACK, port });
  onCleanup(() => socket.destroy());
  const t0 = performance.now();
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
  let n = 0;
  const drip = setInterval(() => socket.writable && socket.write(`X-${n++}: y\r\n`), everyMs);
  return withTimeout(
    new Promise((resolve) =>
      socket.once('close', () => {
        clearInterval(drip);
        resolve({ answer: Buffer.concat(chunks).toString('latin1'), ms: performance.now() - t0 });
      }),
    ),
    10_000,
    'the host to cut the slow head',
  );
}

describe('web bad input: an honest page in chromium plays through each attack', () => {
  it('oversized request heads get 431 and are closed', async () => {
    const h = await hostWithHonestPage({ http: { maxHeaderBytes: 4096 } });
    for (let i = 0; i < 5; i++) {
      const a = await rawHttp(h.th.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(16 * 1024)}\r\n\r\n`);
      expect(statusOf(a)).toBe(431);
    }
    expect(drops(h.th)[DropReason.HTTP_HEAD_TOO_LARGE]).toBe(5);
    await expectNoticedNothing(h);
  });

  it('oversized WebSocket messages, whole or in fragments, close with 1009 and FRAME_TOO_LARGE', async () => {
    const h = await hostWithHonestPage({ limits: { maxFrame: 8192 } });
    const { peer: whole } = await WsPeer.joined(h.th.port, { type: 'join', protocol: 1, name: 'big' });
    whole.ws.send(Buffer.alloc(20_000), { binary: true });
    await whole.waitClosed();
    expect(whole.closeCode).toBe(1009);
    // before any join, and split over fragments that are each under the limit
    const fragments = await WsPeer.open(h.th.port);
    fragments.ws.send(Buffer.alloc(6000), { binary: true, fin: false });
    fragments.ws.send(Buffer.alloc(6000), { binary: true, fin: true });
    await fragments.waitClosed();
    expect(fragments.closeCode).toBe(1009);
    expect(drops(h.th)[ErrorCode.FRAME_TOO_LARGE]).toBe(2);
    await waitUntil(() => h.th.host.stats().ws === 1, 3000, 'only the page left as a WebSocket');
    await expectNoticedNothing(h);
  });

  it('slowloris: heads dripped a line at a time get 408 at the head timeout and are cut; the page still loads', async () => {
    const h = await hostWithHonestPage({ http: { headTimeoutMs: 1000 } });
    const slow = Array.from({ length: 10 }, () => slowloris(h.th.port, 100));
    await waitUntil(() => h.th.host.stats().http === 10, 3000, 'ten slow HTTP sockets');
    // meanwhile another guest loads the page
    const page = await fetch(`http://${LOOPBACK}:${h.th.port}/`);
    expect(page.status).toBe(200);
    for (const s of await Promise.all(slow)) {
      expect(statusOf(s.answer)).toBe(408);
      expect(s.ms).toBeGreaterThanOrEqual(900);
    }
    expect(drops(h.th)[DropReason.HTTP_TIMEOUT]).toBe(10);
    await waitUntil(() => h.th.host.stats().http === 0, 3000, 'the HTTP socket gauge back to 0');
    await expectNoticedNothing(h);
  });

  it('unknown paths and path traversal get 404, other methods 405, never a file', async () => {
    const h = await hostWithHonestPage();
    const paths = ['/nope', '/../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fsrc%2fcli.ts', '//etc/passwd', '/app.js/../../package.json', '/ws/../index.html%00'];
    for (const p of paths) {
      const a = await rawHttp(h.th.port, `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusOf(a), p).toBe(404);
      expect(a).not.toMatch(/"name"|import |root:/);
    }
    for (const m of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']) {
      const a = await rawHttp(h.th.port, `${m} / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
      expect(statusOf(a), m).toBe(405);
    }
    expect(drops(h.th)[DropReason.HTTP_NOT_FOUND]).toBe(paths.length);
    expect(drops(h.th)[DropReason.HTTP_BAD_METHOD]).toBe(6);
    await expectNoticedNothing(h);
  });

  it('an upgrade flood from one machine: upgrades over its burst get 503 and are closed; another guest still joins', async () => {
    // the rate is per address: the flood (from 127.0.0.2) has five, the pages (127.0.0.1) their own five
    const h = await hostWithHonestPage({ http: { upgradeBurst: 5, upgradesPerSecond: 0.01 } });
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () =>
        WsPeer.open(h.th.port, '/ws', '127.0.0.2').then(
          (p) => (p.ws.close(), 101),
          (e: { status?: number }) => e.status ?? 0,
        ),
      ),
    );
    expect(outcomes.filter((s) => s === 101)).toHaveLength(5);
    expect(outcomes.filter((s) => s === 503)).toHaveLength(35);
    expect(drops(h.th)[DropReason.WS_UPGRADE_FLOOD]).toBe(35);
    await waitUntil(() => h.th.host.stats().http === 0 && h.th.host.stats().ws === 1, 3000, 'the flood closed, the page still connected');
    // a guest opening the page now is not refused for the flood's sake
    const guest = await ctx.newPage();
    onCleanup(() => guest.close());
    await guest.goto(`http://${LOOPBACK}:${h.th.port}/?name=guest`);
    await pageUntil(guest, (s) => s.link === 'playing' && s.snapshots > 5, 15_000, 'the second page to join');
    expect(drops(h.th)[DropReason.WS_UPGRADE_FLOOD]).toBe(35);
    await expectNoticedNothing(h);
  });

  it('a WebSocket client that never reads and floods pings is rate limited, skipped, then closed with SLOW_CONSUMER', async () => {
    const h = await hostWithHonestPage(BUSY_SLOW_CONSUMER, (th) => fillWithFiringPlayers(th));
    const { peer } = await WsPeer.joined(h.th.port, { type: 'join', protocol: 1, name: 'deaf' });
    peer.send({ type: 'input', ack: -1, inputs: [[1, Button.READY]] });
    peer.ws.pause(); // never acks (full snapshots every time) and never reads
    // and floods pings, whose pongs it never reads either: ws alone would cut it without a reason
    for (let i = 0; i < 2000; i++) peer.ws.ping(Buffer.alloc(125));
    await waitUntil(() => drops(h.th)[ErrorCode.RATE_LIMITED], 5000, 'the pings over the rate counted');
    await waitUntil(() => drops(h.th)[ErrorCode.SLOW_CONSUMER], 15_000, 'SLOW_CONSUMER');
    peer.ws.resume();
    await peer.waitClosed(5000);
    expect(peer.messages.at(-1)).toMatchObject({ type: 'error', code: ErrorCode.SLOW_CONSUMER });
    expect(peer.closeCode).toBe(1008);
    expect(drops(h.th)[ErrorCode.SLOW_CONSUMER]).toBe(1);
    await expectNoticedNothing(h);
  });
});
