// The squares sandbox's rules, driven through the real Simulation (input rules, join/leave,
// systems in order) with scripted commands.

import { describe, expect, it } from 'vitest';
import '../../../src/engine/games/index.js';
import {
  Button,
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  PALETTE,
  SQUARE_SIZE,
  SQUARE_SPEED,
  createSquares,
  squaresSchema,
  type SquaresOptions,
  type SquaresSpec,
} from '../../../src/engine/games/squares/index.js';
import { hashToHex } from '../../../src/engine/hash.js';
import { Cmd, type Command } from '../../../src/engine/input-queue.js';
import { verifyRecording } from '../../../src/engine/recording.js';
import type { Simulation } from '../../../src/engine/simulation.js';
import { viewOf } from '../../../src/engine/snapshot-view.js';
import { ClientScript, GameHarness, type HarnessOptions, recordingText, simulationOf } from '../../helpers/game-harness.js';

const W = DEFAULT_WIDTH; // 640
const H = DEFAULT_HEIGHT; // 480

class SquaresHarness extends GameHarness<SquaresSpec> {
  constructor(options: HarnessOptions<SquaresOptions> = {}) {
    const capacity = options.capacity ?? 256;
    super(createSquares({ capacity, ...options.game }), capacity, options.seed ?? 2);
  }

  /** A join; ax / ay carry whatever a client might try to smuggle in. */
  override join(client: number, ax = 0, ay = 0): this {
    return this.joinWith(client, ax, ay);
  }

  square(client: number) {
    const e = this.eid(client);
    return { x: this.w.c.Position.x[e]!, y: this.w.c.Position.y[e]!, size: this.w.c.Square.size[e]!, color: this.w.c.Square.color[e]! };
  }

  place(client: number, x: number, y: number): this {
    const e = this.eid(client);
    this.w.c.Position.x[e] = x;
    this.w.c.Position.y[e] = y;
    return this;
  }

  squares(): number[] {
    const out: number[] = [];
    for (let e = 1; e <= this.sim.maxEid; e++) if (this.w.c.Entity.archetype[e] !== 0) out.push(e);
    return out;
  }
}

