// The squares sandbox's field table and constants (seed 002, CamronW/PyGameNetworking).
//
// The original client draws a 640 x 480 window; each player is a 50 x 50 square anchored at
// its top-left corner, moving 3 px per frame at 60 fps in eight directions. There the client
// owned its square (position, size, id) and the server only relayed pickled objects; here the
// host owns all of it and the client only sends buttons.

import { defineSchema } from '../../schema.js';

/** Positions travel as u16 steps of 1/8 px over [0, 8191.875]: the whole range maps allow. */
const POSITION_QUANT = { min: 0, max: 8191.875, step: 0.125 } as const;

export const squaresSchema = defineSchema({
  components: {
    Position: {
      x: { type: 'f32', networked: true, quant: POSITION_QUANT },
      y: { type: 'f32', networked: true, quant: POSITION_QUANT },
    },
    Square: {
      size: { type: 'u16', networked: true },
      color: { type: 'u32', networked: true }, // 0xRRGGBB
      buttons: { type: 'u8' },
    },
  },
  globals: {
    // the map, so that clients and bots need no options
    width: { networked: true },
    height: { networked: true },
  },
  archetypes: {
    square: ['Position', 'Square'],
  },
});

export type SquaresSpec = typeof squaresSchema.spec;

export const Button = { LEFT: 1, RIGHT: 2, UP: 4, DOWN: 8 } as const;

export const SQUARE_SIZE = 50;
/** px per tick on each axis (the original's velocity 3 at 60 fps; diagonals are not normalised). */
export const SQUARE_SPEED = 3;
export const DEFAULT_WIDTH = 640;
export const DEFAULT_HEIGHT = 480;
/** Largest map side: positions must stay inside POSITION_QUANT. */
export const MAX_SIDE = 8000;

/** Colours the host hands out (the original drew yourself cyan and everyone else red). */
export const PALETTE = [
  0x00ffff, 0xff0000, 0x00c000, 0xffd700, 0xff00ff, 0x1e90ff, 0xff8c00, 0xffffff,
] as const;

export interface SquaresConfig {
  readonly width: number;
  readonly height: number;
  readonly maxPlayers: number;
}
