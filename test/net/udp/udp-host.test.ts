// UDP mode against a real host (network thread, sim worker, dgram sockets on 127.0.0.1):
// an honest client joins, plays and chats over UDP while bad datagrams are each dropped with
// their own counted reason.

import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../../src/net/client/client.js';
import {
  decodeUdp,
  encodeChallenge,
  encodeFragment,
  encodeInput,
  encodeKeepalive,
  encodeRequest,
  encodeResponse,
  MAX_DATAGRAM,
  UdpDrop,
  UdpType,
} from '../../../src/net/protocol/udp.js';
import { Button, Phase } from '../../../src/engine/games/shooter/schema.js';
import { cleanupNet, LOOPBACK, onCleanup, readGlobal, sleep, startHost, waitUntil, type TestHost } from '../../helpers/net.js';

afterEach(cleanupNet);

async function udpClient(th: TestHost, o: Partial<Parameters<typeof LanpartyClient.connect>[0]> = {}): Promise<LanpartyClient> {
  const c = await LanpartyClient.connect({ host: LOOPBACK, port: th.port, transport: 'udp', timeoutMs: 3000, ...o });
  onCleanup(() => c.close());
  return c;
}

/** Count the snapshots a client decodes from now on. */
function countSnapshots(c: LanpartyClient): { n: number } {
  const box = { n: 0 };
  c.on('snapshot', () => box.n++);
  return box;
}

async function raw(): Promise<DgramSocket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, LOOPBACK, () => r()));
  onCleanup(() => s.close());
  return s;
}

const drops = (th: TestHost, r: string): number => th.host.drops.counts[r] ?? 0;

