// Every STEP_TICKS ticks (ticks 0, 12, 24, ... of the world: one clock for everyone, as the
// original's single 5 Hz loop), each player moves one cell in the last direction it chose,
// unless that would leave the board (then it stays, as border_check does). Players do not
// block each other. Each move depends only on its own row, so the order does not matter.

import { CELL, Direction, STEP_TICKS, type GatherConfig } from '../schema.js';
import type { GatherWorld } from '../world.js';

export const isStepTick = (w: GatherWorld): boolean => w.g[w.G.tick]! % STEP_TICKS === 0;

export const moveSystem = (cfg: GatherConfig) => {
  const maxX = (cfg.cols - 1) * CELL;
  const maxY = (cfg.rows - 1) * CELL;
  return (w: GatherWorld) => {
    if (!isStepTick(w)) return;
    const arch = w.c.Entity.archetype;
    const { x, y } = w.c.Position;
    const dir = w.c.Player.dir;
    const PLAYER = w.A.player + 1;
    const maxEid = w.g[w.G.maxEid]!;
    for (let e = 1; e <= maxEid; e++) {
      if (arch[e] !== PLAYER) continue;
      switch (dir[e]) {
        case Direction.UP:
          if (y[e]! - CELL >= 0) y[e] = y[e]! - CELL;
          break;
        case Direction.DOWN:
          if (y[e]! + CELL <= maxY) y[e] = y[e]! + CELL;
          break;
        case Direction.LEFT:
          if (x[e]! - CELL >= 0) x[e] = x[e]! - CELL;
          break;
        case Direction.RIGHT:
          if (x[e]! + CELL <= maxX) x[e] = x[e]! + CELL;
          break;
      }
    }
  };
};
