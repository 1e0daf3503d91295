// Ticks in groups (Ctl.GROUP): asked for groups of k, the sim worker sleeps until the next
// multiple of k is due and runs the ticks up to it in one turn, so it publishes once a group
// and says which tick comes next (Ctl.NEXT). The ticks are the same ticks: none skipped, and a
// client's inputs that came meanwhile are applied one a tick, in order.

import { afterEach, describe, expect, it } from 'vitest';
import { Cmd } from '../../src/engine/input-queue.js';
import { Ctl } from '../../src/workers/messages.js';
import { Button } from '../../src/engine/games/shooter/schema.js';
import { SimHost } from '../../src/workers/sim-host.js';
import { watchTicks } from '../../src/workers/tick-watch.js';
import { readOwnedEntity } from '../helpers/ring-read.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let host: SimHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

/** The publishes seen for `ms` (a waiter on Ctl.TICK, as the network thread's): the newest tick of each, and Ctl.NEXT then. */
async function publishes(control: Int32Array, ms: number): Promise<{ ticks: number[]; next: number[] }> {
  const ticks: number[] = [];
  const next: number[] = [];
  const w = watchTicks(control, (t) => {
    ticks.push(t);
    next.push(Atomics.load(control, Ctl.NEXT));
  });
  await sleep(ms);
  w.stop();
  return { ticks, next };
}

describe('ticks in groups', () => {
  it('asked for groups of 3, the sim publishes every third tick and names the next; asked for 1, every tick again; nothing skipped', async () => {
    host = await SimHost.start({ capacity: 2000, idleSleep: true });
    const control = new Int32Array(host.controlBuffer);
    host.queue.push(Cmd.JOIN, 7, 0);
    host.wake();
    await host.waitForTick(host.tick + 10, 3000);

    Atomics.store(control, Ctl.GROUP, 3);
    await sleep(100); // the group asked for starts at the sim's next wake
    const grouped = await publishes(control, 1000);
    const span = grouped.ticks.at(-1)! - grouped.ticks[0]!;
    expect(span).toBeGreaterThanOrEqual(40); // ~60 ticks ran
    // one publish a group: ~20 where every tick was published (60); a late wake on a busy
    // machine may publish a tick that ends no group
    expect(grouped.ticks.length).toBeLessThanOrEqual(span / 2);
    const ends = grouped.ticks.filter((t) => t % 3 === 0).length;
    expect(ends).toBeGreaterThanOrEqual(grouped.ticks.length * 0.8);
    // Ctl.NEXT, read as each publish was seen: the next multiple of 3
    grouped.ticks.forEach((t, i) => {
      if (t % 3 === 0) expect(grouped.next[i]).toBe(t + 3);
    });

    Atomics.store(control, Ctl.GROUP, 1);
    await sleep(100);
    const single = await publishes(control, 1000);
    const span1 = single.ticks.at(-1)! - single.ticks[0]!;
    expect(single.ticks.length).toBeGreaterThanOrEqual(span1 * 0.8);

    // a value out of range (the network thread never writes one) is taken as 1
    Atomics.store(control, Ctl.GROUP, 99);
    await sleep(100);
    const odd = await publishes(control, 500);
    expect(odd.ticks.length).toBeGreaterThanOrEqual((odd.ticks.at(-1)! - odd.ticks[0]!) * 0.8);

    const stats = await new Promise<{ skippedTicks: number }>((r) => host!.once('stats', r));
    expect(stats.skippedTicks).toBe(0);
  });

  it('in groups, the inputs that came meanwhile are applied one a tick, in the order they came', async () => {
    host = await SimHost.start({ capacity: 2000, idleSleep: true });
    const sim = host;
    const control = new Int32Array(sim.controlBuffer);
    sim.queue.push(Cmd.JOIN, 7, 0);
    sim.wake();
    await sim.waitForTick(sim.tick + 5, 3000);
    const eid = readOwnedEntity(sim.ring, 7)!.eid;
    const buttonsAt = (tick: number) => {
      const token = sim.ring.beginRead(tick);
      if (token < 0) return -1;
      const b = sim.ring.blockOf(tick).fields[sim.ring.schema.fields.findIndex((f) => f.key === 'Player.buttons')]![eid]!;
      return sim.ring.endRead(tick, token) ? b : -1;
    };
    Atomics.store(control, Ctl.GROUP, 3);
    await sleep(100);
    // right after each publish, three inputs (LEFT, RIGHT, UP in turn): the next group's three
    // ticks must each take one, in order. Published every tick, all three would meet one tick,
    // which takes the first and keeps two waiting (input-rules.ts): the backlog grows.
    const ORDER = [Button.LEFT, Button.RIGHT, Button.UP];
    let seq = 0;
    let pushedAt = -1;
    const groups: Array<{ from: number; got: number[] }> = [];
    const w = watchTicks(control, (t) => {
      if (pushedAt >= 0 && t === pushedAt + 3) groups.push({ from: pushedAt + 1, got: [1, 2, 3].map((d) => buttonsAt(pushedAt + d)) });
      for (const b of ORDER) sim.queue.push(Cmd.INPUT, 7, ++seq, b);
      pushedAt = t;
    });
    await sleep(1000);
    w.stop();
    // ~20 groups; a late wake on a busy machine may split one
    expect(groups.length).toBeGreaterThanOrEqual(8);
    const inOrder = groups.filter((g) => g.got.join() === ORDER.join()).length;
    expect(inOrder).toBeGreaterThanOrEqual(groups.length * 0.8);
    const stats = await new Promise<{ drops: Record<string, number> }>((r) => sim.once('stats', r));
    expect(stats.drops['input.backlog'] ?? 0).toBeLessThanOrEqual(3);
  });
});
