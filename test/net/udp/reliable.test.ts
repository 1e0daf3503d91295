import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UdpDrop } from '../../../src/net/protocol/udp.js';
import { CookieJar, ReliableChannel } from '../../../src/net/udp/index.js';

describe('udp reliable channel', () => {
  // (the fates repeat: a link that delivers and acks at least one packet in 50 now and then)
  it('whatever is lost, duplicated or reordered, every message is delivered once and in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 50, maxLength: 50 }).filter((f) => f.some((x) => x >= 0.45)), (n, fate) => {
        const tx = new ReliableChannel({ resendMs: 10 });
        const rx = new ReliableChannel();
        for (let i = 0; i < n; i++) tx.send(Buffer.from(`m${i}`));
        const got: string[] = [];
        let seq = 0;
        let k = 0;
        for (let now = 0; tx.pending > 0 && now < 100_000; now += 10) {
          const due = tx.due(now);
          if (due.length === 0) continue;
          tx.sentIn(++seq, due);
          const f = fate[k++ % fate.length]!;
          if (f < 0.3) continue; // lost
          const deliver = f > 0.8 ? [...due].reverse() : f > 0.6 ? [...due, ...due] : due;
          for (const e of deliver) {
            const r = rx.receive(e);
            if (typeof r !== 'string') got.push(...r.map((b) => Buffer.from(b).toString()));
          }
          if (f < 0.45) continue; // the ack is lost
          tx.onPacketAcked(seq);
        }
        expect(got).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
      }),
    );
  });

  it('a repeat is dropped as replayed; an id far ahead of the window is dropped to be resent', () => {
    const rx = new ReliableChannel({ window: 8 });
    expect(rx.receive({ id: 1, bytes: Buffer.from('a') })).toHaveLength(1);
    expect(rx.receive({ id: 1, bytes: Buffer.from('a') })).toBe(UdpDrop.REPLAYED);
    expect(rx.receive({ id: 3, bytes: Buffer.from('c') })).toEqual([]);
    expect(rx.receive({ id: 3, bytes: Buffer.from('c') })).toBe(UdpDrop.REPLAYED);
    expect(rx.receive({ id: 1000, bytes: Buffer.from('z') })).toBe(UdpDrop.RELIABLE_WINDOW);
    expect(rx.receive({ id: 2, bytes: Buffer.from('b') })).toHaveLength(2);
  });

  it('send refuses past maxUnacked (a peer that never acks cannot grow the queue without end)', () => {
    const tx = new ReliableChannel({ maxUnacked: 3 });
    expect([1, 2, 3, 4].map(() => tx.send(Buffer.from('x')))).toEqual([true, true, true, false]);
  });
});

describe('udp handshake cookies', () => {
  it('a cookie is good only for its address, port, nonce and ten seconds', () => {
    let now = 1000;
    const jar = new CookieJar(Buffer.alloc(32, 1), () => now);
    const nonce = Buffer.alloc(8, 2);
    const { time, cookie } = jar.issue('127.0.0.1', 4000, nonce);
    expect(jar.check('127.0.0.1', 4000, nonce, time, cookie)).toBeNull();
    expect(jar.check('127.0.0.2', 4000, nonce, time, cookie)).toBe(UdpDrop.BAD_COOKIE);
    expect(jar.check('127.0.0.1', 4001, nonce, time, cookie)).toBe(UdpDrop.BAD_COOKIE);
    expect(jar.check('127.0.0.1', 4000, Buffer.alloc(8, 3), time, cookie)).toBe(UdpDrop.BAD_COOKIE);
    expect(jar.check('127.0.0.1', 4000, nonce, time + 1, cookie)).toBe(UdpDrop.BAD_COOKIE);
    expect(new CookieJar(Buffer.alloc(32, 9), () => now).check('127.0.0.1', 4000, nonce, time, cookie)).toBe(UdpDrop.BAD_COOKIE);
    now += 11;
    expect(jar.check('127.0.0.1', 4000, nonce, time, cookie)).toBe(UdpDrop.STALE_COOKIE);
  });
});
