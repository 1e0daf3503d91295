// The gather game's rules, driven through the real Simulation (input rules, join/leave,
// systems in order) with scripted commands. Precise situations are set up by writing
// components between ticks, exactly as a system would.

import { describe, expect, it } from 'vitest';
import '../../../src/engine/games/index.js';
import {
  Button,
  CELL,
  DEFAULT_COLS,
  DEFAULT_ROWS,
  Direction,
  GATHERABLES,
  STEP_TICKS,
  WIN_POINTS,
  createGather,
  type GatherOptions,
  type GatherSpec,
} from '../../../src/engine/games/gather/index.js';
import { hashToHex } from '../../../src/engine/hash.js';
import { Cmd, type Command } from '../../../src/engine/input-queue.js';
import { verifyRecording } from '../../../src/engine/recording.js';
import type { Simulation } from '../../../src/engine/simulation.js';
import { viewOf } from '../../../src/engine/snapshot-view.js';
import { ClientScript, GameHarness, type HarnessOptions, recordingText, simulationOf } from '../../helpers/game-harness.js';

const MAX_X = (DEFAULT_COLS - 1) * CELL; // 580
const MAX_Y = (DEFAULT_ROWS - 1) * CELL; // 380

class GatherHarness extends GameHarness<GatherSpec> {
  constructor(options: HarnessOptions<GatherOptions> = {}) {
    const capacity = options.capacity ?? 512;
    super(createGather({ capacity, ...options.game }), capacity, options.seed ?? 5);
  }

  /** The world tick the next step() runs (moves happen when it is a multiple of 12). */
  get tick(): number {
    return this.sim.tick;
  }

  /** Step until the next tick to run is a step tick (no move happens on the way). */
  toStepTick(): this {
    while (this.tick % STEP_TICKS !== 0) this.step();
    return this;
  }

  player(client: number) {
    const e = this.eid(client);
    const { Position, Player } = this.w.c;
    return { x: Position.x[e]!, y: Position.y[e]!, points: Player.points[e]!, gamesWon: Player.gamesWon[e]!, dir: Player.dir[e]! };
  }

  place(client: number, x: number, y: number): this {
    const e = this.eid(client);
    this.w.c.Position.x[e] = x;
    this.w.c.Position.y[e] = y;
    return this;
  }

  cellsOf(kind: 'player' | 'gatherable'): string[] {
    return this.all(kind).map((e) => `${this.w.c.Position.x[e]},${this.w.c.Position.y[e]}`);
  }

  /** Move a gatherable onto a cell (which the test knows to be free). */
  putGatherable(g: number, x: number, y: number): void {
    this.w.c.Position.x[g] = x;
    this.w.c.Position.y[g] = y;
  }

  /** The invariants every tick must keep: 3 gatherables on distinct cells, none under a player, all on the grid. */
  expectBoardValid(): void {
    const g = this.cellsOf('gatherable');
    expect(g).toHaveLength(GATHERABLES);
    expect(new Set(g).size).toBe(GATHERABLES);
    const players = new Set(this.cellsOf('player'));
    for (const c of g) expect(players.has(c), `gatherable at ${c} is under a player`).toBe(false);
    for (const e of [...this.all('gatherable'), ...this.all('player')]) {
      const x = this.w.c.Position.x[e]!;
      const y = this.w.c.Position.y[e]!;
      expect(x % CELL === 0 && y % CELL === 0 && x <= MAX_X && y <= MAX_Y).toBe(true);
    }
  }
}

