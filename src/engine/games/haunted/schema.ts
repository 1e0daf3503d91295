// The haunted game's field table, constants and map (seed 001, "Haunted Chronicles"):
// hide-and-seek in a walled arena lit by a few lamps. Rules in docs/games/haunted.md.

import { defineSchema } from '../../schema.js';

/** Positions travel as u16 steps of 1/8 px over [0, 2047.875]: the whole arena. */
const POSITION_QUANT = { min: 0, max: 2047.875, step: 0.125 } as const;

export const hauntedSchema = defineSchema({
  components: {
    // px, top-left corner of the 20 x 20 box
    Position: {
      x: { type: 'f32', networked: true, quant: POSITION_QUANT },
      y: { type: 'f32', networked: true, quant: POSITION_QUANT },
    },
    Player: {
      team: { type: 'u8', networked: true }, // Team
      ready: { type: 'u8', networked: true }, // 1: ready in the lobby
      caught: { type: 'u8', networked: true }, // 1: a hider that was caught this round (out)
      buttons: { type: 'u8' }, // held buttons (the last input)
      prev: { type: 'u8' }, // buttons as of the end of the previous tick (fresh presses)
    },
  },
  globals: {
    width: { networked: true },
    height: { networked: true },
    phase: { networked: true }, // Phase
    countdown: { networked: true }, // ticks left of COUNTDOWN or END
    timeLeft: { networked: true }, // ticks left of the ROUND
    winner: { networked: true }, // Team that won the last round (0: none yet)
    round: { networked: true }, // rounds started so far
  },
  archetypes: {
    player: ['Position', 'Player'],
  },
});

export type HauntedSpec = typeof hauntedSchema.spec;

export const Button = { LEFT: 1, RIGHT: 2, UP: 4, DOWN: 8, SEEKER: 16, HIDER: 32, READY: 64 } as const;
export const Team = { NONE: 0, SEEKER: 1, HIDER: 2 } as const;
export const Phase = { LOBBY: 0, COUNTDOWN: 1, ROUND: 2, END: 3 } as const;

export const WIDTH = 1728;
export const HEIGHT = 972;
export const PLAYER_SIZE = 20;
/** px per tick, one axis at a time (4-way). */
export const SPEED = 3;
export const COUNTDOWN_TICKS = 300; // 5 s at 60 Hz
export const ROUND_TICKS = 12_000; // 200 s
export const END_TICKS = 300; // 5 s on the result, then the lobby
/** How far a player sees in the open (centre to centre, px). */
export const VIEW_RADIUS = 300;
/** Seekers start in the strip x < SEEKER_SPAWN_MAX_X, hiders right of HIDER_SPAWN_MIN_X. */
export const SEEKER_SPAWN_MAX_X = 240;
export const HIDER_SPAWN_MIN_X = 360;

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}
export interface Light {
  readonly x: number;
  readonly y: number;
  readonly r: number;
}

/** The fixed walls (px, top-left + size). The arena's edges also block movement. */
export const WALLS: readonly Rect[] = [
  { x: 300, y: 120, w: 24, h: 300 },
  { x: 300, y: 560, w: 24, h: 300 },
  { x: 520, y: 240, w: 320, h: 24 },
  { x: 520, y: 700, w: 320, h: 24 },
  { x: 820, y: 380, w: 24, h: 220 },
  { x: 1000, y: 100, w: 24, h: 260 },
  { x: 1000, y: 620, w: 24, h: 260 },
  { x: 1180, y: 470, w: 300, h: 24 },
  { x: 1400, y: 160, w: 24, h: 220 },
  { x: 1400, y: 620, w: 24, h: 220 },
  { x: 1560, y: 300, w: 120, h: 24 },
  { x: 1560, y: 660, w: 120, h: 24 },
];

/** The fixed lights (centre and radius, px). */
export const LIGHTS: readonly Light[] = [
  { x: 420, y: 480, r: 90 },
  { x: 700, y: 120, r: 90 },
  { x: 1120, y: 800, r: 100 },
  { x: 1300, y: 300, r: 90 },
  { x: 1640, y: 480, r: 80 },
];
