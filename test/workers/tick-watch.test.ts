// watchTicks: a watcher that is always behind (its fn takes longer than a tick) must still
// let its thread's event loop poll between ticks, or sockets and timers starve.

import { once } from 'node:events';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
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
      ({ stop } = watchTicks(control, () => {
        calls++;
        // runs once the event loop has polled (the check phase): never, while the loop spins
        if (calls === 1) setImmediate(() => (callsWhenTimerRan = calls));
        // the next tick is published before this one is handled: the watcher is behind
        if (calls < CALLS) Atomics.add(control, Ctl.TICK, 1);
        else resolve();
      }));
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

// Batched (the network thread): the thread sleeps between two looks a tick. Inputs that come
// between ticks must still be read before the next tick (the look `lead` before it), the
// thread must not wake for every message, and when ticks stop it must wait the usual way.
describe('tick-watch, batched', () => {
  const STEP_MS = 1000 / 60;

  async function setUp(quietBut = 0) {
    const control = new Int32Array(new SharedArrayBuffer(Ctl.WORDS * 4));
    const w = new Worker(new URL('./fixtures/batched-watcher.mjs', import.meta.url), { workerData: { control: control.buffer, stepMs: STEP_MS, quietBut } });
    const { port, udpPort } = await new Promise<{ port: number; udpPort: number }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    await once(socket, 'connect');
    const report = async () => {
      const r = once(w, 'message');
      w.postMessage('report');
      return (await r)[0] as { ticks: number; lastTick: number; reads: number; polls: number; seen: Array<[number, number]>; udpSeen: Array<[number, number]>; batching: boolean };
    };
    /** Publish the next `group` ticks at once, naming the end of the group after them (Ctl.NEXT), as the sim worker does. */
    const publish = (group: number) => {
      const tick = Atomics.add(control, Ctl.TICK, group) + group;
      Atomics.store(control, Ctl.NEXT, tick + group);
      Atomics.notify(control, Ctl.TICK);
      return tick;
    };
    /** The sim: a tick a step (paced on the clock, as TickLoop does), for `n` publishes; in groups of `group` ticks, a publish every `group` steps. */
    const run = async (n: number, each: (tick: number) => void = () => {}, group = 1) => {
      const start = performance.now();
      let tick = 0;
      for (let k = 1; k <= n; k++) {
        await sleep(Math.max(0, start + k * group * STEP_MS - performance.now()));
        each((tick = publish(group)));
      }
      return tick;
    };
    const udp = createSocket('udp4');
    /** `n` datagrams of one byte, `b`, to the watcher's UDP socket. */
    const burst = (n: number, b: number) => {
      for (let i = 0; i < n; i++) udp.send(Buffer.of(b), udpPort, '127.0.0.1');
    };
    const close = async () => {
      socket.destroy();
      udp.close();
      w.postMessage('stop');
      await once(w, 'exit');
    };
    /** A byte 0 every ms on the socket until stopped; stop() says how many went. */
    const writeEveryMs = () => {
      let sent = 0;
      const timer = setInterval(() => {
        socket.write(Buffer.of(0));
        sent++;
      }, 1);
      return {
        stop: () => {
          clearInterval(timer);
          return sent;
        },
      };
    };
    return { socket, burst, report, run, writeEveryMs, close };
  }

  /** `body` with a watcher thread and its socket, closed after it whatever happens. */
  async function withWatcher(body: (t: Awaited<ReturnType<typeof setUp>>) => Promise<void>, quietBut = 0) {
    const t = await setUp(quietBut);
    try {
      await body(t);
    } finally {
      await t.close();
    }
  }

  it('tick-watch: an input sent between two ticks is read before the next one', () =>
    withWatcher(async (t) => {
      await t.run(10); // the watcher starts batching with the first tick
      await t.report();
      // one byte a tick, 4 ms after the tick (the look before the next one is ~2 ms before it)
      await t.run(60, (tick) => setTimeout(() => t.socket.write(Buffer.of(tick & 255)), 4));
      await t.run(2);
      const r = await t.report();
      expect(r.batching).toBe(true);
      expect(r.seen.length).toBe(60);
      // read while the tick it was sent after was still the newest: it makes the next tick
      const inTime = r.seen.filter(([b, at]) => (at & 255) === b).length;
      expect(inTime).toBeGreaterThanOrEqual(48);
    }));

  it('tick-watch: a tick that sends nothing gets one look, before the next tick, and inputs still make that tick', () =>
    withWatcher(async (t) => {
      await t.run(10);
      const before = await t.report();
      // ticks that are multiples of 3 send (three looks), the others not (one look)
      await t.run(60, (tick) => setTimeout(() => t.socket.write(Buffer.of(tick & 255)), 4));
      await t.run(2);
      const r = await t.report();
      const ticks = r.ticks - before.ticks;
      const polls = r.polls - before.polls;
      expect(ticks).toBeGreaterThanOrEqual(60);
      // 5 looks per 3 ticks where every tick sent 9 (measured without quiet: ~3 a tick)
      expect(polls).toBeLessThanOrEqual(2 * ticks);
      expect(polls).toBeGreaterThanOrEqual(ticks); // the look before each tick stays
      expect(r.seen.length).toBe(60);
      const inTime = r.seen.filter(([b, at]) => (at & 255) === b).length;
      expect(inTime).toBeGreaterThanOrEqual(48);
    }, 3));

  it('tick-watch: a sim that runs its ticks in groups of 3 (Ctl.NEXT) gets its looks around each publish; the thread sleeps through the ticks between', () =>
    withWatcher(async (t) => {
      await t.run(10);
      const before = await t.report();
      const writer = t.writeEveryMs();
      // and one byte 20 ms after each publish (past where the look a step after it would be)
      const GROUPS = 20;
      await t.run(GROUPS, (tick) => setTimeout(() => t.socket.write(Buffer.of(tick & 255)), 20), 3);
      const sent = writer.stop();
      await t.run(2, undefined, 3);
      const r = await t.report();
      expect(r.batching).toBe(true);
      // ~50 writes a group, read at the group's three looks: a watcher that looked a step after
      // each publish found no tick at the step after that, stopped batching and woke for every
      // write (measured: ~20 reads a group)
      expect(sent).toBeGreaterThan(20 * GROUPS);
      expect(r.reads - before.reads).toBeLessThanOrEqual(5 * GROUPS);
      // the byte sent mid-group is read before the group's publish: it makes the group's first
      // tick (a test timer late by 25 ms on a busy machine misses the look; 14 of 20 seen in time
      // in one run of the whole suite)
      const mid = r.seen.filter(([b]) => b !== 0);
      expect(mid.length).toBe(GROUPS);
      expect(mid.filter(([b, at]) => (at & 255) === b).length).toBeGreaterThanOrEqual(GROUPS * 0.6);
    }));

  it('tick-watch: messages that come all the time are read a few times a tick, not once each', () =>
    withWatcher(async (t) => {
      await t.run(10);
      const before = await t.report();
      const writer = t.writeEveryMs();
      await t.run(30);
      const sent = writer.stop();
      await t.run(2);
      const r = await t.report();
      const ticks = r.ticks - before.ticks;
      expect(ticks).toBeGreaterThanOrEqual(30);
      expect(r.seen.length).toBe(sent);
      // a write every ~1 ms is ~16 a tick: a thread woken by each would read ~16 times a tick,
      // a batched one at its three looks a tick
      expect(sent).toBeGreaterThan(8 * ticks);
      expect(r.reads).toBeLessThanOrEqual(4 * ticks);
    }));

  it('tick-watch: a burst of datagrams on one UDP socket, more than a poll reads, is read before the next tick (more)', () =>
    withWatcher(async (t) => {
      await t.run(10);
      await t.report();
      // 150 datagrams 1 ms after each of 8 ticks: 5 polls' worth, where a look is one poll
      // unless `more` asks for another; 150 small datagrams fit the kernel's default buffer
      const N = 150;
      const BURSTS = 8;
      await t.run(BURSTS, (tick) => setTimeout(() => t.burst(N, tick & 255), 1));
      await t.run(3);
      const r = await t.report();
      expect(r.batching).toBe(true);
      expect(r.udpSeen.length).toBe(BURSTS * N);
      // per burst, the datagrams read while its tick was still the newest
      const inTime = new Map<number, number>();
      for (const [b, at] of r.udpSeen) if ((at & 255) === b) inTime.set(b, (inTime.get(b) ?? 0) + 1);
      const whole = [...inTime.values()].filter((n) => n === N).length;
      // a look of one poll reads 32: without `more` no burst is read whole in time (measured:
      // 0 of 6, and 704-736 of the 900 read at all by now), nor can one be (the two looks
      // before the next tick read 64); with it, 5 or 6 of 6. A late wake of the watcher on a
      // busy machine costs a burst its tail (2 of 6 in one whole-suite run on a fresh clone),
      // hence "a quarter of them"
      expect(whole).toBeGreaterThanOrEqual(BURSTS / 4);
    }));

  it('tick-watch: when ticks stop the watcher waits the usual way, and batches again when they resume', () =>
    withWatcher(async (t) => {
      await t.run(10);
      expect((await t.report()).batching).toBe(true);
      await sleep(150); // no tick: the sim sleeps
      const paused = await t.report();
      expect(paused.batching).toBe(false);
      // the thread's event loop is free meanwhile: a byte is read without any tick
      t.socket.write(Buffer.of(7));
      for (let i = 0; i < 100 && (await t.report()).reads === paused.reads; i++) await sleep(10);
      const newest = await t.run(5);
      // asked right after the last tick: answered at the watcher's next look (the one before
      // it hands that tick on), batching still
      const resumed = await t.report();
      expect(resumed.reads).toBeGreaterThan(paused.reads);
      expect(resumed.lastTick).toBeGreaterThanOrEqual(newest - 1);
      expect(resumed.batching).toBe(true);
    }));
});
