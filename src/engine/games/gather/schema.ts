// The gather game's field table and constants (seed 000, Cell9/Distributed-project-24).
//
// The original server keeps positions in px on a grid of 10: x in 0, 10, ..., 580 and
// y in 0, 10, ..., 380 (border_check allows x + 10 <= 580, random.randint is inclusive), so
// the board has 59 x 39 reachable positions, "cells" below. Its client draws every player and
// gatherable as a 20 x 20 square at that position in a 600 x 400 window. Collision is
// position equality, not box overlap.

import { defineSchema } from '../../schema.js';

export const gatherSchema = defineSchema({
  components: {
    // px, top-left corner, always a multiple of CELL: integers, exact on the wire
    Position: { x: { type: 'u16', networked: true }, y: { type: 'u16', networked: true } },
    Player: {
      points: { type: 'u8', networked: true },
      gamesWon: { type: 'u16', networked: true },
      // the last direction chosen (Direction); the original broadcast it as last_direction
      dir: { type: 'u8', networked: true },
    },
  },
  globals: {
    // the board, in cells, so that clients and bots need no options
    cols: { networked: true },
    rows: { networked: true },
    // the round being played, from 1; +1 each time someone reaches WIN_POINTS
    round: { networked: true },
  },
  archetypes: {
    player: ['Position', 'Player'],
    // a gatherable is only a position
    gatherable: ['Position'],
  },
});

export type GatherSpec = typeof gatherSchema.spec;

export const Button = { LEFT: 1, RIGHT: 2, UP: 4, DOWN: 8 } as const;
export const Direction = { NONE: 0, UP: 1, DOWN: 2, LEFT: 3, RIGHT: 4 } as const;

/** px between two neighbouring positions (the original's `increment`). */
export const CELL = 10;
/** The size the original client draws players and gatherables at. */
export const SQUARE = 20;
/** The original moves everyone 5 times a second: every 12 ticks at 60 Hz. */
export const STEP_TICKS = 12;
export const GATHERABLES = 3;
export const WIN_POINTS = 5;
/** 0..580 and 0..380 px: 59 x 39 cells. */
export const DEFAULT_COLS = 59;
export const DEFAULT_ROWS = 39;
export const MAX_SIDE = 1000;

export interface GatherConfig {
  readonly cols: number;
  readonly rows: number;
  readonly maxPlayers: number;
}
