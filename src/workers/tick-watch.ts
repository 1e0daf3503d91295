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
//
// Batched (the network thread): an event loop that waits in epoll wakes for every message
// that comes, and on a busy host messages come all the time (200 clients at 60 Hz woke the
// network thread ~1,000 times a second); each wake costs the kernel's sleep and wake-up and
// libuv's poll, more than reading the message. Nothing needs a message sooner than the
// sim's next tick, so a batched watcher keeps the thread asleep in Atomics.wait between
// three looks a tick, and its event loop reads all the sockets that have something in one
// poll each time:
//
//   publish T  look, fn(T)   look           look               publish T+1
//   |----------|==|=======|--|==|-- asleep --|==|--- asleep ---|---|
//                         <-2 ms->             <----- lead ----->
//
// The first look reads the acks that came with the tick before fn sends it. The second,
// ECHO_MS after fn, reads what clients send as the snapshot arrives (pings, acks, the inputs
// of clients that draw on arrival): without it a ping answered at the next look came back
// ~14 ms later on loopback, not 0.3. The third is `lead` before the sim's next tick is due
// (its publish comes one step after the previous one), so inputs that came meanwhile still
// make that tick. The lead is 2 ms plus twice what the last such look took, at most half a
// step: inputs that come within it wait one tick more, ~lead ms of added input latency on
// average; anything else waits for the next look, a few ms on average. When no tick comes
// for a step after the look before it (the sim sleeps: nobody in the world), the watcher
// waits the usual way (waitAsync, the event loop free) until one does.
//
// A tick that sends nothing (every client is sent at 20 or 30 Hz, and this is not its tick:
// two ticks of three at 20 Hz) needs neither the look before it nor the one after it: there
// are no acks to read first and no snapshot to answer. Such a tick gets only the look before
// the next tick (`quiet`); a ping sent meanwhile waits for that look, a tick at most.
//
// A sim that runs its ticks in groups (Ctl.GROUP: every client is sent 20 times a second, so
// only every third tick is sent) publishes once per group, and says which tick it publishes
// next (Ctl.NEXT). The look before the next tick is then `lead` before that one, not a step
// after the last publish: the inputs that came meanwhile make the group's first tick, and the
// thread sleeps through the ticks in between as the sim does.
//
// A look is one poll, and one poll reads a UDP socket 32 datagrams at most (libuv's limit per
// socket and poll, so that one socket cannot starve the others): where everyone's datagrams
// share one socket (the host's UDP port: 200 clients send ~8,000 a second) a look could read
// fewer than came since the last, the kernel's buffer filled and dropped the rest. `more`
// says when a look read that many: the look then polls again, until it does not.

import { Ctl, MAX_GROUP } from './messages.js';

/** The look after a tick is handed on comes this much later (batched). */
const ECHO_MS = 2;
/** Polls of one look at most (`more`): 64 x 32 datagrams. */
const POLLS_PER_LOOK = 64;

export interface WatchOptions {
  /** Asked after every wake-up (waits time out every 250 ms at most, so a stop is noticed). */
  stopped?: () => boolean;
  /** The sim's step in ms: let the event loop look at the sockets three times a tick only (see above). */
  batchStepMs?: number;
  /** Asked after each poll of a look (batched): true when a socket may hold more than one poll reads (see above). */
  more?: () => boolean;
  /** Called right before each poll of a look (batched): the thread's clock counts the poll as reading. */
  beforePoll?: () => void;
  /**
   * True when fn(tick) will send nothing (batched): the look before it and the one after it
   * are skipped, and only the look before the next tick (the inputs) is made (see above).
   */
  quiet?: (tick: number) => boolean;
}

export interface TickWatch {
  stop(): void;
  /** The watcher sleeps between its looks now (batched, and ticks are coming). */
  readonly batching: boolean;
}

/** Call `fn` with each newly published tick, on the calling thread. */
export function watchTicks(control: Int32Array, fn: (tick: number) => void, o: WatchOptions = {}): TickWatch {
  const stopped = o.stopped ?? (() => false);
  const step = o.batchStepMs ?? 0;
  let running = true;
  let batching = false;
  const more = o.more ?? (() => false);
  const beforePoll = o.beforePoll ?? (() => {});
  const quiet = o.quiet ?? (() => false);
  const poll = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** One event-loop turn (its poll reads the sockets); batched, more of them while `more` says so. */
  const turn = async () => {
    if (!batching) return poll();
    let polls = 0;
    do {
      beforePoll();
      await poll();
    } while (++polls < POLLS_PER_LOOK && more());
  };
  /** Ticks from `tick` to the sim's next publish (Ctl.NEXT): 1, or the rest of its group. */
  const aheadOf = (tick: number) => {
    const a = Atomics.load(control, Ctl.NEXT) - tick;
    return a >= 1 && a <= MAX_GROUP ? a : 1;
  };
  const loop = async () => {
    let last = Atomics.load(control, Ctl.TICK);
    /** When the newest tick was seen (batched), and how long the last look before a tick took. */
    let seenAt = 0;
    let lookMs = 0;
    /** Steps from the newest tick to the next publish (the sim's group). */
    let ahead = 1;
    /** When fn last returned. */
    let handedAt = 0;
    /** The tick handed to fn last was a quiet one: no look after it. */
    let wasQuiet = false;
    while (running && !stopped()) {
      if (batching) {
        const lead = Math.min(step / 2, 2 + 2 * lookMs);
        const lookAt = seenAt + ahead * step - lead;
        // the look soon after the tick went out: what clients send as a snapshot arrives
        // (pings, acks, inputs of clients that draw on arrival) is answered a few ms later,
        // not near a tick later; skipped when it would come within ECHO_MS of the look before
        // the tick (fn took most of the step)
        if (!wasQuiet && handedAt + 2 * ECHO_MS < lookAt && Atomics.load(control, Ctl.TICK) === last) {
          const wait = handedAt + ECHO_MS - performance.now();
          if (wait > 0) Atomics.wait(control, Ctl.TICK, last, wait);
          if (Atomics.load(control, Ctl.TICK) === last) await turn();
          if (!running || stopped()) break;
        }
        let now = performance.now();
        if (now < lookAt) Atomics.wait(control, Ctl.TICK, last, lookAt - now);
        if (Atomics.load(control, Ctl.TICK) === last) {
          // the look before the tick: the inputs that came meanwhile go to the sim's queue now
          now = performance.now();
          await turn();
          lookMs = performance.now() - now;
          if (!running || stopped()) break;
          // then sleep until the tick, a step late at most (the sim may have gone to sleep)
          if (Atomics.wait(control, Ctl.TICK, last, step + lead) === 'timed-out') {
            batching = false;
            continue;
          }
        }
        seenAt = performance.now();
        const newest = Atomics.load(control, Ctl.TICK);
        ahead = aheadOf(newest);
        wasQuiet = quiet(newest);
        if (!wasQuiet) await turn(); // the acks that came with the tick, before sending it
      } else {
        wasQuiet = false;
        const r = Atomics.waitAsync(control, Ctl.TICK, last, 250);
        if (r.async) await r.value;
        else await turn();
        if (step > 0 && Atomics.load(control, Ctl.TICK) !== last) {
          batching = true;
          seenAt = performance.now();
          ahead = aheadOf(Atomics.load(control, Ctl.TICK));
        }
      }
      const now = Atomics.load(control, Ctl.TICK);
      if (now !== last && running) {
        last = now;
        fn(now);
        handedAt = performance.now();
      }
    }
    batching = false;
  };
  void loop();
  return {
    stop: () => {
      running = false;
    },
    get batching() {
      return batching;
    },
  };
}
