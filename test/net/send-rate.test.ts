// Per-client snapshot rates: the adaptation rule on a fake clock, then over real sockets a
// client that asks for 20 Hz and a client that stops reading, next to one that keeps up.

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CALM_MS, HOLD_MS, SendRate } from '../../src/net/server/send-rate.js';
import { Ctl } from '../../src/workers/messages.js';
import { cleanupNet, joinClient, LOOPBACK, msgpackFrame, onCleanup, PREAMBLE, sleep, startHost, waitUntil } from '../helpers/net.js';

afterEach(cleanupNet);

describe('send rate rule', () => {
  it('send rate: 60/30/20 Hz send every 1st/2nd/3rd tick, every client on the same ticks', () => {
    const sent = (hz: 60 | 30 | 20) => {
      const r = new SendRate(hz, 0);
      return Array.from({ length: 12 }, (_, t) => t).filter((t) => r.due(t, 0, 0));
    };
    expect(sent(60)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sent(30)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(sent(20)).toEqual([0, 3, 6, 9]);
    const r = new SendRate(20, 0);
    expect([0, 1, 2, 3].map((t) => r.sendsAt(t))).toEqual([true, false, false, true]);
  });

  it('send rate: a growing backlog steps down once per hold time to 20 Hz; calm steps back up to the cap, never past it', () => {
    const r = new SendRate(60, 0, 1000);
    r.adapt(500, 0);
    expect(r.hz).toBe(60); // some backlog, under the high water: no change
    r.adapt(5000, 10);
    expect(r.hz).toBe(30);
    r.adapt(5000, 10 + HOLD_MS - 1);
    expect(r.hz).toBe(30); // held
    r.adapt(5000, 10 + HOLD_MS);
    expect(r.hz).toBe(20);
    r.adapt(5000, 10 + 5 * HOLD_MS);
    expect(r.hz).toBe(20); // the floor
    const t = 10 + 5 * HOLD_MS;
    r.adapt(0, t + CALM_MS - 1);
    expect(r.hz).toBe(20); // not calm for long enough yet
    r.adapt(0, t + CALM_MS);
    expect(r.hz).toBe(30);
    r.adapt(100, t + CALM_MS + 10); // any backlog restarts the calm period
    r.adapt(0, t + 2 * CALM_MS);
    expect(r.hz).toBe(30);
    r.adapt(0, t + 2 * CALM_MS + 10);
    expect(r.hz).toBe(60);
    expect([r.lowered, r.raised]).toEqual([2, 2]);
    const capped = new SendRate(30, 0, 1000);
    capped.adapt(0, 100_000);
    expect(capped.hz).toBe(30);
  });
});

describe('send rate over sockets', () => {
  it('send rate: a client that asks for 20 Hz is sent every third tick', async () => {
    const th = await startHost();
    const slow = await joinClient(th, { rate: 20 });
    const fast = await joinClient(th);
    const ticksOf = (c: typeof slow) => {
      const seen: number[] = [];
      c.on('snapshot', (st) => seen.push(st.tick));
      return seen;
    };
    const s = ticksOf(slow);
    const f = ticksOf(fast);
    await waitUntil(() => s.length >= 20, 5000, '20 snapshots at 20 Hz');
    const gaps = new Set(s.slice(1).map((t, i) => t - s[i]!));
    expect([...gaps].every((g) => g % 3 === 0)).toBe(true);
    expect(f.length).toBeGreaterThan(s.length * 2); // the other client is sent every tick
    expect(th.host.stats().rates).toMatchObject({ hz60: 1, hz20: 1 });
  });

  it('send rate: with every client at 20 Hz the sim runs its ticks three at a time; a 60 Hz client (or a join) brings every tick back', async () => {
    const th = await startHost();
    const control = new Int32Array(th.sim.controlBuffer);
    const a = await joinClient(th, { rate: 20 });
    const b = await joinClient(th, { rate: 20 });
    await waitUntil(() => Atomics.load(control, Ctl.GROUP) === 3, 3000, 'groups of 3');
    // the sim now publishes only the ticks that are sent, and both clients still get each
    const aTicks: number[] = [];
    a.on('snapshot', (st) => aTicks.push(st.tick));
    let bSnapshots = 0;
    b.on('snapshot', () => bSnapshots++);
    await sleep(1000);
    expect(aTicks.length).toBeGreaterThanOrEqual(15); // 20 a second
    expect(aTicks.slice(1).every((t, i) => (t - aTicks[i]!) % 3 === 0)).toBe(true);
    expect(bSnapshots).toBeGreaterThanOrEqual(15);
    expect(Atomics.load(control, Ctl.NEXT) % 3).toBe(0);

    const fast = await joinClient(th);
    await waitUntil(() => Atomics.load(control, Ctl.GROUP) === 1, 3000, 'every tick again');
    const fTicks: number[] = [];
    fast.on('snapshot', (st) => fTicks.push(st.tick));
    await sleep(500);
    const gaps = fTicks.slice(1).map((t, i) => t - fTicks[i]!);
    expect(gaps.filter((g) => g === 1).length).toBeGreaterThanOrEqual(gaps.length * 0.8);
    fast.close();
    await waitUntil(() => Atomics.load(control, Ctl.GROUP) === 3, 3000, 'groups of 3 again once the 60 Hz client left');
  });

  it('send rate: a client that stops reading is stepped down to 20 Hz and back up once it reads again; the others stay at 60', async () => {
    const gameOptions = { drones: 5000 };
    const th = await startHost({ gameOptions, simOptions: { game: 'shooter', gameOptions, capacity: 6000 } });
    const honest = await joinClient(th);
    // a raw client that joins and then stops reading (it never acks: full snapshots, ~40 KB each)
    const sock = connect({ host: LOOPBACK, port: th.port });
    onCleanup(() => sock.destroy());
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(PREAMBLE);
    sock.write(msgpackFrame({ type: 'join', protocol: 1 }));
    await waitUntil(() => th.host.stats().msgpack === 2, 3000, 'the raw client joined');
    await sleep(200);
    sock.pause();
    await waitUntil(() => th.host.stats().rates.hz20 === 1, 20_000, 'the stalled client stepped down to 20 Hz');
    const down = th.host.stats().rates;
    expect(down.lowered).toBeGreaterThanOrEqual(2);
    expect(down.hz60).toBe(1); // the honest one
    const n0 = honest.snapshots;
    await sleep(300);
    expect(honest.snapshots).toBeGreaterThan(n0);
    sock.resume(); // reads again: the backlog drains, calm for CALM_MS, then one step up at a time
    await waitUntil(() => th.host.stats().rates.raised >= 1, 15_000, 'the rate raised again');
    expect(th.host.stats().rates.hz20).toBe(0);
  }, 45_000);
});
