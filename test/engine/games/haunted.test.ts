// The haunted game's rules, driven through the real Simulation with scripted commands.

import { describe, expect, it } from 'vitest';
import '../../../src/engine/games/index.js';
import { getGame } from '../../../src/engine/games/index.js';
import {
  Button,
  COUNTDOWN_TICKS,
  END_TICKS,
  LIGHTS,
  PLAYER_SIZE,
  Phase,
  ROUND_TICKS,
  SPEED,
  Team,
  WALLS,
  createHaunted,
  hauntedSchema,
  segmentBlocked,
  type HauntedSpec,
} from '../../../src/engine/games/haunted/index.js';
import { hashToHex } from '../../../src/engine/hash.js';
import { viewOf } from '../../../src/engine/snapshot-view.js';
import { GameHarness } from '../../helpers/game-harness.js';

class HauntedHarness extends GameHarness<HauntedSpec> {
  constructor(seed = 1, capacity = 64) {
    super(createHaunted({ capacity }), capacity, seed);
  }

  phase(): number {
    return this.global('phase');
  }

  player(client: number) {
    const e = this.eid(client);
    const p = this.w.c.Player;
    return { x: this.w.c.Position.x[e]!, y: this.w.c.Position.y[e]!, team: p.team[e]!, ready: p.ready[e]!, caught: p.caught[e]! };
  }

  place(client: number, x: number, y: number): this {
    const e = this.eid(client);
    this.w.c.Position.x[e] = x;
    this.w.c.Position.y[e] = y;
    return this;
  }

  /** Pick a team and ready up (a fresh READY press), then release. */
  pickAndReady(client: number, teamBit: number): this {
    this.press(client, teamBit).step();
    this.press(client, teamBit | Button.READY).step();
    return this.press(client, 0);
  }

  /** Clients 1, 2 seekers... as given; the round started (countdown run out). */
  startRound(seekers: number[], hiders: number[]): this {
    this.join(...seekers, ...hiders).step();
    for (const c of seekers) this.pickAndReady(c, Button.SEEKER);
    for (const c of hiders) this.pickAndReady(c, Button.HIDER);
    this.step(COUNTDOWN_TICKS + 1);
    expect(this.phase()).toBe(Phase.ROUND);
    return this;
  }

  visibleTo(client: number): Set<number> {
    const view = viewOf(this.sim.game.schema, this.w.block, this.sim.tick, this.sim.maxEid);
    const out = new Uint8Array(this.sim.maxEid + 1);
    this.sim.game.visibility!(view, this.eid(client), out);
    const s = new Set<number>();
    for (let e = 1; e <= this.sim.maxEid; e++) if (out[e]) s.add(e);
    return s;
  }
}

