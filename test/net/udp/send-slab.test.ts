// The host's snapshot datagrams are cut from one slab (src/net/udp/send-slab.ts): the bytes a
// peer writes there must be exactly the datagrams the encoders make, and a slab must never be
// carved again while a send that reads from it may still be queued.

import { describe, expect, it } from 'vitest';
import { decodeUdp, encodeFragment, encodePair, MAX_FRAGMENT_PAYLOAD, UdpType } from '../../../src/net/protocol/udp.js';
import { SendSlab, UdpPeer } from '../../../src/net/udp/index.js';

describe('udp send slab', () => {
  it('carves the same slab again only when no send is queued; else takes a new one and leaves the old to the queue', () => {
    let queued = false;
    const slab = new SendSlab(() => queued, 100);
    const a = slab.take(60);
    a.fill(1);
    const b = slab.take(60); // does not fit after a: start over, nothing queued: same memory
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset);
    queued = true;
    b.fill(2);
    const c = slab.take(60); // a send may still read b: a new slab
    expect(c.buffer).not.toBe(b.buffer);
    c.fill(3);
    expect(b.every((x) => x === 2)).toBe(true);
    expect(slab.renewed).toBe(1);
    expect(() => slab.take(101)).toThrow(RangeError);
  });

  it('a snapshot sent through a slab is byte for byte the fragments (and pairs) the encoders make', () => {
    const mk = () => new UdpPeer(Buffer.alloc(8, 7), 0);
    const viaSlab = mk();
    const viaEncoders = mk();
    const slab = new SendSlab(() => false, 4096);
    for (const [no, size] of [[1, 100], [2, 3000], [3, 1200], [4, 1201], [5, 50], [6, 60]] as const) {
      const bytes = Buffer.alloc(size, no);
      const got: Buffer[] = [];
      // copied at once: the next take may carve the same memory
      viaSlab.sendSnapshot(no, bytes, (d) => got.push(Buffer.from(d)), (n) => slab.take(n));
      const want = viaEncoders.snapshotPackets(no, bytes);
      expect(got).toEqual(want);
      const count = Math.ceil(size / MAX_FRAGMENT_PAYLOAD);
      expect(want.map((d) => decodeUdp(d).ok && d[5])).toEqual(Array(count).fill(UdpType.FRAGMENT));
      const parts = want.map((d) => decodeUdp(d)).map((r) => (r.ok && r.packet.type === UdpType.FRAGMENT ? r.packet : null));
      expect(Buffer.concat(parts.map((p) => p!.bytes))).toEqual(bytes);
      // the old encoder, from the header each datagram carries
      parts.forEach((p, i) => expect(want[i]).toEqual(encodeFragment(p!.header, no, i, count, p!.bytes)));
    }
    // while redundant, two small ones go as a PAIR: the same through the slab
    viaSlab.redundant = viaEncoders.redundant = true;
    for (const no of [7, 8]) {
      const bytes = Buffer.alloc(40, no);
      const got: Buffer[] = [];
      viaSlab.sendSnapshot(no, bytes, (d) => got.push(Buffer.from(d)), (n) => slab.take(n));
      expect(got).toEqual(viaEncoders.snapshotPackets(no, bytes));
    }
    const d = viaEncoders.snapshotPackets(9, Buffer.alloc(30, 9))[0]!;
    const pair = decodeUdp(d);
    if (!pair.ok || pair.packet.type !== UdpType.PAIR) throw new Error('not a pair');
    expect([pair.packet.bytes, pair.packet.previous]).toEqual([Buffer.alloc(30, 9), Buffer.alloc(40, 8)]);
    expect(d).toEqual(encodePair(pair.packet.header, 9, pair.packet.bytes, pair.packet.previous));
  });
});
