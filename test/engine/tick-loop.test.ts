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

  it('tick loop: pumped often enough never to skip, exactly floor(elapsed * 60) ticks have run at every pump (1000 ms is 60, not 59)', () => {
    fc.assert(
      // whole milliseconds, at most 5 ticks' worth between pumps: nothing is ever skipped
      fc.property(fc.array(fc.integer({ min: 0, max: 83 }), { minLength: 1, maxLength: 500 }), (steps) => {
        const { c, clock } = fakeClock();
        const loop = new TickLoop({ clock });
        let elapsed = 0;
        for (const dt of steps) {
          c.now += dt;
          elapsed += dt;
          pump(loop);
          // elapsed * 60 / 1000 in integers: elapsed * 3 / 50
          expect(loop.ticksRun).toBe(Math.floor((elapsed * 3) / 50));
        }
        expect(loop.skipped).toBe(0);
      }),
    );
    const { c, clock } = fakeClock();
    const loop = new TickLoop({ clock });
    const at = (ms: number) => {
      // 1 ms pumps up to `ms` after the start (the fake clock starts at 1000)
      while (c.now < 1000 + ms) {
        c.now += 1;
        pump(loop);
      }
      return loop.ticksRun;
    };
    expect([at(16), at(17), at(50), at(1000)]).toEqual([0, 1, 3, 60]);
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
