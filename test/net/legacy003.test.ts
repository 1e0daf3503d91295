// The seed 003 exchange over a real socket, with a client that behaves exactly like the
// original Python client (test/helpers/legacy-client.ts): hello -> address, then the 2-in /
// 4-out lockstep (2 out to a client in neither slot), slots, ready, movement, firing,
// disconnects and promotion of a waiting client.

import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../src/net/client/client.js';
import { LegacyClient, pythonDumps, type LegacyFrame } from '../helpers/legacy-client.js';
import { LOOPBACK, cleanupNet, onCleanup, sleep, startHost, waitUntil, type TestHost } from '../helpers/net.js';

afterEach(cleanupNet);

const DATA_KEYS = ['ready', 'level', 'user1', 'user2', 'x1', 'y1', 'health1', 'lost1', 'x2', 'y2', 'health2', 'lost2', 'win1', 'win2'];

async function legacy(th: TestHost, quick = false): Promise<LegacyClient> {
  const c = await LegacyClient.connect(th.port, { quick });
  onCleanup(() => c.close());
  return c;
}

/** A legacy client running its main loop, once it sees itself in `slot` (0: in neither). */
async function inSlot(th: TestHost, slot: 0 | 1 | 2): Promise<LegacyClient> {
  const c = await legacy(th);
  c.start();
  await c.waitFrame(() => c.slot === slot, 3000, `slot ${slot}`);
  return c;
}

function expectDataShape(f: LegacyFrame): void {
  expect(Object.keys(f.data).sort()).toEqual([...DATA_KEYS].sort());
  expect(Array.isArray(f.enemies)).toBe(true);
}

