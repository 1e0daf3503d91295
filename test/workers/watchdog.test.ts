import { afterEach, describe, expect, it } from 'vitest';
import { Button } from '../../src/engine/games/shooter/index.js';
import { Cmd } from '../../src/engine/input-queue.js';
import { SimHost, type RestartReason } from '../../src/workers/sim-host.js';
import { readOwnedEntity } from '../helpers/ring-read.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let host: SimHost | undefined;
let feeder: NodeJS.Timeout | undefined;
afterEach(async () => {
  if (feeder) clearInterval(feeder);
  await host?.stop();
  host = undefined;
});

/** A shooter at 240 Hz (faster wall-clock play), two players firing until one has scored. */
async function scoringHost(): Promise<SimHost> {
  const h = await SimHost.start({ capacity: 5000, hz: 240, faultInjection: true });
  h.queue.push(Cmd.JOIN, 1, 0);
  h.queue.push(Cmd.JOIN, 2, 0);
  let seq = 0;
  feeder = setInterval(() => {
    seq++;
    h.queue.push(Cmd.INPUT, 1, seq, Button.FIRE | (seq % 120 < 60 ? Button.LEFT : Button.RIGHT));
    h.queue.push(Cmd.INPUT, 2, seq, Button.FIRE);
  }, 4);
  const until = performance.now() + 30_000;
  while ((readOwnedEntity(h.ring, 1)?.values['Player.score'] ?? 0) < 1) {
    if (performance.now() > until) throw new Error('player 1 never scored');
    await sleep(20);
  }
  return h;
}

function restartOnce(h: SimHost): Promise<{ reason: RestartReason; fromTick: number }> {
  return new Promise((resolve) => h.once('restart', resolve));
}

async function expectPlayersKept(h: SimHost, faultTick: number) {
  const before = [readOwnedEntity(h.ring, 1)!, readOwnedEntity(h.ring, 2)!];
  return async (restart: { fromTick: number }) => {
    expect(restart.fromTick).toBeGreaterThanOrEqual(faultTick);
    await h.waitForTick(restart.fromTick + 30);
    for (const [i, client] of [1, 2].entries()) {
      const after = readOwnedEntity(h.ring, client)!;
      const b = before[i]!;
      expect(after.eid).toBe(b.eid);
      expect(after.values['Entity.gen']).toBe(b.values['Entity.gen']);
      expect(after.values['Player.slot']).toBe(b.values['Player.slot']);
      expect(after.values['Player.score']).toBeGreaterThanOrEqual(b.values['Player.score']!);
    }
    expect(readOwnedEntity(h.ring, 1)!.values['Player.score']).toBeGreaterThanOrEqual(1);
  };
}

describe('watchdog', () => {
  it('watchdog: a sim worker that throws is restarted from the newest snapshot; players keep entities and scores', async () => {
    host = await scoringHost();
    const tick = host.tick;
    const check = await expectPlayersKept(host, tick);
    const restarted = restartOnce(host);
    host.injectFault('throw');
    const r = await restarted;
    expect(r.reason).toBe('threw');
    expect(host.restarts).toBe(1);
    await check(r);
  });

  it('watchdog: a sim worker blocked for 2 s is noticed after 500 ms and replaced', async () => {
    host = await scoringHost();
    const tick = host.tick;
    const check = await expectPlayersKept(host, tick);
    const restarted = restartOnce(host);
    host.injectFault('block', 2000);
    const r = await restarted;
    // only the heartbeat check reports 'stalled': the worker neither threw nor exited
    expect(r.reason).toBe('stalled');
    await check(r);
  });

  it('watchdog: faults are refused unless fault injection was enabled', async () => {
    host = await SimHost.start({ capacity: 1000 });
    const restarted = restartOnce(host);
    host.injectFault('throw');
    const outcome = await Promise.race([restarted.then(() => 'restarted'), sleep(800).then(() => 'none')]);
    expect(outcome).toBe('none');
    expect(host.restarts).toBe(0);
  });

  it('watchdog: bad options are rejected naming the option', async () => {
    await expect(SimHost.start({ capacity: 0 })).rejects.toThrow(/options.capacity/);
    await expect(SimHost.start({ watchdogMs: 1 })).rejects.toThrow(/options.watchdogMs/);
  });
});
