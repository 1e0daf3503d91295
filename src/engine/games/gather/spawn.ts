import { spawn } from '../../world.js';
import type { Board } from './board.js';
import type { GatherWorld } from './world.js';

/** Place a gatherable on a random free cell; false when no cell is free or capacity refused it. */
export function spawnGatherable(w: GatherWorld, board: Board): boolean {
  const cell = board.randomFreeCell(w.rng);
  if (cell < 0) return false;
  const e = spawn(w, w.A.gatherable);
  if (e < 0) return false;
  w.c.Position.x[e] = board.xOf(cell);
  w.c.Position.y[e] = board.yOf(cell);
  board.putGatherable(cell, e);
  return true;
}
