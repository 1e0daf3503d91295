// An idle host costs next to nothing: with idleSleep the sim worker runs no tick while nobody
// is in the world and nothing is queued. The first command wakes the world where it stopped
// (no catch-up burst, nothing counted as skipped), the last leave puts it back to sleep, and
// the watchdog never takes the sleep for a stall. Asleep, the worker beats once a second
// (IDLE_BEAT_MS), not every 200 ms, and the watchdog looks as rarely; a worker that stops
// beating while asleep is still restarted.

import { afterEach, describe, expect, it } from 'vitest';
import { Cmd } from '../../src/engine/input-queue.js';
import { Ctl, IDLE_BEAT_MS } from '../../src/workers/messages.js';
import { SimHost, type RestartReason } from '../../src/workers/sim-host.js';
import { readOwnedEntity } from '../helpers/ring-read.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let host: SimHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

describe('idle sleep', () => {
  it('no tick runs while nobody is in the world; a join wakes it without catching up; the last leave puts it to sleep again', async () => {
    host = await SimHost.start({ capacity: 2000, idleSleep: true });
    await sleep(300); // (a tick due at start may still run)
    const asleepAt = host.tick;
    await sleep(1200);
    expect(host.tick).toBe(asleepAt); // 72 ticks would have run by now
    host.queue.push(Cmd.JOIN, 7, 0);
    await host.waitForTick(asleepAt + 30, 3000);
    expect(readOwnedEntity(host.ring, 7)).not.toBeNull();
    // woken where it stopped: no catch-up burst for the time it slept
    const fresh = await new Promise<{ tick: number; skippedTicks: number }>((r) => host!.once('stats', r));
    expect(fresh.tick).toBeGreaterThanOrEqual(asleepAt + 30);
    // the 1.2 s asleep would be 72 ticks to catch up (67 skipped); a busy machine may skip a few
    expect(fresh.skippedTicks).toBeLessThan(20);
    host.queue.push(Cmd.LEAVE, 7, 0);
    await sleep(300);
    const sleptAt = host.tick;
    await sleep(1200);
    expect(host.tick).toBe(sleptAt);
    expect(host.restarts).toBe(0); // the watchdog (500 ms) saw the heartbeat through the sleeps
  });

  it('without idleSleep the world ticks on with nobody in it', async () => {
    host = await SimHost.start({ capacity: 2000 });
    const t0 = host.tick;
    await sleep(500);
    expect(host.tick).toBeGreaterThan(t0 + 15);
  });

  it('asleep, the worker beats once every IDLE_BEAT_MS and says so (Ctl.ASLEEP); a join through the host wakes it at once', async () => {
    host = await SimHost.start({ capacity: 2000, idleSleep: true });
    const control = new Int32Array(host.controlBuffer);
    await sleep(300);
    expect(Atomics.load(control, Ctl.ASLEEP)).toBe(1);
    const beat0 = Atomics.load(control, Ctl.BEAT);
    await sleep(3.2 * IDLE_BEAT_MS);
    const beats = Atomics.load(control, Ctl.BEAT) - beat0;
    // 3 or 4 beats (a slow machine may lose one); at the old 200 ms it was 16
    expect(beats).toBeGreaterThanOrEqual(2);
    expect(beats).toBeLessThanOrEqual(5);
    // pushed and woken, as the network thread and local bots do: ticking long before a beat was due
    const asleepAt = host.tick;
    host.queue.push(Cmd.JOIN, 7, 0);
    host.wake();
    await host.waitForTick(asleepAt + 1, IDLE_BEAT_MS / 2);
    expect(Atomics.load(control, Ctl.ASLEEP)).toBe(0);
    expect(host.restarts).toBe(0);
  });

  it('a worker that stops beating while asleep is still restarted by the watchdog', async () => {
    host = await SimHost.start({ capacity: 2000, idleSleep: true, faultInjection: true });
    await sleep(300);
    expect(Atomics.load(new Int32Array(host.controlBuffer), Ctl.ASLEEP)).toBe(1);
    const restarted = new Promise<{ reason: RestartReason }>((r) => host!.once('restart', r));
    // the fault message wakes the worker, which then spins in its event loop: no beat, still asleep
    host.injectFault('block', 8 * IDLE_BEAT_MS);
    const t0 = performance.now();
    const r = await Promise.race([restarted, sleep(7 * IDLE_BEAT_MS).then(() => null)]);
    expect(r?.reason).toBe('stalled');
    // asleep, silence is a stall after 3 beats (the last came at most a beat before the fault),
    // not after the 500 ms of a ticking worker
    expect(performance.now() - t0).toBeGreaterThan(IDLE_BEAT_MS);
    expect(host.restarts).toBe(1);
  });

  it('waking from the idle sleep is not a stall, though the first tick is a step away', async () => {
    // 1 Hz and a 1.5 s watchdog: a worker that wakes for a command (at its beat, a second after
    // the last one) runs its first tick a 1 s step later. Unless it beats as it wakes, every
    // look of the watchdog in that step finds the heartbeat 1-2 s old and the worker awake.
    host = await SimHost.start({ capacity: 2000, idleSleep: true, hz: 1, watchdogMs: 1500 });
    const control = new Int32Array(host.controlBuffer);
    for (let cycle = 0; cycle < 2; cycle++) {
      await sleep(IDLE_BEAT_MS + 500);
      expect(Atomics.load(control, Ctl.ASLEEP)).toBe(1);
      const at = host.tick;
      host.queue.push(Cmd.JOIN, 100 + cycle, 0); // no wake: seen at the next beat
      await host.waitForTick(at + 1, 4000);
      host.queue.push(Cmd.LEAVE, 100 + cycle, 0);
      await host.waitForTick(at + 2, 4000);
    }
    expect(host.restarts).toBe(0);
  });
});
