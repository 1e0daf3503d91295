// The car race's rules, driven through the real Simulation (input rules, join/leave, systems
// in order) with scripted commands. Precise situations are set up by writing components
// between ticks, exactly as a system would.

import { describe, expect, it } from 'vitest';
import '../../../src/engine/games/index.js';
import {
  Button,
  CRASH_PAUSE_TICKS,
  ENEMY_START_SPEED,
  Phase,
  RACE_PAUSE_TICKS,
  START_X,
  START_Y,
  createRace,
  raceSchema,
  type RaceSpec,
} from '../../../src/engine/games/race/index.js';
import { hashToHex } from '../../../src/engine/hash.js';
import { Cmd, type Command } from '../../../src/engine/input-queue.js';
import { verifyRecording } from '../../../src/engine/recording.js';
import type { Simulation } from '../../../src/engine/simulation.js';
import { viewOf } from '../../../src/engine/snapshot-view.js';
import { ClientScript, GameHarness, recordingText, simulationOf } from '../../helpers/game-harness.js';

/** Far above the screen: an enemy parked here takes thousands of ticks to come down. */
const PARKED = -30_000;

class RaceHarness extends GameHarness<RaceSpec> {
  constructor(options: { capacity?: number; seed?: number; maxPlayers?: number } = {}) {
    const capacity = options.capacity ?? 256;
    super(createRace({ capacity, ...(options.maxPlayers ? { maxPlayers: options.maxPlayers } : {}) }), capacity, options.seed ?? 4);
  }

  get phase(): number {
    return this.global('phase');
  }

  /** Press and release (two ticks): one steer. */
  tap(client: number, button: number): this {
    return this.press(client, button).step().press(client, 0).step();
  }

  racer(client: number) {
    const e = this.eid(client);
    const { Position, EnemyCar, Racer } = this.w.c;
    return {
      x: Position.x[e]!,
      y: Position.y[e]!,
      ex: EnemyCar.x[e]!,
      ey: EnemyCar.y[e]!,
      speed: EnemyCar.speed[e]!,
      points: Racer.points[e]!,
      wins: Racer.wins[e]!,
      won: Racer.won[e]!,
      crashed: Racer.crashed[e]!,
    };
  }

  enemy(client: number, x: number, y: number): this {
    const e = this.eid(client);
    this.w.c.EnemyCar.x[e] = x;
    this.w.c.EnemyCar.y[e] = y;
    return this;
  }

  park(...clients: number[]): this {
    for (const c of clients) this.enemy(c, START_X, PARKED);
    return this;
  }
}

