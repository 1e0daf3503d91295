import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TickLoop } from '../../src/engine/tick-loop.js';

function fakeClock(start = 1000) {
  const c = { now: start };
  return { c, clock: () => c.now };
}

/** Pump like the worker does: run every due tick. */
function pump(loop: TickLoop): number {
  let n = loop.due();
  const ran = n;
  while (n-- > 0) loop.ticked();
  return ran;
}

describe('tick loop', () => {
  it('tick loop: ticks run plus ticks skipped equal elapsed * 60 within one tick, for any pump schedule', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 120, noNaN: true }), { minLength: 1, maxLength: 300 }), (steps) => {
        const { c, clock } = fakeClock();
        const loop = new TickLoop({ clock });
        const origin = c.now;
        for (const dt of steps) {
          c.now += dt;
          pump(loop);
          const expected = ((c.now - origin) * 60) / 1000;
          const counted = loop.ticksRun + loop.skipped;
          expect(Math.abs(counted - expected)).toBeLessThanOrEqual(1);
          expect(counted).toBeLessThanOrEqual(expected + 1e-9);
        }
      }),
    );
  });

  it('tick loop: no drift over an hour of 1 ms pumps', () => {
    const { c, clock } = fakeClock();
    const loop = new TickLoop({ clock });
    for (let i = 0; i < 3_600_000; i++) {
      c.now += 1;
      pump(loop);
    }
    expect(loop.ticksRun).toBe(216_000);
    expect(loop.skipped).toBe(0);
  });

  it('tick loop: a late pump catches up at most 5 ticks and counts the rest as skipped', () => {
    const { c, clock } = fakeClock();
    const loop = new TickLoop({ clock });
    c.now += 1000; // 60 ticks due at once
    expect(pump(loop)).toBe(5);
    expect(loop.skipped).toBe(55);
    c.now += 1000 / 60;
    expect(pump(loop)).toBe(1); // back on schedule, no second burst
    expect(loop.skipped).toBe(55);
  });

  it('tick loop: msUntilNext points at the next due tick', () => {
    const { c, clock } = fakeClock();
    const loop = new TickLoop({ clock });
    expect(loop.msUntilNext()).toBeCloseTo(1000 / 60, 6);
    c.now += 10;
    expect(loop.msUntilNext()).toBeCloseTo(1000 / 60 - 10, 6);
    c.now += 10;
    expect(loop.msUntilNext()).toBe(0);
  });

  it('tick loop: bad options are rejected naming the option', () => {
    expect(() => new TickLoop({ hz: 0 })).toThrow(/options.hz/);
    expect(() => new TickLoop({ maxCatchUp: 0 })).toThrow(/options.maxCatchUp/);
  });
});
