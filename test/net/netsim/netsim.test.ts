import { describe, expect, it } from 'vitest';
import { NetSim } from '../../../src/net/netsim/index.js';

function run(seed: number): number[] {
  const sim = new NetSim({ latencyMs: 20, jitterMs: 10, loss: 0.05, duplicate: 0.02, reorder: 0.05 }, seed);
  for (let i = 0; i < 2000; i++) sim.send('a', 'b', Buffer.from([i & 0xff, i >> 8]), i);
  return sim.deliver(Infinity).map((d) => d.bytes.readUInt16LE(0) + d.at * 65536);
}

describe('network simulator', () => {
  it('the same seed gives the same losses, duplicates, delays and order; another seed does not', () => {
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('loss, duplication and latency come out near what was asked, and jitter reorders', () => {
    const sim = new NetSim({ latencyMs: 20, jitterMs: 10, loss: 0.05, duplicate: 0.02 }, 3);
    const n = 20_000;
    for (let i = 0; i < n; i++) sim.send('a', 'b', Buffer.from([i & 0xff, (i >> 8) & 0xff]), i);
    expect(sim.deliver(n + 5)).not.toHaveLength(0);
    const rest = sim.deliver(Infinity);
    expect(sim.stats.lost / n).toBeGreaterThan(0.04);
    expect(sim.stats.lost / n).toBeLessThan(0.06);
    expect(sim.stats.duplicated / n).toBeGreaterThan(0.01);
    expect(sim.stats.duplicated / n).toBeLessThan(0.03);
    expect(sim.stats.delivered).toBe(n - sim.stats.lost + sim.stats.duplicated);
    expect(rest.every((d) => d.at - d.sentAt >= 10 && d.at - d.sentAt <= 30)).toBe(true);
  });

  it('nothing arrives before its time, and arrivals come out in time order', () => {
    const sim = new NetSim({ latencyMs: 50, jitterMs: 40 }, 1);
    for (let i = 0; i < 100; i++) sim.send('a', 'b', Buffer.from([i]), i);
    expect(sim.deliver(9)).toEqual([]);
    const out = sim.deliver(Infinity);
    expect(out).toHaveLength(100);
    for (let i = 1; i < out.length; i++) expect(out[i]!.at).toBeGreaterThanOrEqual(out[i - 1]!.at);
    expect(out.map((d) => d.bytes[0])).not.toEqual(out.map((_, i) => i));
  });

  it('conditions out of range are refused naming the option', () => {
    expect(() => new NetSim({ loss: 1.5 })).toThrow(/loss/);
    expect(() => new NetSim({ latencyMs: 5, jitterMs: 10 })).toThrow(/jitterMs/);
  });
});
