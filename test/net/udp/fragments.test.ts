import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FRAGMENT_PAYLOAD, MAX_FRAGMENTS, UdpDrop } from '../../../src/net/protocol/udp.js';
import { Reassembler, splitSnapshot } from '../../../src/net/udp/index.js';

describe('udp snapshot fragments', () => {
  it('split then reassembled in any order, with duplicates, gives the snapshot back', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: MAX_FRAGMENT_PAYLOAD * 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer(),
        (snap, dupes, seed) => {
          const parts = splitSnapshot(snap);
          const order = parts.map((p, i) => ({ p, i }));
          for (const d of dupes) order.push(order[d % order.length]!);
          order.sort((a, b) => ((a.i * 7919 + seed) % 13) - ((b.i * 7919 + seed) % 13));
          const r = new Reassembler();
          let done: Uint8Array | undefined;
          for (const { p, i } of order) {
            const got = r.add(9, i, parts.length, p, 0);
            if ('done' in got) done = got.done;
          }
          expect(Buffer.from(done!)).toEqual(Buffer.from(snap));
          expect(r.heldSets).toBe(0);
        },
      ),
    );
  });

  it('fragment bomb: huge counts are refused and never-completing sets stay bounded in number, bytes and time', () => {
    const r = new Reassembler({ maxSets: 4, timeoutMs: 250 });
    const full = new Uint8Array(MAX_FRAGMENT_PAYLOAD);
    expect(r.add(1, 0, MAX_FRAGMENTS + 1, full, 0)).toEqual({ drop: UdpDrop.BAD_FRAGMENT });
    expect(r.add(1, 0, 3, new Uint8Array(10), 0)).toEqual({ drop: UdpDrop.BAD_FRAGMENT });
    for (let tick = 10; tick < 110; tick++) {
      for (let i = 0; i < MAX_FRAGMENTS - 1; i++) r.add(tick, i, MAX_FRAGMENTS, full, tick);
      expect(r.heldSets).toBeLessThanOrEqual(4);
    }
    expect(r.heldBytes).toBeLessThanOrEqual(4 * MAX_FRAGMENTS * MAX_FRAGMENT_PAYLOAD);
    expect(r.add(5, 0, 2, full, 110)).toEqual({ drop: UdpDrop.FRAGMENT_LIMIT });
    r.add(2000, 0, 2, full, 2000);
    expect(r.heldSets).toBe(1);
    r.add(2001, 0, 2, full, 2300);
    expect(r.heldSets).toBe(1);
    expect(r.expired).toBeGreaterThan(90);
  });

  it('a fragment of a snapshot older than the newest completed one is stale, a repeated one replayed', () => {
    const r = new Reassembler();
    expect('done' in r.add(10, 0, 1, new Uint8Array([1]), 0)).toBe(true);
    expect(r.add(9, 0, 1, new Uint8Array([1]), 0)).toEqual({ drop: UdpDrop.STALE_SEQUENCE });
    const full = new Uint8Array(MAX_FRAGMENT_PAYLOAD);
    expect(r.add(11, 0, 2, full, 0)).toEqual({ pending: true });
    expect(r.add(11, 0, 2, full, 0)).toEqual({ drop: UdpDrop.REPLAYED });
    expect(r.add(11, 1, 3, full, 0)).toEqual({ drop: UdpDrop.BAD_FRAGMENT });
  });

  it('a pair delivers the previous snapshot when it was lost or is late, and only the new one when it arrived', () => {
    const r = new Reassembler();
    const a = new Uint8Array([1]);
    const b = new Uint8Array([2]);
    const c = new Uint8Array([3]);
    expect(r.addPair(5, b, a, 0)).toEqual({ done: [{ tick: 4, bytes: a }, { tick: 5, bytes: b }] });
    expect(r.addPair(6, c, b, 0)).toEqual({ done: [{ tick: 6, bytes: c }] });
    // 7 lost: 8 brings it; then 7 itself, late, is stale
    expect(r.addPair(8, a, new Uint8Array([7]), 0)).toEqual({ done: [{ tick: 7, bytes: new Uint8Array([7]) }, { tick: 8, bytes: a }] });
    expect(r.addPair(7, new Uint8Array([7]), c, 0)).toEqual({ drop: UdpDrop.STALE_SEQUENCE });
    // a pair completes past an incomplete set (its copy of that snapshot is whole), which is forgotten
    expect(r.add(9, 0, 2, new Uint8Array(MAX_FRAGMENT_PAYLOAD), 0)).toEqual({ pending: true });
    expect(r.addPair(10, b, c, 0)).toEqual({ done: [{ tick: 9, bytes: c }, { tick: 10, bytes: b }] });
    expect(r.heldSets).toBe(0);
  });
});
