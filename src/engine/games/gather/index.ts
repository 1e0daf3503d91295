// The gather game of seed 000 as a lanparty game: authoritative, N players (default 16, up
// to 10,000) on a grid, each moving one cell every 12 ticks in the last direction it chose;
// three gatherables are always on the board; the first to 5 points wins the round. Rules in
// docs/games/gather.md.

import { query } from 'bitecs';
import { maxPlayersOption, type GameDef, type GameFactory, type GameOptions } from '../../game.js';
import { despawn, spawn } from '../../world.js';
import { Board } from './board.js';
import { gatherBot } from './bot.js';
import {
  Button,
  DEFAULT_COLS,
  DEFAULT_ROWS,
  Direction,
  GATHERABLES,
  MAX_SIDE,
  gatherSchema,
  type GatherConfig,
  type GatherSpec,
} from './schema.js';
import { spawnGatherable } from './spawn.js';
import { gatherSystem } from './systems/gather.js';
import { moveSystem } from './systems/move.js';

export * from './schema.js';
export type { GatherWorld } from './world.js';

export interface GatherOptions extends GameOptions {
  /** Board width in cells of 10 px (default 59: x = 0..580). */
  cols?: number;
  /** Board height in cells of 10 px (default 39: y = 0..380). */
  rows?: number;
}

export const GATHER_MAX_PLAYERS = 10_000;

export function createGather(options: GatherOptions = {}): GameDef<GatherSpec> {
  const maxPlayers = maxPlayersOption('gather', options, GATHER_MAX_PLAYERS);
  const cfg: GatherConfig = { cols: options.cols ?? DEFAULT_COLS, rows: options.rows ?? DEFAULT_ROWS, maxPlayers };
  for (const side of ['cols', 'rows'] as const) {
    const v = cfg[side];
    if (!Number.isInteger(v) || v < 2 || v > MAX_SIDE) {
      throw new RangeError(`gather: options.${side} must be an integer in [2, ${MAX_SIDE}]`);
    }
  }
  const board = new Board(cfg);

  return {
    name: 'gather',
    schema: gatherSchema,
    maxPlayers,
    inputBits: [
      { bit: Button.LEFT, meaning: 'go left (kept until another direction is chosen)' },
      { bit: Button.RIGHT, meaning: 'go right' },
      { bit: Button.UP, meaning: 'go up' },
      { bit: Button.DOWN, meaning: 'go down' },
    ],
    systems: [moveSystem(cfg), gatherSystem(board)],
    setup(w) {
      w.g[w.G.cols] = cfg.cols;
      w.g[w.G.rows] = cfg.rows;
      w.g[w.G.round] = 1;
      board.rebuild(w);
      for (let i = 0; i < GATHERABLES; i++) spawnGatherable(w, board);
      board.invalidate();
    },
    onJoin(w) {
      if (query(w, [w.c.Player]).length >= maxPlayers) return -1;
      board.sync(w);
      const cell = board.randomFreeCell(w.rng);
      if (cell < 0) return -1; // every cell taken: distinct spawn cells are a rule
      const e = spawn(w, w.A.player);
      if (e < 0) return -1;
      w.c.Position.x[e] = board.xOf(cell);
      w.c.Position.y[e] = board.yOf(cell);
      board.addPlayer(cell);
      return e;
    },
    onLeave(w, eid) {
      despawn(w, eid);
      board.invalidate();
    },
    onInput(w, eid, cmd) {
      const d = directionOf(cmd.buttons);
      if (d !== Direction.NONE) w.c.Player.dir[eid] = d;
    },
    bot: gatherBot,
  };
}

/** The original client's priority when several keys are down: up, down, left, right. */
function directionOf(buttons: number): number {
  if (buttons & Button.UP) return Direction.UP;
  if (buttons & Button.DOWN) return Direction.DOWN;
  if (buttons & Button.LEFT) return Direction.LEFT;
  if (buttons & Button.RIGHT) return Direction.RIGHT;
  return Direction.NONE;
}

export const gatherFactory: GameFactory = {
  name: 'gather',
  description: 'seed 000: walk the grid, take gatherables, first to 5 points wins the round',
  create: (o) => createGather(o as GatherOptions),
};
