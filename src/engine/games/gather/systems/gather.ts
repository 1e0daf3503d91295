// On every step tick, after the moves: players standing on a gatherable take it, in id order
// (two players arriving on one gatherable together: the lower id takes it). Taking one gives
// a point and puts a new gatherable at once on a random free cell (no player, no gatherable),
// so GATHERABLES are always on the board. The first to WIN_POINTS wins the round: gamesWon + 1
// for them and everyone's points back to 0 (gatherables and positions stay). Then, should the
// board hold fewer than GATHERABLES (a spawn refused at capacity), it is topped up.
//
// Players are compared with the few gatherables directly; the free-cell board (O(cells) to
// build) is only built on a step where a gatherable has to be placed.

import { despawn } from '../../../world.js';
import type { Board } from '../board.js';
import { GATHERABLES, WIN_POINTS } from '../schema.js';
import { spawnGatherable } from '../spawn.js';
import type { GatherWorld } from '../world.js';
import { isStepTick } from './move.js';

export const gatherSystem = (board: Board) => {
  let onBoard: Int32Array = new Int32Array(GATHERABLES); // eids of the gatherables present at the start of the step
  return (w: GatherWorld) => {
    if (!isStepTick(w)) return;
    board.invalidate(); // everyone just moved
    const arch = w.c.Entity.archetype;
    const { x, y } = w.c.Position;
    const points = w.c.Player.points;
    const PLAYER = w.A.player + 1;
    const GATHERABLE = w.A.gatherable + 1;
    const maxEid = w.g[w.G.maxEid]!; // gatherables spawned below are past it or not players
    let n = 0;
    for (let e = 1; e <= maxEid; e++) {
      if (arch[e] !== GATHERABLE) continue;
      if (n === onBoard.length) onBoard = grow(onBoard);
      onBoard[n++] = e;
    }
    let present = n;
    for (let e = 1; e <= maxEid && n > 0; e++) {
      if (arch[e] !== PLAYER) continue;
      const i = indexAt(onBoard, n, x, y, x[e]!, y[e]!);
      if (i < 0) continue;
      const g = onBoard[i]!;
      onBoard[i] = onBoard[--n]!;
      if (board.isValidFor(w)) board.takeGatherable(board.cellAt(x[g]!, y[g]!));
      despawn(w, g);
      present--;
      points[e] = points[e]! + 1;
      if (points[e]! >= WIN_POINTS) winRound(w, e);
      if (spawnGatherable(w, board.sync(w))) present++;
    }
    while (present < GATHERABLES && spawnGatherable(w, board.sync(w))) present++;
  };
};

/** Index in list[0..n) of the gatherable at (px, py), or -1. */
function indexAt(list: Int32Array, n: number, x: ArrayLike<number>, y: ArrayLike<number>, px: number, py: number): number {
  for (let i = 0; i < n; i++) {
    const g = list[i]!;
    if (x[g] === px && y[g] === py) return i;
  }
  return -1;
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function winRound(w: GatherWorld, winner: number): void {
  const maxEid = w.g[w.G.maxEid]!;
  const arch = w.c.Entity.archetype;
  const { points, gamesWon } = w.c.Player;
  const PLAYER = w.A.player + 1;
  gamesWon[winner] = gamesWon[winner]! + 1;
  for (let e = 1; e <= maxEid; e++) if (arch[e] === PLAYER) points[e] = 0;
  w.g[w.G.round] = w.g[w.G.round]! + 1;
}