describe('gather game', () => {
  it('gather: a new world has 3 gatherables on distinct cells of the 59 x 39 grid (0..580 x 0..380 px)', () => {
    const h = new GatherHarness();
    expect(h.all('gatherable')).toHaveLength(3);
    h.expectBoardValid();
    expect([h.w.g[h.w.G.cols], h.w.g[h.w.G.rows], h.w.g[h.w.G.round]]).toEqual([59, 39, 1]);
  });

  it('gather: players spawn on distinct free cells, never on a gatherable, with no direction and 0 points', () => {
    const h = new GatherHarness({ game: { maxPlayers: 400 } });
    const clients = Array.from({ length: 400 }, (_, i) => i + 1);
    h.join(...clients).step();
    const cells = h.cellsOf('player');
    expect(cells).toHaveLength(400);
    expect(new Set(cells).size).toBe(400);
    h.expectBoardValid();
    for (const c of clients.slice(0, 5)) {
      const p = h.player(c);
      expect([p.points, p.gamesWon, p.dir]).toEqual([0, 0, Direction.NONE]);
      expect(h.w.c.Entity.owner[h.eid(c)]).toBe(c);
    }
  });

  it('gather: a player moves one cell every 12 ticks, on the shared clock, in the last direction chosen', () => {
    const h = new GatherHarness().join(1).step();
    h.place(1, 100, 100);
    h.step(3); // no direction yet: it stays, even past a step tick
    expect([h.player(1).x, h.player(1).y]).toEqual([100, 100]);
    while (h.tick % STEP_TICKS !== 5) h.step();
    h.press(1, Button.RIGHT).step().press(1, 0); // chosen, then released: the direction is kept
    const movedAt: number[] = [];
    let x = h.player(1).x;
    for (let i = 0; i < 12 * 10; i++) {
      const t = h.tick;
      h.step();
      if (h.player(1).x !== x) {
        expect(h.player(1).x).toBe(x + CELL);
        movedAt.push(t);
        x = h.player(1).x;
      }
    }
    expect(movedAt).toHaveLength(10);
    expect(movedAt.every((t) => t % STEP_TICKS === 0)).toBe(true);
    expect(movedAt.slice(1).map((t, i) => t - movedAt[i]!)).toEqual(Array(9).fill(12));
    expect(h.player(1).y).toBe(100);
    h.press(1, Button.DOWN).toStepTick().step();
    expect([h.player(1).x, h.player(1).y]).toEqual([x, 110]);
    expect(h.player(1).dir).toBe(Direction.DOWN);
  });

  it("gather: several keys at once pick up, then down, then left, then right (the original client's order)", () => {
    const h = new GatherHarness().join(1).step();
    h.press(1, Button.LEFT | Button.RIGHT | Button.DOWN | Button.UP).step();
    expect(h.player(1).dir).toBe(Direction.UP);
    h.press(1, Button.LEFT | Button.RIGHT | Button.DOWN).step();
    expect(h.player(1).dir).toBe(Direction.DOWN);
    h.press(1, Button.LEFT | Button.RIGHT).step();
    expect(h.player(1).dir).toBe(Direction.LEFT);
    h.press(1, Button.RIGHT).step();
    expect(h.player(1).dir).toBe(Direction.RIGHT);
  });

  it('gather: a move that would leave the board is not made (x 0..580, y 0..380)', () => {
    const h = new GatherHarness().join(1).step();
    for (const [button, x, y, want] of [
      [Button.LEFT, 0, 200, [0, 200]],
      [Button.RIGHT, MAX_X, 200, [MAX_X, 200]],
      [Button.UP, 200, 0, [200, 0]],
      [Button.DOWN, 200, MAX_Y, [200, MAX_Y]],
      [Button.RIGHT, MAX_X - CELL, 200, [MAX_X, 200]],
    ] as const) {
      for (const g of h.all('gatherable')) h.putGatherable(g, 0, 0); // keep them off the path
      h.putGatherable(h.all('gatherable')[1]!, 10, 0);
      h.putGatherable(h.all('gatherable')[2]!, 20, 0);
      h.place(1, x, y).press(1, button).toStepTick().step();
      expect([h.player(1).x, h.player(1).y]).toEqual(want);
    }
  });

  it('gather: stepping on a gatherable scores a point and a new one appears at once on a free cell elsewhere', () => {
    const h = new GatherHarness().join(1, 2).step();
    h.place(1, 200, 200).place(2, 400, 300);
    const [g] = h.all('gatherable');
    h.putGatherable(g!, 210, 200);
    const gen = h.w.c.Entity.gen[g!];
    h.press(1, Button.RIGHT).toStepTick();
    h.step();
    expect([h.player(1).x, h.player(1).points]).toEqual([210, 1]);
    expect(h.player(2).points).toBe(0);
    // the taken gatherable is gone (its row may be reused, then with a new generation)
    expect(h.w.c.Entity.archetype[g!] === 0 || h.w.c.Entity.gen[g!] !== gen).toBe(true);
    expect(h.cellsOf('gatherable')).not.toContain('210,200');
    h.expectBoardValid();
  });

  it('gather: over 200 gathers there are always 3 gatherables, on distinct free cells spread by the PRNG', () => {
    const h = new GatherHarness({ seed: 99 }).join(1, 2, 3).step();
    h.place(2, 0, 0).place(3, MAX_X, MAX_Y);
    const spawned = new Set<string>();
    for (let i = 0; i < 200; i++) {
      h.toStepTick();
      const p = h.player(1);
      const nx = p.x + CELL <= MAX_X ? p.x + CELL : 0;
      if (nx === 0) h.place(1, 0, 100);
      // a gatherable right in front of player 1 (no player is near; one may be there already)
      const front = `${h.player(1).x + CELL},${h.player(1).y}`;
      if (!h.cellsOf('gatherable').includes(front)) h.putGatherable(h.all('gatherable')[i % 3]!, h.player(1).x + CELL, h.player(1).y);
      const before = h.cellsOf('gatherable');
      h.press(1, Button.RIGHT).step();
      h.expectBoardValid();
      for (const c of h.cellsOf('gatherable')) if (!before.includes(c)) spawned.add(c);
    }
    expect(h.player(1).gamesWon).toBe(40); // 200 points, a round every 5
    expect(spawned.size).toBeGreaterThan(150); // new cells all over the board
    expect(h.w.g[h.w.G.round]).toBe(41);
  });

  it('gather: the first to 5 points wins the round: games_won + 1 and everyone back to 0 points', () => {
    const h = new GatherHarness().join(1, 2).step();
    h.place(1, 100, 100).place(2, 300, 300);
    h.w.c.Player.points[h.eid(1)] = WIN_POINTS - 1;
    h.w.c.Player.points[h.eid(2)] = 3;
    h.putGatherable(h.all('gatherable')[0]!, 100, 110);
    h.press(1, Button.DOWN).toStepTick().step();
    expect(h.player(1)).toMatchObject({ points: 0, gamesWon: 1 });
    expect(h.player(2)).toMatchObject({ points: 0, gamesWon: 0 });
    expect(h.w.g[h.w.G.round]).toBe(2);
    h.expectBoardValid();
    // the next point counts for the new round
    h.putGatherable(h.all('gatherable')[0]!, 100, 130);
    h.toStepTick().step();
    expect(h.player(1)).toMatchObject({ y: 120, points: 0 });
    h.toStepTick().step();
    expect(h.player(1)).toMatchObject({ y: 130, points: 1, gamesWon: 1 });
  });

  it('gather: two players reaching one gatherable together: the lower id takes it, the other gets nothing', () => {
    const h = new GatherHarness().join(1, 2).step();
    h.place(1, 100, 100).place(2, 120, 100);
    h.putGatherable(h.all('gatherable')[0]!, 110, 100);
    h.press(1, Button.RIGHT).press(2, Button.LEFT).toStepTick().step();
    expect(h.eid(1)).toBeLessThan(h.eid(2));
    expect([h.player(1).points, h.player(2).points]).toEqual([1, 0]);
    h.expectBoardValid();
  });

  it('gather: leaving removes the player; joins past maxPlayers, or with no free cell, are refused and counted', () => {
    const h = new GatherHarness({ game: { maxPlayers: 2 } }).join(1, 2, 3).step();
    expect(h.sim.entityOf(3)).toBe(-1);
    expect(h.w.counters.drops['join.refused']).toBe(1);
    const e1 = h.eid(1);
    h.leave(1).step();
    expect(h.w.c.Entity.archetype[e1]).toBe(0);
    expect(h.all('player')).toHaveLength(1);
    h.join(3).step();
    expect(h.all('player')).toHaveLength(2);
    // a 2 x 2 board holds 3 gatherables and one player: no cell is left for a second one
    const small = new GatherHarness({ game: { cols: 2, rows: 2 } }).join(1, 2).step();
    expect(small.sim.entityOf(1)).toBeGreaterThan(0);
    expect(small.sim.entityOf(2)).toBe(-1);
    expect(small.w.counters.drops['join.refused']).toBe(1);
  });

  it('gather: createGather rejects bad options with a RangeError naming the option', () => {
    for (const maxPlayers of [0, 1.5, 10_001, Number.NaN]) expect(() => createGather({ maxPlayers })).toThrow(/maxPlayers/);
    for (const cols of [1, 2.5, 1001]) expect(() => createGather({ cols })).toThrow(RangeError);
    expect(() => createGather({ rows: 0 })).toThrow(/options\.rows/);
    expect(createGather({ cols: 2, rows: 1000, maxPlayers: 10_000 }).maxPlayers).toBe(10_000);
  });

  it('gather: the bot heads for the nearest gatherable and wins rounds', () => {
    const h = new GatherHarness({ seed: 3 }).join(1).step();
    const game = h.sim.game;
    for (let t = 0; t < 3000; t++) {
      const view = viewOf(game.schema, h.w.block, h.sim.tick, h.sim.maxEid);
      h.press(1, game.bot(view, h.eid(1))).step();
    }
    // ~250 steps: a gatherable is rarely more than 30 cells away
    expect(h.player(1).gamesWon * WIN_POINTS + h.player(1).points).toBeGreaterThanOrEqual(10);
  });
});

