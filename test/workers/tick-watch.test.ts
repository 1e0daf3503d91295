// watchTicks: a watcher that is always behind (its fn takes longer than a tick) must still
// let its thread's event loop poll between ticks, or sockets and timers starve. batchTicks
// (the network thread's: it sleeps in Atomics.wait between ticks) the same, and its event
// loop turns with no tick published at all.

import { describe, expect, it } from 'vitest';
import { Ctl } from '../../src/workers/messages.js';
import { batchTicks, watchTicks } from '../../src/workers/tick-watch.js';

describe('tick-watch', () => {
  it('tick-watch: a watcher that is always behind still lets the event loop poll between its ticks', async () => {
    const control = new Int32Array(new SharedArrayBuffer(64 * 4));
    const CALLS = 200;
    let calls = 0;
    let callsWhenTimerRan = -1;
    let stop = () => {};
    const done = new Promise<void>((resolve) => {
      stop = watchTicks(control, () => {
        calls++;
        // runs once the event loop has polled (the check phase): never, while the loop spins
        if (calls === 1) setImmediate(() => (callsWhenTimerRan = calls));
        // the next tick is published before this one is handled: the watcher is behind
        if (calls < CALLS) Atomics.add(control, Ctl.TICK, 1);
        else resolve();
      });
    });
    Atomics.add(control, Ctl.TICK, 1);
    Atomics.notify(control, Ctl.TICK);
    await done;
    stop();
    expect(calls).toBe(CALLS);
    // the event loop got its turn while the watcher was still catching up, not only after it
    expect(callsWhenTimerRan).toBeGreaterThanOrEqual(1);
    expect(callsWhenTimerRan).toBeLessThan(CALLS);
  });

  it('batchTicks: every published tick reaches fn in order, a watcher always behind still lets the event loop poll, and with no tick the loop turns on', async () => {
    const control = new Int32Array(new SharedArrayBuffer(64 * 4));
    const CALLS = 200;
    const seen: number[] = [];
    let callsWhenTimerRan = -1;
    let stop = () => {};
    const done = new Promise<void>((resolve) => {
      stop = batchTicks(
        control,
        (t) => {
          seen.push(t);
          if (seen.length === 1) setImmediate(() => (callsWhenTimerRan = seen.length));
          if (seen.length < CALLS) Atomics.add(control, Ctl.TICK, 1);
          else resolve();
        },
        1000 / 60,
      );
    });
    Atomics.add(control, Ctl.TICK, 1);
    Atomics.notify(control, Ctl.TICK);
    await done;
    expect(seen).toEqual(Array.from({ length: CALLS }, (_, i) => i + 1));
    expect(callsWhenTimerRan).toBeGreaterThanOrEqual(1);
    expect(callsWhenTimerRan).toBeLessThan(CALLS);
    // no tick comes any more: sockets and timers are still served (a hang fails the test)
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
    // and a tick published from another thread's point of view (notified) is seen
    Atomics.add(control, Ctl.TICK, 1);
    Atomics.notify(control, Ctl.TICK);
    await new Promise<void>((r) => {
      const check = () => (seen.length === CALLS + 1 ? r() : setTimeout(check, 1));
      check();
    });
    expect(seen[CALLS]).toBe(CALLS + 1);
    stop();
  });
});