describe('race game', () => {
  it('race: a racer starts at (360, 480) with 0 points and its own enemy at y = -600, x in [310, 450), 5 px per tick', () => {
    const h = new RaceHarness().join(1, 2).step();
    for (const c of [1, 2]) {
      const r = h.racer(c);
      expect([r.x, r.y, r.speed, r.crashed, r.won, r.wins]).toEqual([START_X, START_Y, ENEMY_START_SPEED, 0, 0, 0]);
      expect(r.ey).toBe(-600 + 5); // joined, then fell once in the same tick
      expect(r.points).toBe(1);
      expect(Number.isInteger(r.ex) && r.ex >= 310 && r.ex < 450).toBe(true);
    }
    expect(h.phase).toBe(Phase.RACING);
    expect(h.w.g[h.w.G.raceNo]).toBe(1);
    expect(h.w.c.Entity.owner[h.eid(2)]).toBe(2);
  });

  it('race: the enemy falls 5 px per tick and, once below y = 600, comes back at y = -100 and a new x in [310, 450)', () => {
    const h = new RaceHarness({ seed: 123 }).join(1).step();
    const y0 = h.racer(1).ey;
    h.step(20);
    expect(h.racer(1).ey).toBe(y0 + 100);
    h.enemy(1, 400, 595).step();
    expect([h.racer(1).ex, h.racer(1).ey]).toEqual([400, 600]); // at 600 it is still on screen
    const xs: number[] = [];
    for (let i = 0; i < 400; i++) {
      h.w.c.Racer.points[h.eid(1)] = 1; // no speed-up: exactly 5 px per tick
      h.enemy(1, 400, 596).step();
      const r = h.racer(1);
      expect(r.ey).toBe(-100);
      expect(r.crashed).toBe(0);
      xs.push(r.ex);
    }
    expect(xs.every((x) => Number.isInteger(x) && x >= 310 && x < 450)).toBe(true);
    expect(Math.min(...xs)).toBeLessThan(315);
    expect(Math.max(...xs)).toBeGreaterThan(444);
    expect(new Set(xs).size).toBeGreaterThan(100);
  });

  it('race: every tick alive scores one point; every 100 points the enemy gets 1 px per tick faster', () => {
    const h = new RaceHarness().join(1).step().park(1);
    expect(h.racer(1).points).toBe(1);
    h.step(98);
    expect([h.racer(1).points, h.racer(1).speed]).toEqual([99, 5]);
    let y = h.racer(1).ey;
    h.step();
    expect([h.racer(1).points, h.racer(1).speed]).toEqual([100, 6]);
    expect(h.racer(1).ey).toBe(y + 5); // it fell before it sped up
    y = h.racer(1).ey;
    h.step();
    expect(h.racer(1).ey).toBe(y + 6);
    h.step(99);
    expect([h.racer(1).points, h.racer(1).speed]).toEqual([200, 7]);
    h.step(300);
    expect([h.racer(1).points, h.racer(1).speed]).toEqual([500, 10]);
  });

  it('race: a fresh press steers 50 px; holding does not repeat; LEFT and RIGHT together cancel', () => {
    const h = new RaceHarness().join(1).step().park(1);
    h.press(1, Button.LEFT).step(5);
    expect(h.racer(1).x).toBe(310);
    h.press(1, 0).step().press(1, Button.RIGHT).step();
    expect(h.racer(1).x).toBe(360);
    h.press(1, Button.RIGHT | Button.LEFT).step(); // RIGHT still held: only LEFT is fresh
    expect(h.racer(1).x).toBe(310);
    h.press(1, 0).step().press(1, Button.RIGHT | Button.LEFT).step();
    expect(h.racer(1).x).toBe(310);
    h.press(1, 0).step().tap(1, Button.RIGHT).tap(1, Button.RIGHT).tap(1, Button.RIGHT);
    expect(h.racer(1).x).toBe(460); // the last lane on the road
    expect(h.racer(1).crashed).toBe(0);
  });

  it('race: leaving the road (x < 310 or x > 460) crashes: 0 points, back at the start, a fresh enemy, a 60-tick pause', () => {
    const h = new RaceHarness().join(1).step().park(1);
    h.step(300);
    expect(h.racer(1).speed).toBe(8);
    h.tap(1, Button.LEFT);
    expect(h.racer(1).crashed).toBe(0);
    h.press(1, Button.LEFT).step();
    let r = h.racer(1);
    expect([r.x, r.points, r.crashed, r.speed, r.ey]).toEqual([START_X, 0, CRASH_PAUSE_TICKS, ENEMY_START_SPEED, -600]);
    // the pause: nothing of this racer moves, no points, no steering
    h.press(1, Button.RIGHT).step(CRASH_PAUSE_TICKS);
    r = h.racer(1);
    expect([r.x, r.points, r.crashed, r.ey]).toEqual([START_X, 0, 0, -600]);
    h.press(1, 0).step();
    expect([h.racer(1).points, h.racer(1).ey]).toEqual([1, -595]);
    // and off the right edge
    h.park(1).tap(1, Button.RIGHT).tap(1, Button.RIGHT);
    expect(h.racer(1).crashed).toBe(0);
    h.tap(1, Button.RIGHT);
    expect(h.racer(1)).toMatchObject({ x: START_X, points: 0 });
    expect(h.racer(1).crashed).toBeGreaterThan(CRASH_PAUSE_TICKS - 2);
  });

  it('race: touching the enemy crashes (boxes 49 x 100 overlapping); sharing an edge or being passed does not', () => {
    const h = new RaceHarness().join(1, 2, 3, 4, 5).step(); // all at (360, 480)
    h.w.c.Racer.points.fill(50, 1);
    h.enemy(1, 408, 380); // falls to 385: overlaps by 1 px sideways and 5 px down
    h.enemy(2, 409, 380); // x edge shared: 360 + 49 = 409
    h.enemy(3, 312, 376); // 1 px of overlap sideways; bottom at 481 after the fall: overlaps the top row of the car
    h.enemy(4, 360, 374); // bottom at 479: not yet
    h.enemy(5, 360, 576); // 581 after the fall: below the car's bottom (580)
    h.step();
    expect([1, 2, 3, 4, 5].map((c) => h.racer(c).crashed > 0)).toEqual([true, false, true, false, false]);
    expect(h.racer(1).points).toBe(0);
    expect(h.racer(2).points).toBe(51);
    h.step(); // 379 + 5: now it touches
    expect(h.racer(4).crashed).toBe(CRASH_PAUSE_TICKS);
    expect(h.racer(5).crashed).toBe(0);
  });

  it('race: the first to 1000 points wins; after a 180-tick pause a new race starts with everyone back at 0', () => {
    const h = new RaceHarness().join(1, 2).step().park(1, 2);
    h.w.c.Racer.points[h.eid(1)] = 998;
    h.w.c.Racer.points[h.eid(2)] = 640;
    h.step();
    expect(h.phase).toBe(Phase.RACING);
    h.step();
    expect(h.phase).toBe(Phase.OVER);
    expect(h.racer(1)).toMatchObject({ points: 1000, won: 1, wins: 1 });
    expect(h.racer(2)).toMatchObject({ points: 642, won: 0, wins: 0 });
    // everyone sees every car and score: all of it is networked state
    const networked = raceSchema.fields.filter((f) => f.networked).map((f) => f.key);
    for (const k of ['Position.x', 'Position.y', 'EnemyCar.x', 'EnemyCar.y', 'Racer.points', 'Racer.wins', 'Racer.won']) {
      expect(networked).toContain(k);
    }
    // the pause: nothing moves, presses do nothing
    const ey = h.racer(2).ey;
    h.press(2, Button.LEFT).step(RACE_PAUSE_TICKS - 1);
    expect(h.phase).toBe(Phase.OVER);
    expect(h.racer(2)).toMatchObject({ points: 642, x: START_X, ey });
    h.step();
    expect(h.phase).toBe(Phase.RACING);
    expect(h.w.g[h.w.G.raceNo]).toBe(2);
    for (const c of [1, 2]) {
      const r = h.racer(c);
      expect([r.points, r.x, r.ey, r.speed, r.won, r.crashed]).toEqual([0, START_X, -600, ENEMY_START_SPEED, 0, 0]);
    }
    expect([h.racer(1).wins, h.racer(2).wins]).toEqual([1, 0]);
    h.step(); // LEFT is still held from the pause: it does not steer now
    expect([h.racer(2).x, h.racer(2).points]).toEqual([START_X, 1]);
  });

  it('race: racers reaching 1000 on the same tick all win; a crash on that tick does not', () => {
    const h = new RaceHarness().join(1, 2, 3).step().park(1, 2, 3);
    for (const c of [1, 2, 3]) h.w.c.Racer.points[h.eid(c)] = 999;
    h.enemy(3, START_X, 379); // touches this tick
    h.step();
    expect([1, 2, 3].map((c) => h.racer(c).won)).toEqual([1, 1, 0]);
    expect(h.racer(3).points).toBe(0);
    expect(h.phase).toBe(Phase.OVER);
  });

  it('race: joins past maxPlayers are refused; leaving removes the racer and its enemy with it', () => {
    const h = new RaceHarness({ maxPlayers: 2 }).join(1, 2, 3).step();
    expect(h.sim.entityOf(3)).toBe(-1);
    expect(h.w.counters.drops['join.refused']).toBe(1);
    const e1 = h.eid(1);
    h.leave(1).step();
    expect([h.w.c.Entity.archetype[e1], h.w.c.EnemyCar.y[e1], h.w.c.Racer.points[e1]]).toEqual([0, 0, 0]);
    h.join(3).step();
    expect(h.racer(3).points).toBe(1);
  });

  it('race: createRace rejects a bad maxPlayers with a RangeError naming the option', () => {
    for (const maxPlayers of [0, -3, 1.5, 10_001]) expect(() => createRace({ maxPlayers })).toThrow(/maxPlayers/);
    expect(createRace({ maxPlayers: 10_000 }).maxPlayers).toBe(10_000);
  });

  it('race: the bot stays on the road, dodges its enemy and wins races', () => {
    const h = new RaceHarness({ seed: 21 }).join(1).step();
    let crashes = 0;
    for (let t = 0; t < 4000; t++) {
      const view = viewOf(h.sim.game.schema, h.w.block, h.sim.tick, h.sim.maxEid);
      h.press(1, h.sim.game.bot(view, h.eid(1))).step();
      const r = h.racer(1);
      if (r.crashed === CRASH_PAUSE_TICKS) crashes++;
      expect(r.x >= 310 && r.x <= 460).toBe(true);
    }
    expect(crashes).toBe(0);
    expect(h.racer(1).wins).toBeGreaterThanOrEqual(3);
  });
});

