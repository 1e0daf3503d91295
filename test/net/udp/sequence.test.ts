import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UdpDrop } from '../../../src/net/protocol/udp.js';
import { ACK_WINDOW, ReceiveWindow, SentLog } from '../../../src/net/udp/index.js';

describe('udp sequence numbers', () => {
  it('a packet seen already is dropped as replayed, one older than the window as stale', () => {
    const w = new ReceiveWindow();
    expect(w.accept(5)).toBeNull();
    expect(w.accept(3)).toBeNull();
    expect(w.accept(3)).toBe(UdpDrop.REPLAYED);
    expect(w.accept(5)).toBe(UdpDrop.REPLAYED);
    expect(w.accept(100)).toBeNull();
    expect(w.accept(100 - ACK_WINDOW)).toBeNull();
    expect(w.accept(100 - ACK_WINDOW - 1)).toBe(UdpDrop.STALE_SEQUENCE);
    expect(w.accept(0)).toBe(UdpDrop.STALE_SEQUENCE);
  });

  it('any arrival order: each seq is accepted once, and the acks sent back name exactly the seqs received', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 200 }), (arrivals) => {
        const w = new ReceiveWindow();
        const accepted = new Set<number>();
        for (const s of arrivals) {
          const r = w.accept(s);
          if (r === null) {
            expect(accepted.has(s)).toBe(false);
            accepted.add(s);
          } else if (r === UdpDrop.REPLAYED) expect(accepted.has(s)).toBe(true);
          else expect(s === 0 || s < w.newest - ACK_WINDOW).toBe(true);
        }
        const log = new SentLog();
        for (let i = 0; i < 80; i++) log.take();
        const { acked } = log.onAck(w.newest, w.bits);
        const inWindow = [...accepted].filter((s) => s >= w.newest - ACK_WINDOW);
        expect([...acked].sort((a, b) => a - b)).toEqual(inWindow.sort((a, b) => a - b));
      }),
    );
  });

  it('packets that leave the peer window unacked count as lost; acks of seqs never sent and old acks are ignored', () => {
    const log = new SentLog();
    for (let i = 0; i < 40; i++) log.take();
    expect(log.onAck(99, 0xffff_ffff).acked).toEqual([]);
    const r = log.onAck(40, 0);
    expect(r.acked).toEqual([40]);
    expect(r.lost).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(log.onAck(20, 0xffff_ffff).acked).toEqual([]);
    expect(log.lost).toBe(7);
    expect(log.delivered).toBe(1);
  });
});

describe('udp sent log over a long silence', () => {
  it('a peer that acks nothing for thousands of packets: each is counted lost exactly once, and acks after that still count', () => {
    const log = new SentLog();
    for (let i = 0; i < 5000; i++) log.take();
    const r = log.onAck(5000, 0xffff_ffff);
    expect(r.acked).toHaveLength(ACK_WINDOW + 1);
    expect(log.delivered).toBe(ACK_WINDOW + 1);
    expect(log.lost).toBe(5000 - ACK_WINDOW - 1);
    // a repeat of the same ack names nothing new
    expect(log.onAck(5000, 0xffff_ffff).acked).toEqual([]);
    expect(log.lost + log.delivered).toBe(5000);
  });
});
