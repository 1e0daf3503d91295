// The host's UDP listener alone (no sim): the handshake's rate limit and statelessness, and
// which connection a packet belongs to.

import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { logger } from '../../../src/engine/log.js';
import { decodeUdp, encodeDisconnect, encodeInput, encodeKeepalive, encodeRequest, encodeResponse, UdpDrop, UdpType } from '../../../src/net/protocol/udp.js';
import { DropCounter } from '../../../src/net/server/drops.js';
import { UdpListener } from '../../../src/net/server/udp-listener.js';
import { cleanupNet, LOOPBACK, onCleanup, sleep, waitUntil } from '../../helpers/net.js';

afterEach(cleanupNet);

async function listener(challengesPerSecond: number) {
  const drops = new DropCounter(logger('test'));
  const accepted: unknown[] = [];
  const l = new UdpListener(drops, { maxFrame: 65536, highWater: 16384, challengesPerSecond }, (s) => accepted.push(s));
  const port = await l.listen(0, LOOPBACK);
  onCleanup(() => l.close());
  return { l, drops, accepted, port };
}

describe('udp listener', () => {
  it('a flood of requests from spoofed-looking loopback addresses is rate limited, counted, and keeps no state', async () => {
    const { l, drops, port } = await listener(50);
    const socks = await Promise.all(
      [2, 3, 4].map(async (i) => {
        const s = createSocket('udp4');
        await new Promise<void>((r) => s.bind(0, `127.0.0.${i}`, () => r()));
        onCleanup(() => s.close());
        return s;
      }),
    );
    let challenges = 0;
    for (const s of socks) s.on('message', (m) => m[5] === UdpType.CHALLENGE && challenges++);
    const t0 = performance.now();
    for (let i = 0; i < 600; i++) {
      socks[i % 3]!.send(encodeRequest(Buffer.alloc(8, i & 0xff)), port, LOOPBACK);
      if (i % 30 === 29) await sleep(5);
    }
    await waitUntil(() => (drops.counts[UdpDrop.HANDSHAKE_RATE_LIMITED] ?? 0) + challenges >= 500, 3000, 'flood handled');
    const secs = (performance.now() - t0) / 1000;
    expect(drops.counts[UdpDrop.HANDSHAKE_RATE_LIMITED]).toBeGreaterThan(0);
    expect(challenges).toBeLessThanOrEqual(50 + Math.ceil(50 * secs) + 1);
    expect(l.connections).toBe(0);
  });

  it('a response with a cookie made for another address is refused; the real address gets ACCEPTED once per handshake', async () => {
    const { l, drops, accepted, port } = await listener(1000);
    const a = createSocket('udp4');
    const b = createSocket('udp4');
    await new Promise<void>((r) => a.bind(0, '127.0.0.2', () => r()));
    await new Promise<void>((r) => b.bind(0, '127.0.0.3', () => r()));
    onCleanup(() => a.close());
    onCleanup(() => b.close());
    const gotA: Buffer[] = [];
    a.on('message', (m) => gotA.push(m));
    const nonce = Buffer.alloc(8, 4);
    a.send(encodeRequest(nonce), port, LOOPBACK);
    await waitUntil(() => gotA.length > 0, 2000, 'challenge');
    const ch = decodeUdp(gotA[0]!);
    if (!ch.ok || ch.packet.type !== UdpType.CHALLENGE) throw new Error('no challenge');
    const response = encodeResponse(nonce, ch.packet.time, ch.packet.cookie, Buffer.from([0x80]));
    b.send(response, port, LOOPBACK); // another address replays a's response
    await waitUntil(() => (drops.counts[UdpDrop.BAD_COOKIE] ?? 0) > 0, 2000, 'replayed response refused');
    a.send(response, port, LOOPBACK);
    a.send(response, port, LOOPBACK); // the network repeats it
    await waitUntil(() => gotA.filter((m) => m[5] === UdpType.ACCEPTED).length === 2, 2000, 'accepted twice, same key');
    const keys = gotA.filter((m) => m[5] === UdpType.ACCEPTED).map((m) => m.subarray(14, 22).toString('hex'));
    expect(keys[0]).toBe(keys[1]);
    expect(accepted).toHaveLength(1);
    expect(l.connections).toBe(1);
  });

  it('a connected packet from an address without a connection gets a RESET echoing its key, smaller than itself, within the reply budget; a goodbye gets none', async () => {
    const { drops, port } = await listener(5);
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.2', () => r()));
    onCleanup(() => s.close());
    const got: Buffer[] = [];
    s.on('message', (m) => got.push(m));
    const key = Buffer.alloc(8, 9);
    const keepalive = encodeKeepalive({ key, seq: 1, ack: 0, ackBits: 0 });
    s.send(encodeDisconnect({ key, seq: 1, ack: 0, ackBits: 0 }), port, LOOPBACK);
    s.send(keepalive, port, LOOPBACK);
    await waitUntil(() => got.length > 0, 2000, 'a reset');
    const r = decodeUdp(got[0]!);
    expect(r.ok && r.packet.type === UdpType.RESET && Buffer.from(r.packet.key)).toEqual(key);
    expect(got[0]!.length).toBeLessThan(keepalive.length);
    // 20 more at once: the budget (5 a second) answers a few, the rest are only counted
    for (let i = 2; i < 22; i++) s.send(encodeKeepalive({ key, seq: i, ack: 0, ackBits: 0 }), port, LOOPBACK);
    await waitUntil(() => (drops.counts[UdpDrop.UNKNOWN_CONNECTION] ?? 0) >= 22, 2000, 'all counted');
    await sleep(50);
    expect(got.length).toBeLessThanOrEqual(6);
    expect(drops.counts[UdpDrop.HANDSHAKE_RATE_LIMITED]).toBeGreaterThan(0);
  });

  it('two clients on one port number at two addresses each reach their own connection, and neither key works from the other address', async () => {
    const { l, drops, accepted, port } = await listener(1000);
    const a = createSocket('udp4');
    await new Promise<void>((r) => a.bind(0, '127.0.0.2', () => r()));
    const b = createSocket('udp4');
    await new Promise<void>((r) => b.bind(a.address().port, '127.0.0.3', () => r())); // the same port number
    onCleanup(() => a.close());
    onCleanup(() => b.close());
    const handshake = async (s: typeof a, n: number): Promise<Buffer> => {
      const got: Buffer[] = [];
      s.on('message', (m) => got.push(m));
      const nonce = Buffer.alloc(8, n);
      s.send(encodeRequest(nonce), port, LOOPBACK);
      await waitUntil(() => got.length > 0, 2000, 'challenge');
      const ch = decodeUdp(got[0]!);
      if (!ch.ok || ch.packet.type !== UdpType.CHALLENGE) throw new Error('no challenge');
      s.send(encodeResponse(nonce, ch.packet.time, ch.packet.cookie, Buffer.from([0x80])), port, LOOPBACK);
      await waitUntil(() => got.some((m) => m[5] === UdpType.ACCEPTED), 2000, 'accepted');
      return Buffer.from(got.find((m) => m[5] === UdpType.ACCEPTED)!.subarray(14, 22));
    };
    const keyA = await handshake(a, 1);
    const keyB = await handshake(b, 2);
    expect(l.connections).toBe(2);
    const frames: string[][] = [[], []];
    accepted.forEach((s, i) => (s as NodeJS.EventEmitter).on('data', (d: Buffer) => frames[i]!.push(d.subarray(4).toString())));
    const input = (key: Buffer, seq: number, text: string) => encodeInput({ key, seq, ack: 0, ackBits: 0 }, Buffer.from(text));
    a.send(input(keyA, 1, 'from a'), port, LOOPBACK);
    b.send(input(keyB, 1, 'from b'), port, LOOPBACK);
    await waitUntil(() => frames[0]!.length + frames[1]!.length === 2, 2000, 'both inputs');
    expect(frames).toEqual([['from a'], ['from b']]);
    // each key from the other address (its own port number, the other's address) is forged
    b.send(input(keyA, 2, 'a spoofed'), port, LOOPBACK);
    a.send(input(keyB, 2, 'b spoofed'), port, LOOPBACK);
    await waitUntil(() => (drops.counts[UdpDrop.FORGED_KEY] ?? 0) === 2, 2000, 'forged keys dropped');
    // the first goes; the second is still found (it was the slow way until now)
    (accepted[0] as { destroy(): void }).destroy();
    b.send(input(keyB, 3, 'b again'), port, LOOPBACK);
    await waitUntil(() => frames[1]!.length === 2, 2000, 'b after a left');
    expect(frames).toEqual([['from a'], ['from b', 'b again']]);
  });
});