// ---- determinism ---------------------------------------------------------------------------

const TICKS = 3000;
const CAPACITY = 64;

/**
 * Joins, a late join, a leave; clients 1 and 3 drive with the bot policy (long runs, a win),
 * the others tap random keys now and then (their own LCG) and crash often.
 */
function run(seed: number): { hashes: string[]; commands: Command[][]; wins: number } {
  const sim = newSim(seed);
  let s = 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const clients = new ClientScript();
  const present = new Set<number>();
  const hashes: string[] = [];
  const commands: Command[][] = [];
  for (let t = 0; t < TICKS; t++) {
    const out: Command[] = [];
    const member = (type: 2 | 3, client: number) => out.push(clients.command(type, client));
    const input = (client: number, b: number) => out.push(clients.input(client, b));
    if (t === 0) for (const c of [1, 2, 3, 4]) member(Cmd.JOIN, c), present.add(c);
    if (t === 900) member(Cmd.JOIN, 5), present.add(5);
    if (t === 1800 && present.delete(2)) member(Cmd.LEAVE, 2);
    const view = viewOf(sim.game.schema, sim.world.block, sim.tick, sim.maxEid);
    for (const c of present) {
      const e = sim.entityOf(c);
      if ((c === 1 || c === 3) && e > 0) input(c, sim.game.bot(view, e));
      else if (rnd() < 0.05) input(c, Math.floor(rnd() * 4));
    }
    sim.step(out);
    commands.push(out);
    hashes.push(hashToHex(sim.lastHash));
  }
  let wins = 0;
  for (const [, e] of sim.clients()) wins += sim.world.c.Racer.wins[e]!;
  return { hashes, commands, wins };
}

