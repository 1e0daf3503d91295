// Waiting for the sim worker's ticks from another thread, without polling: the sim worker
// stores the newest tick in the control block (Ctl.TICK) and notifies once per pump, and a
// waiter sleeps in Atomics.waitAsync on that word. Ticks published together in a catch-up
// burst arrive as one call with the newest.

import { Ctl } from './messages.js';

/**
 * Call `fn` with each newly published tick, on the calling thread. `stopped` is asked after
 * every wake-up (the waits time out every 250 ms, so a stop is noticed). Returns a stop function.
 */
export function watchTicks(control: Int32Array, fn: (tick: number) => void, stopped: () => boolean = () => false): () => void {
  let running = true;
  const loop = async () => {
    let last = Atomics.load(control, Ctl.TICK);
    while (running && !stopped()) {
      const r = Atomics.waitAsync(control, Ctl.TICK, last, 250);
      if (r.async) await r.value;
      const now = Atomics.load(control, Ctl.TICK);
      if (now !== last && running) {
        last = now;
        fn(now);
      }
    }
  };
  void loop();
  return () => {
    running = false;
  };
}