// ---- determinism ---------------------------------------------------------------------------

const TICKS = 3000;
const CAPACITY = 64;

/**
 * Joins, a late join, a leave; clients 1 and 3 play with the bot policy (so gathering and
 * round wins happen), the others press random directions now and then (their own LCG).
 */
function run(seed: number): { hashes: string[]; commands: Command[][]; points: number } {
  const sim = newSim(seed);
  let s = 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const clients = new ClientScript();
  const present = new Set<number>();
  const buttons = [Button.LEFT, Button.RIGHT, Button.UP, Button.DOWN, 0];
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
      else if (rnd() < 0.1) input(c, buttons[Math.floor(rnd() * buttons.length)]!);
    }
    sim.step(out);
    commands.push(out);
    hashes.push(hashToHex(sim.lastHash));
  }
  let points = sim.world.g[sim.world.G.round]! - 1;
  for (const [, e] of sim.clients()) points += sim.world.c.Player.points[e]!;
  return { hashes, commands, points };
}

function newSim(seed: number, restoreFrom?: Simulation<GatherSpec>) {
  return simulationOf(createGather({ capacity: CAPACITY }), CAPACITY, seed, restoreFrom);
}

describe('gather determinism', () => {
  it('gather: the same seed and commands give the same hash at every one of 3,000 ticks; another seed does not', () => {
    const a = run(42);
    const b = run(42);
    const c = run(43);
    expect(b.hashes).toEqual(a.hashes);
    expect(new Set(a.hashes).size).toBe(TICKS); // the tick is hashed: every state differs
    expect(c.hashes.filter((h, i) => h !== a.hashes[i]).length).toBe(TICKS);
    expect(a.points).toBeGreaterThan(5); // the bots gathered, and won rounds
  });

  it('gather: a recording of 3,000 ticks replays through the engine to the identical hashes', () => {
    const a = run(7);
    const r = verifyRecording(recordingText({ game: 'gather', capacity: CAPACITY, seed: 7 }, a));
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.ticks).toBe(TICKS);
  });

  it('gather: a world restored from a checkpoint mid-run goes on exactly as the original (no state outside the block)', () => {
    const a = run(11);
    const sim = newSim(11);
    const all = a.commands;
    for (let t = 0; t < 1500; t++) sim.step(all[t]!);
    const restored = newSim(11, sim);
    for (let t = 1500; t < TICKS; t++) {
      restored.step(all[t]!);
      expect(hashToHex(restored.lastHash), `tick ${t + 1}`).toBe(a.hashes[t]);
    }
  });
});
