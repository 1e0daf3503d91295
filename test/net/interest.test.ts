// Interest management over real sockets: a shooter in a world larger than its 750 x 750
// screen, full of drifting drones. Each client's reconstructed world must equal the host's
// state at that tick filtered by the client's view, computed here from the rule itself
// (camera around the ship, widened to 125 px cells), not by the code under test.

import { afterEach, describe, expect, it } from 'vitest';
import { Button, Phase, PLAYER_H, PLAYER_W } from '../../src/engine/games/shooter/schema.js';
import { viewOf } from '../../src/engine/snapshot-view.js';
import type { LanpartyClient } from '../../src/net/client/client.js';
import { liveIds, stateField } from '../../src/net/protocol/snapshot/index.js';
import { cleanupNet, entityOf, joinClient, readGlobal, sleep, startHost, waitUntil, type TestHost } from '../helpers/net.js';

afterEach(cleanupNet);

const CELL = 125;
const SCREEN = 750;

interface Expected {
  ids: number[];
  x: Map<number, number>;
  all: number;
}

/** What the client of entity `self` should hold at `tick`, from the host's ring slot. */
function expectedView(th: TestHost, tick: number, self: number, W: number, H: number): Expected | null {
  const ring = th.sim.ring;
  const token = ring.beginRead(tick);
  if (token < 0) return null;
  const v = viewOf(ring.schema, ring.blockOf(tick), tick, ring.info(tick).maxEid);
  const arch = v.field('Entity.archetype');
  const xs = v.field('Position.x');
  const ys = v.field('Position.y');
  const cols = Math.ceil(W / CELL);
  const rows = Math.ceil(H / CELL);
  const clamp = (n: number, hi: number) => Math.min(Math.max(n, 0), hi);
  const bx = clamp(xs[self]! + PLAYER_W / 2 - SCREEN / 2, W - SCREEN);
  const by = clamp(ys[self]! + PLAYER_H / 2 - SCREEN / 2, H - SCREEN);
  const [c0, c1] = [Math.floor(bx / CELL), Math.ceil((bx + SCREEN) / CELL) - 1];
  const [r0, r1] = [Math.floor(by / CELL), Math.ceil((by + SCREEN) / CELL) - 1];
  const ids: number[] = [];
  const x = new Map<number, number>();
  let all = 0;
  for (let e = 1; e <= v.maxEid; e++) {
    if (!arch[e]) continue;
    all++;
    const c = clamp(Math.floor(xs[e]! / CELL), cols - 1);
    const r = clamp(Math.floor(ys[e]! / CELL), rows - 1);
    if (e === self || (c >= c0 && c <= c1 && r >= r0 && r <= r1)) {
      ids.push(e);
      x.set(e, xs[e]!);
    }
  }
  return ring.endRead(tick, token) ? { ids, x, all } : null;
}

describe('interest management', () => {
  it('interest: each client holds exactly the entities of its view cells, entering and leaving as they drift, over a long run', async () => {
    const W = 2000;
    const H = 2000;
    const gameOptions = { drones: 800, width: W, height: H };
    const th = await startHost({ gameOptions, simOptions: { game: 'shooter', gameOptions, capacity: 2000 } });
    const clients: LanpartyClient[] = [];
    for (let i = 0; i < 3; i++) clients.push(await joinClient(th));
    let compared = 0;
    let entered = 0;
    let left = 0;
    let partial = 0;
    let worstX = 0;
    const mismatches: string[] = [];
    const prev = new Map<LanpartyClient, Set<number>>();
    for (const c of clients) {
      c.on('snapshot', (st) => {
        const exp = expectedView(th, st.tick, c.welcome.entity, W, H);
        if (!exp) return; // that slot was rewritten meanwhile
        const got = liveIds(st);
        if (JSON.stringify(got) !== JSON.stringify(exp.ids)) {
          mismatches.push(`client ${c.welcome.client} tick ${st.tick}: ${got.length} ids, expected ${exp.ids.length}`);
        }
        const xs = stateField(c.codec!, st, 'Position.x')!;
        for (const e of exp.ids) worstX = Math.max(worstX, Math.abs(xs[e]! - exp.x.get(e)!));
        const before = prev.get(c);
        if (before) {
          const now = new Set(got);
          for (const e of got) if (!before.has(e)) entered++;
          for (const e of before) if (!now.has(e)) left++;
        }
        prev.set(c, new Set(got));
        if (exp.ids.length < exp.all) partial++;
        compared++;
      });
    }
    // everyone ready: the match starts and the ships can move, so their views move too
    for (const c of clients) c.input(Button.READY);
    await waitUntil(() => readGlobal(th, 'phase') === Phase.PLAYING, 5000, 'the match');
    // ~4 s of snapshots: the ships fly right, up-left and up (200 px/s); drones drift across cell borders
    const moves = [Button.RIGHT, Button.LEFT | Button.UP, Button.UP];
    const x0 = clients.map((c) => entityOf(th, c.welcome.client)!.values['Position.x'] as number);
    for (let i = 0; compared < 600 && i < 400; i++) {
      clients.forEach((c, k) => c.input(moves[k]!));
      await sleep(16);
    }
    expect(compared).toBeGreaterThanOrEqual(600);
    const x1 = clients.map((c) => entityOf(th, c.welcome.client)!.values['Position.x'] as number);
    expect(x1.some((x, k) => Math.abs(x - x0[k]!) > CELL)).toBe(true); // some view really moved
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(partial).toBe(compared); // a 750 px view of a 2000 px world never holds everything
    expect(entered).toBeGreaterThan(0);
    expect(left).toBeGreaterThan(0);
    expect(worstX).toBeLessThanOrEqual(0.25); // the shooter's POSITION_QUANT bound
  }, 30_000);

  it('interest: in the default 750 x 750 world the screen is the world: everyone gets everything, from one shared payload', async () => {
    const gameOptions = { drones: 100 };
    const th = await startHost({ gameOptions, simOptions: { game: 'shooter', gameOptions, capacity: 2000 } });
    const clients: LanpartyClient[] = [];
    for (let i = 0; i < 4; i++) clients.push(await joinClient(th));
    await waitUntil(() => clients.every((c) => c.state && liveIds(c.state).length >= 104), 5000, 'everyone sees all 104 entities');
    const before = th.host.stats();
    await waitUntil(() => th.host.stats().framesOut >= before.framesOut + 200, 10_000, '200 more frames');
    const after = th.host.stats();
    const frames = after.framesOut - before.framesOut;
    const payloads = after.interestPayloads - before.interestPayloads;
    // 4 clients acking the same ticks share a payload; allow for some whose ack lags
    expect(payloads).toBeLessThan(frames / 2);
    for (const c of clients) {
      const exp = expectedView(th, c.state!.tick, c.welcome.entity, 750, 750);
      if (exp) expect(exp.ids.length).toBe(exp.all);
    }
  });

  it('interest: with interest off every client gets the whole large world', async () => {
    const gameOptions = { drones: 300, width: 2000, height: 2000 };
    const th = await startHost({ interest: false, gameOptions, simOptions: { game: 'shooter', gameOptions, capacity: 2000 } });
    const c = await joinClient(th);
    await waitUntil(() => c.state && liveIds(c.state).length === 301, 5000, 'all 300 drones and the ship');
    expect(th.host.stats().interestPayloads).toBe(0);
  });
});