function newSim(seed: number, restoreFrom?: Simulation<RaceSpec>) {
  return simulationOf(createRace({ capacity: CAPACITY }), CAPACITY, seed, restoreFrom);
}

describe('race determinism', () => {
  it('race: the same seed and commands give the same hash at every one of 3,000 ticks; another seed does not', () => {
    const a = run(42);
    const b = run(42);
    const c = run(43);
    expect(b.hashes).toEqual(a.hashes);
    expect(new Set(a.hashes).size).toBe(TICKS);
    expect(c.hashes.filter((h, i) => h !== a.hashes[i]).length).toBe(TICKS);
    expect(a.wins).toBeGreaterThan(0);
  });

  it('race: a recording of 3,000 ticks replays through the engine to the identical hashes', () => {
    const a = run(7);
    const r = verifyRecording(recordingText({ game: 'race', capacity: CAPACITY, seed: 7 }, a));
    expect(r.error).toBeUndefined();
    expect([r.ok, r.ticks]).toEqual([true, TICKS]);
  });

  it('race: a world restored from a checkpoint mid-run goes on exactly as the original', () => {
    const a = run(11);
    const sim = newSim(11);
    for (let t = 0; t < 1500; t++) sim.step(a.commands[t]!);
    const restored = newSim(11, sim);
    for (let t = 1500; t < TICKS; t++) {
      restored.step(a.commands[t]!);
      expect(hashToHex(restored.lastHash), `tick ${t + 1}`).toBe(a.hashes[t]);
    }
  });
});
