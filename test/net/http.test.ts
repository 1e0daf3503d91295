// The HTTP front of the game port over real sockets: the page's files, WebSocket peers that
// play like TCP clients, and every kind of bad HTTP/WebSocket input, each refused with its
// status or close code and counted, while an honest TCP client keeps playing alongside.

import { afterEach, describe, expect, it } from 'vitest';
import { Button, Phase } from '../../src/engine/games/shooter/schema.js';
import type { LanpartyClient } from '../../src/net/client/client.js';
import { ErrorCode } from '../../src/net/errors.js';
import { DropReason } from '../../src/net/server/drops.js';
import { BUSY_SLOW_CONSUMER, cleanupNet, fillWithFiringPlayers, joinClient, readGlobal, sleep, startHost, waitUntil, type TestHost, type TestHostOptions } from '../helpers/net.js';
import { WsPeer, rawHttp, statusOf } from '../helpers/ws.js';

afterEach(cleanupNet);

async function withHonest(o: TestHostOptions = {}): Promise<{ th: TestHost; honest: LanpartyClient }> {
  const th = await startHost(o);
  const honest = await joinClient(th);
  await waitUntil(() => honest.snapshots >= 3, 3000, 'first snapshots');
  return { th, honest };
}

async function expectPlaying(honest: LanpartyClient): Promise<void> {
  const before = honest.snapshots;
  await waitUntil(() => honest.snapshots >= before + 10, 3000, 'the honest client to keep receiving snapshots');
  expect(honest.closed).toBe(false);
  expect(honest.decodeErrors).toBe(0);
  expect(await honest.ping()).toBeGreaterThanOrEqual(0);
}

const drops = (th: TestHost) => th.host.stats().drops;