describe('squares game', () => {
  it('squares: every player gets a unique id (its entity id), a 50 x 50 square on the map and a palette colour', () => {
    const h = new SquaresHarness({ game: { maxPlayers: 100 } });
    for (let c = 1; c <= 100; c++) h.join(c);
    h.step();
    const ids = Array.from({ length: 100 }, (_, i) => h.eid(i + 1));
    expect(new Set(ids).size).toBe(100);
    const spots = new Set<string>();
    for (let c = 1; c <= 100; c++) {
      const s = h.square(c);
      expect(h.w.c.Entity.owner[h.eid(c)]).toBe(c);
      expect(s.size).toBe(SQUARE_SIZE);
      expect(PALETTE).toContain(s.color);
      expect(Number.isInteger(s.x) && Number.isInteger(s.y)).toBe(true);
      expect(s.x >= 0 && s.x + s.size <= W && s.y >= 0 && s.y + s.size <= H).toBe(true);
      spots.add(`${s.x},${s.y}`);
    }
    expect(spots.size).toBeGreaterThan(95); // spread over the map, not stacked
    expect(new Set(ids.map((e) => h.w.c.Square.color[e])).size).toBeGreaterThan(4);
    expect([h.w.g[h.w.G.width], h.w.g[h.w.G.height]]).toEqual([W, H]);
  });

  it('squares: the host decides where a square starts: the same seed and joins give the same places, whatever the join carries', () => {
    const a = new SquaresHarness({ seed: 77 });
    const b = new SquaresHarness({ seed: 77 });
    for (const c of [1, 2, 3]) a.join(c);
    for (const c of [1, 2, 3]) b.join(c, 5000, -5000); // a client asking for a place: not read
    a.step();
    b.step();
    for (const c of [1, 2, 3]) expect(b.square(c)).toEqual(a.square(c));
    const other = new SquaresHarness({ seed: 78 }).join(1).step();
    expect(other.square(1)).not.toEqual(a.square(1));
  });

  it('squares: a square moves 3 px per tick per axis, diagonals included; UP wins over DOWN, RIGHT over LEFT', () => {
    const h = new SquaresHarness().join(1).step();
    h.place(1, 300, 200);
    h.press(1, Button.RIGHT).step(10);
    expect([h.square(1).x, h.square(1).y]).toEqual([300 + 10 * SQUARE_SPEED, 200]);
    h.press(1, Button.UP | Button.LEFT).step(5);
    expect([h.square(1).x, h.square(1).y]).toEqual([315, 185]);
    h.press(1, Button.UP | Button.DOWN).step(); // the original's if/elif: W first
    expect(h.square(1).y).toBe(182);
    h.press(1, Button.LEFT | Button.RIGHT).step(); // D first
    expect(h.square(1).x).toBe(318);
    h.press(1, Button.DOWN).step(2);
    expect(h.square(1).y).toBe(188);
    h.press(1, 0).step(10);
    expect([h.square(1).x, h.square(1).y]).toEqual([318, 188]);
  });

  it('squares: a square stays wholly on the map', () => {
    const h = new SquaresHarness().join(1).step();
    h.press(1, Button.LEFT | Button.UP).step(400);
    expect([h.square(1).x, h.square(1).y]).toEqual([0, 0]);
    h.press(1, Button.RIGHT | Button.DOWN).step(400);
    expect([h.square(1).x, h.square(1).y]).toEqual([W - SQUARE_SIZE, H - SQUARE_SIZE]);
  });

  it("squares: a client's input cannot set its size or position: only four button bits are read", () => {
    const h = new SquaresHarness().join(1).join(2).step();
    h.place(1, 100, 100);
    const before2 = h.square(2);
    // everything a client can put in an input: all 32 button bits, and the two axes
    h.press(1, 0xffffffff | 0, 1000, 1000).step();
    expect(h.square(1)).toMatchObject({ x: 103, y: 97, size: SQUARE_SIZE }); // UP + RIGHT, one step
    expect(h.w.c.Square.buttons[h.eid(1)]).toBe(Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT);
    h.press(1, 0, -1, 1 << 30).step(5);
    expect(h.square(1)).toMatchObject({ x: 103, y: 97, size: SQUARE_SIZE });
    expect(h.square(2)).toEqual(before2); // nor anyone else's
    // the input format the game declares: four direction bits, nothing else
    expect(h.sim.game.inputBits.map((b) => b.bit)).toEqual([1, 2, 4, 8]);
  });

  it('squares: a player is removed when they leave, and their id is free for a later player (as a new generation)', () => {
    const h = new SquaresHarness().join(1).join(2).step();
    const e1 = h.eid(1);
    const gen = h.w.c.Entity.gen[e1]!;
    h.leave(1).step();
    expect(h.sim.entityOf(1)).toBe(-1);
    expect(h.w.c.Entity.archetype[e1]).toBe(0);
    expect(h.w.c.Position.x[e1]).toBe(0);
    expect(h.squares()).toEqual([h.eid(2)]);
    h.join(3).step();
    const e3 = h.eid(3);
    expect(e3 === e1 ? h.w.c.Entity.gen[e3] !== gen : true).toBe(true);
    expect(h.squares()).toHaveLength(2);
  });

  it('squares: joins past maxPlayers or capacity are refused and counted', () => {
    const h = new SquaresHarness({ game: { maxPlayers: 2 } }).join(1).join(2).join(3).step();
    expect(h.sim.entityOf(3)).toBe(-1);
    expect(h.w.counters.drops['join.refused']).toBe(1);
    const full = new SquaresHarness({ capacity: 2 }).join(1).join(2).join(3).step();
    expect(full.sim.entityOf(3)).toBe(-1);
    expect(full.w.counters.spawnRefused).toBe(1);
  });

  it('squares: positions travel quantized as u16 steps of 1/8 px, size and colour as they are', () => {
    const byKey = new Map(squaresSchema.fields.map((f) => [f.key, f]));
    for (const k of ['Position.x', 'Position.y']) {
      const f = byKey.get(k)!;
      expect([f.networked, f.wire, f.quant?.step]).toEqual([true, 'u16', 0.125]);
      expect(f.quant!.max).toBeGreaterThanOrEqual(8000);
    }
    expect([byKey.get('Square.size')!.networked, byKey.get('Square.color')!.networked]).toEqual([true, true]);
    expect(byKey.get('Square.buttons')!.networked).toBe(false);
  });

  it('squares: createSquares rejects bad options with a RangeError naming the option', () => {
    for (const maxPlayers of [0, 2.5, 10_001]) expect(() => createSquares({ maxPlayers })).toThrow(/maxPlayers/);
    expect(() => createSquares({ width: 99 })).toThrow(/options\.width/);
    expect(() => createSquares({ height: 8001 })).toThrow(/options\.height/);
  });

  it('squares: the bot wanders over the map and stays on it', () => {
    const h = new SquaresHarness({ seed: 9 }).join(1).join(2).step();
    const seen = new Set<string>();
    for (let t = 0; t < 3000; t++) {
      const view = viewOf(h.sim.game.schema, h.w.block, h.sim.tick, h.sim.maxEid);
      for (const c of [1, 2]) h.press(c, h.sim.game.bot(view, h.eid(c)));
      h.step();
      const s = h.square(1);
      expect(s.x >= 0 && s.x + s.size <= W && s.y >= 0 && s.y + s.size <= H).toBe(true);
      seen.add(`${Math.floor(s.x / 64)},${Math.floor(s.y / 48)}`);
    }
    expect(seen.size).toBeGreaterThan(25); // of the 100 tenths of the map
  });
});