describe('haunted game', () => {
  it('haunted: is registered, with networked positions (quantized), team, caught and the phase globals', () => {
    expect(getGame('haunted').create({}).name).toBe('haunted');
    const byKey = new Map(hauntedSchema.fields.map((f) => [f.key, f]));
    for (const k of ['Position.x', 'Position.y']) expect([byKey.get(k)!.networked, byKey.get(k)!.wire]).toEqual([true, 'u16']);
    for (const k of ['Player.team', 'Player.caught', 'Player.ready']) expect(byKey.get(k)!.networked).toBe(true);
    expect(byKey.get('Player.buttons')!.networked).toBe(false);
    for (const g of ['phase', 'countdown', 'timeLeft']) expect(hauntedSchema.spec.globals[g as 'phase'].networked).toBe(true);
  });

  it('haunted: players join in the lobby on wall-free spots, with no team', () => {
    const h = new HauntedHarness().join(1, 2, 3, 4, 5, 6).step();
    expect(h.phase()).toBe(Phase.LOBBY);
    for (let c = 1; c <= 6; c++) {
      const p = h.player(c);
      expect(p.team).toBe(Team.NONE);
      for (const r of WALLS) {
        const overlap = p.x < r.x + r.w && p.x + PLAYER_SIZE > r.x && p.y < r.y + r.h && p.y + PLAYER_SIZE > r.y;
        expect(overlap).toBe(false);
      }
    }
  });

  it('haunted: team selection and readiness (a fresh press toggles; switching team un-readies)', () => {
    const h = new HauntedHarness().join(1).step();
    h.press(1, Button.READY).step(); // no team: cannot ready
    expect(h.player(1).ready).toBe(0);
    h.press(1, Button.HIDER).step();
    expect(h.player(1).team).toBe(Team.HIDER);
    h.press(1, Button.HIDER | Button.READY).step();
    expect(h.player(1).ready).toBe(1);
    h.step(5); // held, not fresh: stays ready
    expect(h.player(1).ready).toBe(1);
    h.press(1, Button.HIDER).step().press(1, Button.HIDER | Button.READY).step();
    expect(h.player(1).ready).toBe(0); // toggled off
    h.press(1, Button.HIDER | Button.READY).step(); // still held: no change
    expect(h.player(1).ready).toBe(0);
    h.press(1, 0).step().press(1, Button.READY).step();
    expect(h.player(1).ready).toBe(1);
    h.press(1, Button.SEEKER).step();
    expect([h.player(1).team, h.player(1).ready]).toEqual([Team.SEEKER, 0]);
    h.press(1, Button.SEEKER | Button.HIDER).step(); // SEEKER wins
    expect(h.player(1).team).toBe(Team.SEEKER);
  });

  it('haunted: the countdown starts only when everyone is ready and both teams have someone', () => {
    const h = new HauntedHarness().join(1, 2, 3).step();
    h.pickAndReady(1, Button.SEEKER).pickAndReady(2, Button.SEEKER).step();
    expect(h.phase()).toBe(Phase.LOBBY); // only seekers
    h.press(3, Button.HIDER).step();
    expect(h.phase()).toBe(Phase.LOBBY); // 3 not ready
    h.press(3, Button.HIDER | Button.READY).step();
    expect(h.phase()).toBe(Phase.COUNTDOWN);
    expect(h.global('countdown')).toBe(COUNTDOWN_TICKS);
    h.step(100);
    expect(h.global('countdown')).toBe(COUNTDOWN_TICKS - 100);
    h.leave(3).step(); // the hiders are gone: back to the lobby
    expect(h.phase()).toBe(Phase.LOBBY);
    h.join(4).step().pickAndReady(4, Button.HIDER); // the ready tick starts the countdown
    expect([h.phase(), h.global('countdown')]).toEqual([Phase.COUNTDOWN, COUNTDOWN_TICKS]);
    h.step(COUNTDOWN_TICKS - 1);
    expect([h.phase(), h.global('countdown')]).toEqual([Phase.COUNTDOWN, 1]);
    h.step(); // 300 ticks after the ready tick: the round starts (and its first tick runs)
    expect(h.phase()).toBe(Phase.ROUND);
    expect(h.global('timeLeft')).toBe(ROUND_TICKS - 1);
    expect(h.global('round')).toBe(1);
  });

  it('haunted: a seeker that touches a hider catches it; seekers win when all hiders are caught; back to the lobby', () => {
    const h = new HauntedHarness().startRound([1], [2, 3]);
    h.place(1, 100, 900).place(2, 200, 900).place(3, 1600, 900);
    h.press(1, Button.RIGHT).step(20); // 100 -> 160: not yet touching 200 (gap 40 - 20)
    expect(h.player(2).caught).toBe(0);
    h.step(10); // 190: boxes overlap
    expect(h.player(2).caught).toBe(1);
    expect(h.phase()).toBe(Phase.ROUND);
    // a caught hider is out: it no longer moves
    const before = h.player(2);
    h.press(2, Button.UP).step(5);
    expect([h.player(2).x, h.player(2).y]).toEqual([before.x, before.y]);
    h.press(1, 0).place(1, 1600 - PLAYER_SIZE, 900).step();
    expect(h.player(3).caught).toBe(1);
    expect(h.phase()).toBe(Phase.END);
    expect(h.global('winner')).toBe(Team.SEEKER);
    h.step(END_TICKS);
    expect(h.phase()).toBe(Phase.LOBBY);
    for (const c of [1, 2, 3]) expect([h.player(c).ready, h.player(c).caught]).toEqual([0, 0]);
    expect(h.player(1).team).toBe(Team.SEEKER); // teams are kept
  });

  it('haunted: hiders win when the time runs out', () => {
    const h = new HauntedHarness().startRound([1], [2]);
    h.place(1, 0, 0).place(2, 1700, 940);
    const t0 = h.global('timeLeft');
    h.step(10);
    expect(h.global('timeLeft')).toBe(t0 - 10);
    h.w.g[h.w.G.timeLeft] = 2;
    h.step();
    expect(h.phase()).toBe(Phase.ROUND);
    h.step();
    expect([h.phase(), h.global('winner'), h.global('timeLeft')]).toEqual([Phase.END, Team.HIDER, 0]);
    h.step(END_TICKS);
    expect(h.phase()).toBe(Phase.LOBBY);
  });

  it('haunted: movement is 4-way at a fixed speed, blocked by walls and the arena edge', () => {
    const h = new HauntedHarness().join(1).step();
    const wall = WALLS[4]!; // x 820..844, y 380..600
    h.place(1, 700, 480).press(1, Button.RIGHT).step(10);
    expect(h.player(1).x).toBe(700 + 10 * SPEED);
    h.step(100);
    expect([h.player(1).x, h.player(1).y]).toEqual([wall.x - PLAYER_SIZE, 480]);
    h.press(1, Button.UP | Button.RIGHT).step(); // UP wins: one axis at a time
    expect([h.player(1).x, h.player(1).y]).toEqual([wall.x - PLAYER_SIZE, 480 - SPEED]);
    h.place(1, 900, 480).press(1, Button.LEFT).step(100);
    expect(h.player(1).x).toBe(wall.x + wall.w);
    h.place(1, 10, 10).press(1, Button.UP).step(10);
    expect(h.player(1).y).toBe(0);
  });

  it('haunted: a hider in shadow is hidden from a seeker but seen by a teammate hider; a lit hider is seen', () => {
    const h = new HauntedHarness().startRound([1], [2, 3]);
    // seeker left of wall 4 (x 820..844, y 380..600), hider right of it, 160 px apart
    h.place(1, 750, 480).place(2, 910, 480).place(3, 1500, 900);
    expect(segmentBlocked(760, 490, 920, 490)).toBe(true);
    const e1 = h.eid(1);
    const e2 = h.eid(2);
    const e3 = h.eid(3);
    let seen = h.visibleTo(1);
    expect(seen.has(e1)).toBe(true); // always itself
    expect(seen.has(e2)).toBe(false); // in the wall's shadow, no light
    expect(seen.has(e3)).toBe(false); // far away, unlit
    expect(h.visibleTo(3).has(e2)).toBe(true); // teammate
    expect(h.visibleTo(2).has(e3)).toBe(true);
    // the hider steps around into the open, 160 px away: seen
    // still behind the wall's lower end: (760,490)-(920,650) crosses x 820 at y ~550 < 600
    h.place(2, 910, 640);
    expect(h.visibleTo(1).has(e2)).toBe(false);
    // in the open, 168 px away: seen; and the hider sees the seeker too
    h.place(2, 700, 640);
    expect(h.visibleTo(1).has(e2)).toBe(true);
    expect(h.visibleTo(2).has(e1)).toBe(true);
    // under a light, far beyond the view radius: seen
    const lamp = LIGHTS[0]!; // (420, 480)
    h.place(1, 1300, 900).place(2, lamp.x - PLAYER_SIZE / 2, lamp.y - PLAYER_SIZE / 2);
    expect(h.visibleTo(1).has(e2)).toBe(true);
    // same spot, no longer lit once out of the lamp's radius
    h.place(2, lamp.x + lamp.r + 20, lamp.y);
    expect(h.visibleTo(1).has(e2)).toBe(false);
    // the hider sees the seeker? only if in range or lit: not here
    expect(h.visibleTo(2).has(e1)).toBe(false);
  });

  it('haunted: in the lobby everyone sees everyone', () => {
    const h = new HauntedHarness().join(1, 2).step();
    h.place(1, 750, 480).place(2, 910, 480);
    expect(h.visibleTo(1)).toEqual(new Set([h.eid(1), h.eid(2)]));
  });

  it('haunted: bots pick teams, ready up, catch hiders, and go back to the lobby for another round', () => {
    const h = new HauntedHarness(5);
    const clients = [1, 2, 3, 4];
    h.join(...clients).step();
    let caughtAny = false;
    let ended = false;
    for (let t = 0; t < 3000 && !(ended && h.global('round') >= 2); t++) {
      const view = viewOf(h.sim.game.schema, h.w.block, h.sim.tick, h.sim.maxEid);
      for (const c of clients) h.press(c, h.sim.game.bot(view, h.eid(c)));
      h.step();
      if (h.phase() === Phase.END) ended = true;
      for (const c of clients) if (h.player(c).caught) caughtAny = true;
    }
    const teams = clients.map((c) => h.player(c).team);
    expect(teams).toContain(Team.SEEKER);
    expect(teams).toContain(Team.HIDER);
    expect(caughtAny).toBe(true);
    expect(ended).toBe(true);
    expect(h.global('round')).toBe(2); // readied up again after the lobby
  });
});

describe('haunted determinism', () => {
  function run(seed: number): string[] {
    const h = new HauntedHarness(seed);
    const clients = [1, 2, 3, 4, 5];
    h.join(...clients).step();
    const hashes: string[] = [];
    for (let t = 0; t < 1500; t++) {
      const view = viewOf(h.sim.game.schema, h.w.block, h.sim.tick, h.sim.maxEid);
      for (const c of clients) h.press(c, h.sim.game.bot(view, h.eid(c)));
      if (t === 700) {
        h.leave(5);
        clients.length = 4;
      }
      h.step();
      hashes.push(hashToHex(h.sim.lastHash));
    }
    return hashes;
  }

  it('haunted: the same seed and commands give the same hash at every tick; another seed does not', () => {
    const a = run(42);
    const b = run(42);
    expect(b).toEqual(a);
    const c = run(43);
    expect(c.filter((x, i) => x !== a[i]).length).toBeGreaterThan(1000);
  });
});