describe('seed 003 client over a real socket', () => {
  it('hello is answered with the client\'s own address and port as the host sees them', async () => {
    const th = await startHost();
    const a = await legacy(th);
    const b = await legacy(th);
    expect(a.address).toEqual([LOOPBACK, a.socket.localPort]);
    expect(a.address).toEqual(a.localAddress);
    expect(b.address).toEqual(b.localAddress);
    expect(a.address[1]).not.toBe(b.address[1]);
    // hello alone is answered with one message and nothing else until the lockstep starts
    await sleep(100);
    expect(a.pending).toBe(0);
    expect(th.host.stats().legacy).toBe(2);
  });

  it('the very first lockstep reply names the client in its slot, as the original server did at connect time', async () => {
    const th = await startHost();
    // each client's first exchange comes right after hello's answer, as the original's loop
    // does; quick clients (one write a message, no Nagle), so it reaches the host at once
    const c1 = await legacy(th, true);
    const f1 = await c1.frame();
    expect(f1.data.user1).toEqual(c1.address);
    expect(f1.messages).toBe(4); // it trusted the reply: data, both laser lists, enemies
    const c2 = await legacy(th, true);
    const f2 = await c2.frame();
    expect(f2.data.user1).toEqual(c1.address);
    expect(f2.data.user2).toEqual(c2.address);
    expect(f2.messages).toBe(4);
    // both slots taken: the third is answered at once, and its first reply is a spectator's
    const c3 = await legacy(th, true);
    const f3 = await c3.frame();
    expect([f3.data.user1, f3.data.user2]).toEqual([c1.address, c2.address]);
    expect(f3.messages).toBe(2);
    // and every reply was read to the end: nothing left over from a misread first frame
    await sleep(100);
    expect([c1.pending, c2.pending, c3.pending]).toEqual([0, 0, 0]);
  });

  it('two clients take user1 and user2; lockstep is 2 in / 4 out; a third client gets data + enemies only', async () => {
    const th = await startHost();
    const c1 = await inSlot(th, 1);
    const c2 = await inSlot(th, 2);
    await c1.waitFrame((f) => JSON.stringify(f.data.user2) === JSON.stringify(c2.address), 2000, 'c1 sees c2 in user2');
    const c3 = await legacy(th);
    c3.start();
    await c3.waitFrame(() => true);
    await Promise.all([c1.stop(), c2.stop(), c3.stop()]);

    // frame by frame, in lockstep: exactly what the original reads, nothing more. (Like the
    // original, the client writes header and payload separately with Nagle on, so over
    // loopback each exchange waits out a delayed ACK: ~40 ms a frame. Keep the count small.)
    for (let i = 0; i < 8; i++) {
      const [f1, f2, f3] = [await c1.frame(), await c2.frame(), await c3.frame()];
      for (const f of [f1, f2, f3]) {
        expectDataShape(f);
        expect(f.data.user1).toEqual(c1.address);
        expect(f.data.user2).toEqual(c2.address);
      }
      expect(f1.messages).toBe(4);
      expect(f2.messages).toBe(4);
      expect(Array.isArray(f1.lasers1) && Array.isArray(f1.lasers2)).toBe(true);
      expect(f3.messages).toBe(2);
      expect(f3.lasers1).toBeNull();
      expect(c3.slot).toBe(0);
      // the slot clients' ships sit at the original's spawn points
      expect([f1.data.x1, f1.data.y1, f1.data.x2, f1.data.y2]).toEqual([220, 630, 400, 630]);
    }
    // nothing unread and nothing unsolicited: the host sent exactly what the clients read
    await sleep(150);
    expect([c1.pending, c2.pending, c3.pending]).toEqual([0, 0, 0]);

    // the transcript of one exchange, by hand: user data alone is not answered ...
    c1.send(pythonDumps({ connection: true, ready: false }));
    await sleep(100);
    expect(c1.pending).toBe(0);
    // ... the keys complete the pair: data, lasers1, lasers2, enemies, and nothing more
    c1.send(pythonDumps(c1.keys));
    const transcript = [await c1.receive(), await c1.receive(), await c1.receive(), await c1.receive()].map((t) => JSON.parse(t));
    expect(Object.keys(transcript[0]).sort()).toEqual([...DATA_KEYS].sort());
    expect(transcript.slice(1)).toEqual([[], [], []]); // no lasers, no enemies in the lobby
    // the spectator's pair is answered with data and enemies only
    c3.send(pythonDumps({ connection: true, ready: false }));
    c3.send(pythonDumps(c3.keys));
    const spect = [await c3.receive(), await c3.receive()].map((t) => JSON.parse(t));
    expect(spect[0].user1).toEqual(c1.address);
    expect(spect[1]).toEqual([]);
    await sleep(100);
    expect([c1.pending, c3.pending]).toEqual([0, 0]);
    expect(th.host.stats().legacy).toBe(3);
    // c3's address appears nowhere
    expect(JSON.stringify(c1.last!.data)).not.toContain(String(c3.address[1]));
  });

  it('ready on both starts the match: data.ready, level >= 1, enemies; D moves x1 right; SPACE fires', async () => {
    const th = await startHost();
    const c1 = await inSlot(th, 1);
    const c2 = await inSlot(th, 2);
    const lobby = await c1.waitFrame(() => true);
    expect(lobby.data.ready).toBe(false);
    expect(lobby.enemies).toEqual([]);

    c1.ready = true;
    // one player ready is not enough
    await sleep(200);
    expect(c1.last!.data.ready).toBe(false);
    c2.ready = true;
    const started = await c1.waitFrame((f) => f.data.ready && f.data.level >= 1 && f.enemies.length > 0, 3000, 'match start');
    expect(started.enemies.length).toBe(20); // wave 1
    for (const e of started.enemies) expect(['red', 'green', 'blue']).toContain(e.ecolor);
    await c2.waitFrame((f) => f.data.ready && f.data.level >= 1);

    // D (scancode 7) moves player 1 right; player 2 stays put
    const x0 = c1.last!.data.x1;
    c1.press('D');
    const moved = await c1.waitFrame((f) => f.data.x1 >= x0 + 30, 3000, 'x1 to grow');
    expect(moved.data.y1).toBe(started.data.y1);
    expect(moved.data.x2).toBe(started.data.x2);
    c1.releaseAll();
    // released: the ship stops once the inputs already in flight are applied (the lockstep
    // may lag on a loaded machine, so wait for x1 to hold still rather than a fixed time)
    let stopped = c1.last!.data.x1;
    for (let i = 0; i < 40; i++) {
      await sleep(150);
      const now = c1.last!.data.x1;
      if (now === stopped) break;
      stopped = now;
    }
    await sleep(150);
    expect(c1.last!.data.x1).toBe(stopped);

    // A (scancode 4) moves it back left
    c1.press('A');
    await c1.waitFrame((f) => f.data.x1 <= stopped - 20, 3000, 'x1 to shrink');
    c1.releaseAll();

    // SPACE (scancode 44) fires: player 2's laser list fills, player 1's stays empty
    c2.press('SPACE');
    const fired = await c2.waitFrame((f) => (f.lasers2?.length ?? 0) > 0, 3000, 'a laser');
    expect(fired.lasers1).toEqual([]);
    const laser = fired.lasers2![0]!;
    expect(Math.abs(laser.x - fired.data.x2)).toBeLessThanOrEqual(1);
    expect(laser.y).toBeLessThan(fired.data.y2 + 1);
    await c1.waitFrame((f) => (f.lasers2?.length ?? 0) > 0, 2000, 'c1 to see c2\'s laser');
    await Promise.all([c1.stop(), c2.stop()]);
  });

  it('{"connection": false} frees the slot: the waiting third client is promoted; the host keeps accepting', async () => {
    const th = await startHost();
    const c1 = await inSlot(th, 1);
    const c2 = await inSlot(th, 2);
    const c3 = await inSlot(th, 0);
    expect(c3.last!.messages).toBe(2);

    await c1.disconnect();
    await waitUntil(() => c1.closed, 2000, 'the host to close the leaving client');
    // c3 now finds itself in user1 and reads 4 messages a frame
    const promoted = await c3.waitFrame((f) => f.messages === 4, 3000, 'c3 promoted');
    expect(promoted.data.user1).toEqual(c3.address);
    expect(promoted.data.user2).toEqual(c2.address);
    expect(c3.slot).toBe(1);
    await c2.waitFrame((f) => JSON.stringify(f.data.user1) === JSON.stringify(c3.address), 2000, 'c2 to see c3');
    expect(th.host.stats().legacy).toBe(2);

    // a new client is accepted and waits; when c2 leaves (abruptly this time) it takes user2
    const c4 = await inSlot(th, 0);
    expect(c4.address).toEqual(c4.localAddress);
    expect(c4.last!.messages).toBe(2);
    await c2.stop();
    c2.close();
    const p4 = await c4.waitFrame((f) => f.messages === 4, 3000, 'c4 promoted');
    expect(p4.data.user2).toEqual(c4.address);
    expect(p4.data.user1).toEqual(c3.address);

    // and after all that, the host still takes new clients of every kind
    const c5 = await inSlot(th, 0);
    const fresh = await LanpartyClient.connect({ host: LOOPBACK, port: th.port, timeoutMs: 3000 });
    onCleanup(() => fresh.close());
    expect(fresh.welcome.client).toBeGreaterThan(0);
    await c5.waitFrame((f) => f.messages === 2);
    await Promise.all([c3.stop(), c4.stop(), c5.stop()]);
    await sleep(100);
    expect([c3.pending, c4.pending, c5.pending]).toEqual([0, 0, 0]);
  });
});
