// watchTicks: a watcher that is always behind (its fn takes longer than a tick) must still
// let its thread's event loop poll between ticks, or sockets and timers starve.

import { describe, expect, it } from 'vitest';
import { Ctl } from '../../src/workers/messages.js';
import { watchTicks } from '../../src/workers/tick-watch.js';

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
});