describe('http: the game port serves the page', () => {
  it('GET / answers the bundled page, and /app.js its script, gzipped when asked', async () => {
    const { th, honest } = await withHonest();
    const page = await fetch(`http://127.0.0.1:${th.port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('app.js');
    const js = await fetch(`http://127.0.0.1:${th.port}/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect((await js.text()).length).toBeGreaterThan(1000); // fetch gunzips
    expect(th.host.stats().httpServed).toBe(2);
    await expectPlaying(honest);
  });

  it('unknown paths and path traversal get 404, never a file; counted', async () => {
    const { th, honest } = await withHonest();
    const paths = ['/nope', '/../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '//etc/passwd', '/app.js/../../package.json'];
    for (const p of paths) {
      const a = await rawHttp(th.port, `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusOf(a), p).toBe(404);
      expect(a).not.toContain('"name"');
    }
    expect(drops(th)[DropReason.HTTP_NOT_FOUND]).toBe(paths.length);
    await expectPlaying(honest);
  });

  it('methods other than GET get 405', async () => {
    const { th, honest } = await withHonest();
    for (const m of ['POST', 'PUT', 'DELETE', 'HEAD']) {
      const a = await rawHttp(th.port, `${m} / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
      expect(statusOf(a), m).toBe(405);
    }
    expect(drops(th)[DropReason.HTTP_BAD_METHOD]).toBe(4);
    await expectPlaying(honest);
  });

  it('a request head over the size limit gets 431 and is closed', async () => {
    const { th, honest } = await withHonest({ http: { maxHeaderBytes: 2048 } });
    const a = await rawHttp(th.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(4096)}\r\n\r\n`);
    expect(statusOf(a)).toBe(431);
    expect(drops(th)[DropReason.HTTP_HEAD_TOO_LARGE]).toBe(1);
    await expectPlaying(honest);
  });

  it('slowloris: a head that never completes is answered 408 and cut after the head timeout', async () => {
    const { th, honest } = await withHonest({ http: { headTimeoutMs: 400 } });
    const t0 = performance.now();
    const a = await rawHttp(th.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1', 3000);
    expect(statusOf(a)).toBe(408);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(350);
    expect(drops(th)[DropReason.HTTP_TIMEOUT]).toBe(1);
    await waitUntil(() => th.host.stats().http === 0, 2000, 'the HTTP socket gauge back to 0');
    await expectPlaying(honest);
  });

  it('more HTTP sockets than the cap at once: the extra ones get 503', async () => {
    const { th, honest } = await withHonest({ http: { maxSockets: 3, headTimeoutMs: 2000 } });
    const slow = [0, 1, 2].map(() => rawHttp(th.port, 'GET / HTTP/1.1\r\n', 4000));
    await waitUntil(() => th.host.stats().http === 3, 2000, 'three open HTTP sockets');
    const extra = await rawHttp(th.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(extra)).toBe(503);
    expect(drops(th)[DropReason.HTTP_TOO_MANY]).toBe(1);
    for (const a of await Promise.all(slow)) expect(statusOf(a)).toBe(408);
    await expectPlaying(honest);
  });
});

describe('ws: WebSocket peers play like TCP clients', () => {
  it('a WebSocket client joins, gets snapshots, pings, moves, and chats with a TCP client', async () => {
    const { th, honest } = await withHonest();
    const { peer, welcome } = await WsPeer.joined(th.port, { type: 'join', protocol: 1, name: 'webby' });
    expect(welcome).toMatchObject({ type: 'welcome', client: expect.any(Number), entity: expect.any(Number) });
    const snap = await peer.nextWhere((m) => m.type === 'snapshot');
    expect(snap.tick).toBeGreaterThan(0);
    peer.send({ type: 'ack', tick: snap.tick });
    peer.send({ type: 'ping', id: 3 });
    expect(await peer.nextWhere((m) => m.type === 'pong')).toMatchObject({ id: 3 });
    const heard: string[] = [];
    honest.on('chat', (m) => heard.push(`${m.name}: ${m.text}`));
    peer.send({ type: 'chat', text: 'hello from the page' });
    await waitUntil(() => heard.includes('webby: hello from the page'), 3000, "the page's line at the TCP client");
    honest.chat('hello from the terminal');
    expect(await peer.nextWhere((m) => m.type === 'chat' && m.from === honest.welcome.client)).toMatchObject({ text: 'hello from the terminal' });
    expect(th.host.stats().ws).toBe(1);
    await expectPlaying(honest);
  });

  it('an upgrade on another path gets 404; upgrades over the rate get 503', async () => {
    const { th, honest } = await withHonest({ http: { upgradeBurst: 2, upgradesPerSecond: 0.01 } });
    await expect(WsPeer.open(th.port, '/other')).rejects.toMatchObject({ status: 404 });
    await WsPeer.open(th.port);
    await WsPeer.open(th.port);
    await expect(WsPeer.open(th.port)).rejects.toMatchObject({ status: 503 });
    expect(drops(th)[DropReason.WS_UPGRADE_FLOOD]).toBe(1);
    await expectPlaying(honest);
  });

  it('a message over the frame limit closes with 1009 and FRAME_TOO_LARGE', async () => {
    const { th, honest } = await withHonest({ limits: { maxFrame: 4096 } });
    const { peer } = await WsPeer.joined(th.port);
    peer.ws.send(Buffer.alloc(5000));
    await peer.waitClosed();
    expect(peer.closeCode).toBe(1009);
    expect(drops(th)[ErrorCode.FRAME_TOO_LARGE]).toBe(1);
    await expectPlaying(honest);
  });

  it('a text message closes with 1003; bad msgpack is rejected with BAD_ENCODING like TCP', async () => {
    const { th, honest } = await withHonest();
    const { peer } = await WsPeer.joined(th.port);
    peer.ws.send(Buffer.from([0xc1]), { binary: true });
    expect(await peer.nextWhere((m) => m.type === 'error')).toMatchObject({ code: ErrorCode.BAD_ENCODING });
    peer.ws.send('{"type":"ping"}');
    await peer.waitClosed();
    expect(peer.closeCode).toBe(1003);
    expect(drops(th)[DropReason.WS_TEXT_MESSAGE]).toBe(1);
    expect(drops(th)[ErrorCode.BAD_ENCODING]).toBe(1);
    await expectPlaying(honest);
  });

  it('pings count against the message rate: over it they are dropped (RATE_LIMITED) and not answered', async () => {
    // a rate above the honest client's own acks (20 a second), which it must never hit
    const { th, honest } = await withHonest({ limits: { rateBurst: 20, ratePerSecond: 30 } });
    const { peer } = await WsPeer.joined(th.port);
    let pongs = 0;
    peer.ws.on('pong', () => pongs++);
    for (let i = 0; i < 500; i++) peer.ws.ping(Buffer.alloc(100));
    await waitUntil(() => (drops(th)[ErrorCode.RATE_LIMITED] ?? 0) >= 450, 3000, 'the pings over the rate counted');
    await sleep(300);
    // the join took one token; a few more came back with the time the flood took
    expect(pongs).toBeGreaterThanOrEqual(19);
    expect(pongs).toBeLessThan(100);
    expect(pongs + drops(th)[ErrorCode.RATE_LIMITED]!).toBe(500);
    expect(peer.closed).toBe(false);
    await expectPlaying(honest);
  });

  it('a WebSocket client that never reads is skipped, then closed with SLOW_CONSUMER', async () => {
    const { th, honest } = await withHonest(BUSY_SLOW_CONSUMER);
    fillWithFiringPlayers(th);
    honest.input(Button.READY);
    const { peer } = await WsPeer.joined(th.port);
    peer.send({ type: 'input', ack: -1, inputs: [[1, Button.READY]] });
    await waitUntil(() => readGlobal(th, 'phase') === Phase.PLAYING, 3000, 'match start');
    peer.ws.pause(); // never acks (full snapshots every time) and never reads
    const during = honest.snapshots;
    await waitUntil(() => drops(th)[ErrorCode.SLOW_CONSUMER], 10_000, 'SLOW_CONSUMER');
    expect(honest.snapshots).toBeGreaterThan(during + 30);
    peer.ws.resume();
    await peer.waitClosed(5000);
    expect(peer.messages.at(-1)).toMatchObject({ type: 'error', code: ErrorCode.SLOW_CONSUMER });
    expect(drops(th)[ErrorCode.SLOW_CONSUMER]).toBe(1);
    await sleep(100);
    await expectPlaying(honest);
  });
});
