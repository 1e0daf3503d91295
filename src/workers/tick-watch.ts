// Waiting for the sim worker's ticks from another thread, without polling: the sim worker
// stores the newest tick in the control block (Ctl.TICK) and notifies once per pump, and a
// waiter sleeps in Atomics.waitAsync on that word. Ticks published together in a catch-up
// burst arrive as one call with the newest.
//
// A caller whose `fn` takes longer than a tick finds the next tick already published when it
// comes back: the wait then returns at once (not async). Looping straight on would keep the
// thread in this loop for as long as it stays behind, and its event loop would never poll:
// on the network thread, no accept, no socket read, only handshake timeouts firing late (a
// 1,000-client host stopped taking joins at ~500 clients that way). So a caller that is
// behind yields to the event loop (setImmediate runs after the poll phase) before its next tick.

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
      else await new Promise<void>((resolve) => setImmediate(resolve));
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
