// The WebSocket upgrade rate is kept per remote address, in a bounded map.

import { describe, expect, it } from 'vitest';
import { UpgradeBuckets } from '../../src/net/server/upgrade-buckets.js';

const takes = (b: UpgradeBuckets, address: string, n: number, now: number) =>
  Array.from({ length: n }, () => b.take(address, now)).filter(Boolean).length;

describe('upgrade buckets', () => {
  it('an address over its burst is refused while another address keeps its own burst', () => {
    const b = new UpgradeBuckets(10, 5);
    expect(takes(b, '10.0.0.9', 20, 0)).toBe(5);
    expect(takes(b, '10.0.0.7', 20, 0)).toBe(5);
    expect(b.take('10.0.0.9', 0)).toBe(false);
  });

  it('an address gets its rate back with time, up to the burst', () => {
    const b = new UpgradeBuckets(10, 5);
    takes(b, 'a', 5, 0);
    expect(takes(b, 'a', 5, 300)).toBe(3); // 0.3 s at 10 a second
    expect(takes(b, 'a', 20, 60_000)).toBe(5);
  });

  it('many addresses do not grow the map without end', () => {
    const b = new UpgradeBuckets(1, 2);
    for (let i = 0; i < 10_000; i++) b.take(`10.1.${i >> 8}.${i & 255}`, 1);
    expect(b.size).toBeLessThanOrEqual(4096);
  });
});
