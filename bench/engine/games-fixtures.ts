// The fixtures of the games-tick suite: one Simulation per game at N entities, every player
// joined (clients 1..players), with the commands of each next tick built by `next()` (meant to
// run untimed, between ticks). Every player sends an input every tick (the worst case for the
// input path).
//
// - gather: players = N - 3 (plus the 3 gatherables). Players start on distinct cells, so
//   the board must have more cells than players: the original 59 x 39 board (2,301 cells)
//   holds 1k; for 10k the board grows to keep the same occupancy (43%): cols x rows =
//   round(59 f) x round(39 f), f = sqrt(N / 1000). Each player turns to a new direction
//   every 60 ticks (staggered). Moves happen on one tick in 12.
// - squares: N players on the original 640 x 480 map (squares may overlap), each holding a
//   random heading for 90 ticks (staggered).
// - race: N racers driven by the game's own bot (it reads only its own row, so deciding is
//   O(1) per racer); one in 50 taps random keys instead and crashes now and then. Upkeep in
//   `next()` takes 900 points off anyone past 990, so nobody wins and the race stays on.

import type { GameDef } from '../../src/engine/game.js';
import { Button as GatherButton, createGather, GATHERABLES, STEP_TICKS } from '../../src/engine/games/gather/index.js';
import { createRace, Phase as RacePhase } from '../../src/engine/games/race/index.js';
import { createSquares } from '../../src/engine/games/squares/index.js';
import { Cmd, type Command } from '../../src/engine/input-queue.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import { nextInt, seedRng } from '../../src/engine/prng.js';
import type { SchemaSpec } from '../../src/engine/schema.js';
import { Simulation } from '../../src/engine/simulation.js';
import { viewOf } from '../../src/engine/snapshot-view.js';

export const GAMES = ['gather', 'squares', 'race'] as const;
export type GameName = (typeof GAMES)[number];

export interface GamesFixture {
  // any game's simulation (Simulation<GatherSpec> is not a Simulation<SchemaSpec>: its
  // systems take the narrower world), as GameFactory.create returns GameDef<any>
  readonly sim: Simulation<any>;
  readonly players: number;
  readonly board: string;
  /** Untimed, before each tick: game-specific upkeep, then that tick's commands. */
  next(): Command[];
  /** Whether the coming tick runs the game's main work. */
  heavy(tick: number): boolean;
  /** Throws when the run did not exercise the game as intended. */
  check(): void;
}


/** The fixture of `game` at N entities (capacity 1.1 N), as games-tick.bench.ts times it. */
export function gamesFixture(game: GameName, n: number): GamesFixture {
  const capacity = Math.round(n * 1.1);
  switch (game) {
    case 'gather':
      return gatherFixture(n, capacity);
    case 'squares':
      return squaresFixture(n, capacity);
    case 'race':
      return raceFixture(n, capacity);
  }
}

/** A Simulation of `game` with `players` clients joined (clients 1..players) in one tick. */
function start<S extends SchemaSpec>(game: GameDef<S>, players: number, capacity: number) {
  const block: StateBlock = blockViews(game.schema, capacity, new SharedArrayBuffer(blockBytes(game.schema, capacity)), 0);
  const sim = new Simulation(game, block, { capacity, seed: 1 });
  const clients = Array.from({ length: players }, (_, i) => i + 1);
  sim.step(clients.map((client): Command => ({ type: Cmd.JOIN, client, seq: 0, buttons: 0, ax: 0, ay: 0 })));
  const eids = clients.map((c) => sim.entityOf(c));
  if (eids.some((e) => e < 0)) throw new Error(`${game.name}: a join was refused`);
  let seq = 0;
  /** One input per client, buttons chosen per client index. */
  const inputs = (buttons: (i: number, eid: number) => number): Command[] => {
    seq++;
    return clients.map((client, i): Command => ({ type: Cmd.INPUT, client, seq, buttons: buttons(i, eids[i]!), ax: 0, ay: 0 }));
  };
  return { sim, eids, inputs };
}

function gatherFixture(n: number, capacity: number): GamesFixture {
  const players = n - GATHERABLES;
  const f = Math.max(1, Math.sqrt(n / 1000));
  const cols = Math.round(59 * f);
  const rows = Math.round(39 * f);
  const { sim, eids, inputs } = start(createGather({ maxPlayers: players, cols, rows, capacity }), players, capacity);
  const dirs = [GatherButton.RIGHT, GatherButton.DOWN, GatherButton.LEFT, GatherButton.UP];
  const w = sim.world;
  return {
    sim,
    players,
    board: `${cols} x ${rows} cells`,
    next: () => inputs((i) => dirs[(Math.floor((sim.tick + i * 7) / 60) + i) % 4]!),
    heavy: (tick) => tick % STEP_TICKS === 0,
    check() {
      let points = 0;
      for (const e of eids) points += w.c.Player.points[e]!;
      let gatherables = 0;
      for (let e = 1; e <= sim.maxEid; e++) if (w.c.Entity.archetype[e] === w.A.gatherable + 1) gatherables++;
      if (gatherables !== GATHERABLES) throw new Error(`gather ${n}: ${gatherables} gatherables`);
      if (points === 0 && w.g[w.G.round] === 1) throw new Error(`gather ${n}: nobody ever gathered`);
    },
  };
}

function squaresFixture(n: number, capacity: number): GamesFixture {
  const { sim, eids, inputs } = start(createSquares({ maxPlayers: n, capacity }), n, capacity);
  const w = sim.world;
  const x0 = eids.map((e) => w.c.Position.x[e]!);
  return {
    sim,
    players: n,
    board: '640 x 480 px',
    next: () => inputs((i) => (Math.imul(i + 1, 0x9e3779b1) ^ Math.floor((sim.tick + i * 13) / 90)) & 0x0f),
    heavy: () => true,
    check() {
      if (eids.every((e, i) => w.c.Position.x[e] === x0[i])) throw new Error(`squares ${n}: nothing moved`);
    },
  };
}

function raceFixture(n: number, capacity: number): GamesFixture {
  const game = createRace({ maxPlayers: n, capacity });
  const { sim, eids, inputs } = start(game, n, capacity);
  const w = sim.world;
  const rng = seedRng(4);
  let crashes = 0;
  return {
    sim,
    players: n,
    board: '800 x 600 px',
    next() {
      for (const e of eids) {
        if (w.c.Racer.points[e]! > 990) w.c.Racer.points[e] = w.c.Racer.points[e]! - 900;
        if (w.c.Racer.crashed[e] === 1) crashes++;
      }
      const view = viewOf(game.schema, w.block, sim.tick, sim.maxEid);
      return inputs((i, e) => (i % 50 === 0 ? (nextInt(rng, 0, 8) < 1 ? nextInt(rng, 1, 3) : 0) : game.bot(view, e)));
    },
    heavy: () => true,
    check() {
      if (w.g[w.G.phase] !== RacePhase.RACING) throw new Error(`race ${n}: the race ended`);
      let points = 0;
      for (const e of eids) points += w.c.Racer.points[e]!;
      if (points === 0) throw new Error(`race ${n}: nobody scored`);
      if (crashes === 0) throw new Error(`race ${n}: nobody crashed (the random tappers should)`);
    },
  };
}
