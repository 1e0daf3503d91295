// An idle host costs next to nothing: with idleSleep the sim worker runs no tick while nobody
// is in the world and nothing is queued. The first command wakes the world where it stopped
// (no catch-up burst, nothing counted as skipped), the last leave puts it back to sleep, and
// the watchdog never takes the sleep for a stall.

import { afterEach, describe, expect, it } from 'vitest';
import { Cmd } from '../../src/engine/input-queue.js';
import { SimHost } from '../../src/workers/sim-host.js';
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
});
