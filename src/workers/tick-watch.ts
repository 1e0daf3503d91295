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

/**
 * watchTicks for a thread whose event loop serves many sockets (the network thread). Sleeping
 * in the event loop's poll, such a thread is woken by every socket that has bytes for it: a
 * thousand wakes a second and more with a few hundred clients, each a context switch that
 * costs more than the read it is for. So it sleeps in Atomics.wait instead, and lets its
 * event loop turn (setImmediate: a poll that does not wait, every ready socket read in one go)
 * twice per tick: `earlyMs` before the next tick is due, so the inputs that came meanwhile
 * make that tick, and once it is published, right before `fn` (the acks are then up to date).
 * With no tick published (a sleeping sim) the loop still turns once per `stepMs`.
 *
 * The cost: a socket's bytes wait for the next of these turns (at most a tick), and so do the
 * thread's timers and messages. Returns a stop function.
 */
export function batchTicks(control: Int32Array, fn: (tick: number) => void, stepMs: number, earlyMs = 2): () => void {
  let running = true;
  let last = Atomics.load(control, Ctl.TICK);
  let seenAt = performance.now();
  /** The read turn before the next tick is done: sleep until that tick now. */
  let readTurnDone = false;
  const step = () => {
    if (!running) return;
    const now = Atomics.load(control, Ctl.TICK);
    if (now !== last) {
      last = now;
      seenAt = performance.now();
      readTurnDone = false;
      fn(now);
      if (!running) return;
    }
    let ms = stepMs;
    if (!readTurnDone) {
      ms = seenAt + stepMs - earlyMs - performance.now();
      readTurnDone = true;
    }
    // a tick published meanwhile (a catch-up burst, or fn took longer than a tick) returns at once
    if (ms > 0) Atomics.wait(control, Ctl.TICK, last, ms);
    setImmediate(step);
  };
  setImmediate(step);
  return () => {
    running = false;
  };
}