// ---- determinism ---------------------------------------------------------------------------

const TICKS = 3000;
const CAPACITY = 64;

/** Joins, a late join, a leave, and random button states (its own LCG). */
function* script(): Generator<Command[]> {
  let s = 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const clients = new ClientScript();
  const present = new Set<number>();
  for (let t = 0; t < TICKS; t++) {
    const out: Command[] = [];
    const member = (type: 2 | 3, client: number) => out.push(clients.command(type, client));
    if (t === 0) for (const c of [1, 2, 3, 4]) member(Cmd.JOIN, c), present.add(c);
    if (t === 900) member(Cmd.JOIN, 5), present.add(5);
    if (t === 1800 && present.delete(2)) member(Cmd.LEAVE, 2);
    for (const c of present) {
      if (rnd() < 0.2) out.push(clients.input(c, Math.floor(rnd() * 16)));
    }
    yield out;
  }
}

function newSim(seed: number, restoreFrom?: Simulation<SquaresSpec>) {
  return simulationOf(createSquares({ capacity: CAPACITY }), CAPACITY, seed, restoreFrom);
}

function run(seed: number): { hashes: string[]; commands: Command[][] } {
  const sim = newSim(seed);
  const hashes: string[] = [];
  const commands: Command[][] = [];
  for (const cmds of script()) {
    sim.step(cmds);
    commands.push(cmds);
    hashes.push(hashToHex(sim.lastHash));
  }
  return { hashes, commands };
}

describe('squares determinism', () => {
  it('squares: the same seed and commands give the same hash at every one of 3,000 ticks; another seed does not', () => {
    const a = run(42);
    const b = run(42);
    const c = run(43);
    expect(b.hashes).toEqual(a.hashes);
    expect(new Set(a.hashes).size).toBe(TICKS);
    expect(c.hashes.filter((h, i) => h !== a.hashes[i]).length).toBe(TICKS);
  });

  it('squares: a recording of 3,000 ticks replays through the engine to the identical hashes', () => {
    const a = run(7);
    const r = verifyRecording(recordingText({ game: 'squares', capacity: CAPACITY, seed: 7 }, a));
    expect(r.error).toBeUndefined();
    expect([r.ok, r.ticks]).toEqual([true, TICKS]);
  });

  it('squares: a world restored from a checkpoint mid-run goes on exactly as the original', () => {
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