describe('udp mode on the host', () => {
  it('UDP clients acking on their own inputs, each at a rate of its own, are sent deltas on a shared base and base2 (older than some of their newest acks) and decode every snapshot', async () => {
    const gameOptions = { drones: 300 };
    const th = await startHost({ interest: false, gameOptions, simOptions: { game: 'shooter', gameOptions, capacity: 2000 } });
    const clients = await Promise.all(Array.from({ length: 8 }, () => udpClient(th)));
    expect(clients.every((c) => c.welcome.pred)).toBe(true);
    const seen = clients.map(countSnapshots);
    // inputs every 30 to 79 ms: the host reads their acks (which ride the inputs) at every
    // moment of a window, and some clients ack every other window only
    const timers: NodeJS.Timeout[] = [];
    clients.forEach((c, i) => timers.push(setInterval(() => c.input(0), 30 + 7 * i)));
    onCleanup(() => timers.forEach((t) => clearInterval(t)));
    await sleep(1000);
    const before = th.host.stats();
    await sleep(2000);
    const after = th.host.stats();
    const ticks = after.encodes - before.encodes;
    expect(ticks).toBeGreaterThan(60);
    // a payload per distinct (base, base2) a tick: fewer than the clients
    expect(after.basePayloads - before.basePayloads).toBeLessThan(4 * ticks);
    for (const [i, c] of clients.entries()) {
      expect(c.decodeErrors, `client ${i}`).toBe(0);
      expect(seen[i]!.n, `client ${i}`).toBeGreaterThan(120);
    }
  });

  it('a client joins over UDP, gets a welcome and snapshots, and its inputs reach the sim', async () => {
    const th = await startHost();
    const c = await udpClient(th, { name: 'udpy' });
    expect(c.welcome.client).toBeGreaterThan(0);
    const seen = countSnapshots(c);
    await waitUntil(() => seen.n >= 30, 3000, '30 snapshots over UDP');
    // inputs go as unreliable INPUT datagrams: holding READY starts the match
    await waitUntil(
      async () => {
        c.input(Button.READY);
        await sleep(16);
        return readGlobal(th, 'phase') === Phase.PLAYING;
      },
      4000,
      'match started by a UDP player',
    );
  });

  it('a TCP client switches to UDP with its token and keeps its client id and entity', async () => {
    const th = await startHost({ graceMs: 5000 });
    const tcp = await LanpartyClient.connect({ host: LOOPBACK, port: th.port, timeoutMs: 3000 });
    const { client, entity, token } = tcp.welcome;
    tcp.close();
    await sleep(100);
    const udp = await udpClient(th, { token });
    expect([udp.welcome.client, udp.welcome.entity, udp.welcome.reconnected]).toEqual([client, entity, true]);
  });

  it('a refused join over UDP gets the error code (BAD_TOKEN) as over TCP', async () => {
    const th = await startHost();
    await expect(udpClient(th, { token: '6f1c2a8e-1b2c-4d3e-8f4a-123456789abc' })).rejects.toMatchObject({ code: 'BAD_TOKEN' });
  });

  it('transport auto falls back to TCP when nothing answers on UDP within 1 s', async () => {
    const th = await startHost();
    // a TCP-only door to the host: a port where nothing answers UDP
    const proxy = createServer((s) => s.pipe(connect(th.port, LOOPBACK)).pipe(s).on('error', () => s.destroy()));
    await new Promise<void>((r) => proxy.listen(0, LOOPBACK, () => r()));
    onCleanup(() => proxy.close());
    const port = (proxy.address() as { port: number }).port;
    const c = await LanpartyClient.connect({ host: LOOPBACK, port, transport: 'auto', timeoutMs: 3000 });
    onCleanup(() => c.close());
    expect(c.welcome.client).toBeGreaterThan(0);
  });

  it('bad datagrams are each dropped with their reason while an honest UDP client plays on', async () => {
    const th = await startHost();
    const c = await udpClient(th);
    const seen = countSnapshots(c);
    const evil = await raw();
    const send = (b: Buffer) => evil.send(b, th.port, LOOPBACK);
    const key = Buffer.alloc(8, 9);
    const h = { key, seq: 1, ack: 0, ackBits: 0 };
    const cases: Array<[string, Buffer]> = [
      [UdpDrop.TOO_SHORT, Buffer.from('LPU')],
      [UdpDrop.OVERSIZED, Buffer.alloc(MAX_DATAGRAM + 1)],
      [UdpDrop.BAD_MAGIC, Buffer.from('XXXX\x01\x0d')],
      [UdpDrop.BAD_VERSION, Buffer.from('LPUD\x09\x0d')],
      [UdpDrop.UNKNOWN_CONNECTION, encodeKeepalive(h)],
      [UdpDrop.BAD_COOKIE, encodeResponse(Buffer.alloc(8), Math.floor(Date.now() / 1000), Buffer.alloc(16), Buffer.from([0x80]))],
      [UdpDrop.WRONG_DIRECTION, encodeChallenge(Buffer.alloc(8), 0, Buffer.alloc(16))],
      [UdpDrop.BAD_FRAGMENT, encodeFragment(h, 1, 0, 1, Buffer.from([1])).fill(0, 31, 32)],
    ];
    for (const [reason, d] of cases) {
      const before = drops(th, reason);
      send(d);
      await waitUntil(() => drops(th, reason) > before, 2000, reason);
    }
    const n = seen.n;
    await waitUntil(() => seen.n >= n + 20, 3000, 'snapshots still arriving');
    expect(c.closed).toBe(false);
  });

  it('a forged key, a replayed packet and a handshake flood from many loopback addresses leave no state; the honest client plays on', async () => {
    const th = await startHost();
    const c = await udpClient(th);
    const seen = countSnapshots(c);
    // an attacker at another loopback address completes its own handshake to learn what a
    // connection looks like, then sends packets with a key of its own making
    const evil = await raw();
    const got: Buffer[] = [];
    evil.on('message', (m) => got.push(m));
    evil.send(encodeRequest(Buffer.alloc(8, 1)), th.port, LOOPBACK);
    await waitUntil(() => got.length > 0, 2000, 'challenge');
    const ch = decodeUdp(got[0]!);
    if (!ch.ok || ch.packet.type !== UdpType.CHALLENGE) throw new Error('no challenge');
    evil.send(encodeResponse(Buffer.alloc(8, 1), ch.packet.time, ch.packet.cookie, Buffer.from([0x81, 0xa4, ...Buffer.from('type'), 0xa4, ...Buffer.from('join')])), th.port, LOOPBACK);
    await waitUntil(() => got.some((m) => m[5] === UdpType.ACCEPTED), 2000, 'accepted');
    const acc = decodeUdp(got.find((m) => m[5] === UdpType.ACCEPTED)!);
    if (!acc.ok || acc.packet.type !== UdpType.ACCEPTED) throw new Error('not accepted');
    const realKey = Buffer.from(acc.packet.key);
    const forged = Buffer.from(realKey);
    forged[0] ^= 0xff;
    let before = drops(th, UdpDrop.FORGED_KEY);
    evil.send(encodeKeepalive({ key: forged, seq: 1, ack: 0, ackBits: 0 }), th.port, LOOPBACK);
    await waitUntil(() => drops(th, UdpDrop.FORGED_KEY) > before, 2000, 'forged key dropped');
    const input = encodeInput({ key: realKey, seq: 5, ack: 0, ackBits: 0 }, Buffer.from([0x80]));
    evil.send(input, th.port, LOOPBACK);
    before = drops(th, UdpDrop.REPLAYED);
    evil.send(input, th.port, LOOPBACK);
    await waitUntil(() => drops(th, UdpDrop.REPLAYED) > before, 2000, 'replay dropped');
    before = drops(th, UdpDrop.STALE_SEQUENCE);
    evil.send(encodeInput({ key: realKey, seq: 5000, ack: 0, ackBits: 0 }, Buffer.from([0x80])), th.port, LOOPBACK);
    evil.send(encodeInput({ key: realKey, seq: 6, ack: 0, ackBits: 0 }, Buffer.from([0x80])), th.port, LOOPBACK);
    await waitUntil(() => drops(th, UdpDrop.STALE_SEQUENCE) > before, 2000, 'stale seq dropped');
    // a fragment bomb sent to the host (64-part sets it never completes): refused unread
    before = drops(th, UdpDrop.WRONG_DIRECTION);
    for (let i = 0; i < 50; i++) evil.send(encodeFragment({ key: realKey, seq: 6000 + i, ack: 0, ackBits: 0 }, i, 0, 64, Buffer.alloc(1200)), th.port, LOOPBACK);
    await waitUntil(() => drops(th, UdpDrop.WRONG_DIRECTION) >= before + 50, 2000, 'fragments to the host dropped');
    // a flood of requests "from" many loopback addresses: each costs a challenge at most,
    // the rest are rate limited, and no state is kept for any of them
    const flooders = await Promise.all([2, 3, 4, 5].map(async (i) => {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, `127.0.0.${i}`, () => r()));
      onCleanup(() => s.close());
      return s;
    }));
    const req = encodeRequest(Buffer.alloc(8, 3));
    // 4,000 a second for 1.5 s (in small batches, or the kernel drops them before the host sees them)
    for (let i = 0; i < 6000; i++) {
      flooders[i % 4]!.send(req, th.port, LOOPBACK);
      if (i % 40 === 39) await sleep(10);
    }
    expect(th.host.stats().connections).toBe(2);
    const n = seen.n;
    await waitUntil(() => seen.n >= n + 20, 3000, 'snapshots still arriving');
    expect(c.closed).toBe(false);
  });
});
