// The shooter's field table and constants. Boxes are the sizes of the images the original
// seed 003 client draws (its server tests pixel masks; we test these boxes, anchored at the
// top-left corner like pygame's blit):
//
//   player  100 x 90      enemy red/green 70 x 50, blue 50 x 50      laser 100 x 90
//
// Positions are px in a 750 x 750 world (configurable for large sessions), y grows down.
//
// Drones (the `drones` option, for load tests and large sessions) are non-player entities
// that drift and bounce off the world's edges; nothing shoots or touches them.

import { defineSchema } from '../../schema.js';

/**
 * Positions travel as u16 steps of 1/2 px over [-16384, 16383.5]: error <= 0.25 px, below
 * what any client draws. Enemies wait above the world down to y = -2 * height, so worlds
 * up to 8,000 px high are covered; the clamp only touches worlds larger than that.
 */
export const POSITION_QUANT = { min: -16384, max: 16383.5, step: 0.5 } as const;

/** The largest world whose positions all fit POSITION_QUANT (x up to the width, y from -2 height). */
export const MAX_WORLD = { width: 16_000, height: 8_000 } as const;

export const shooterSchema = defineSchema({
  components: {
    Position: {
      x: { type: 'f32', networked: true, quant: POSITION_QUANT },
      y: { type: 'f32', networked: true, quant: POSITION_QUANT },
    },
    Player: {
      slot: { type: 'u16', networked: true },
      health: { type: 'i16', networked: true },
      score: { type: 'u32', networked: true },
      ready: { type: 'u8', networked: true },
      lost: { type: 'u8', networked: true },
      won: { type: 'u8', networked: true },
      cooldown: { type: 'u8' },
      buttons: { type: 'u8' },
      prevButtons: { type: 'u8' },
    },
    Enemy: { color: { type: 'u8', networked: true } },
    Drift: { vx: { type: 'f32' }, vy: { type: 'f32' } }, // px per tick
    Laser: {
      slot: { type: 'u16', networked: true }, // shooter's slot, for per-player laser lists
      shooter: { type: 'u32' },
      shooterGen: { type: 'u16' },
    },
  },
  globals: {
    phase: { networked: true },
    level: { networked: true },
    matchNo: { networked: true },
  },
  archetypes: {
    player: ['Position', 'Player'],
    enemy: ['Position', 'Enemy'],
    laser: ['Position', 'Laser'],
    drone: ['Position', 'Drift'],
  },
});

export type ShooterSpec = typeof shooterSchema.spec;

export const Phase = { LOBBY: 0, PLAYING: 1, OVER: 2 } as const;
export const Color = { RED: 0, GREEN: 1, BLUE: 2 } as const;
export const colorNames = ['red', 'green', 'blue'] as const;

// READY readies up without firing (the seed 003 client sends "ready" apart from its keys)
export const Button = { LEFT: 1, RIGHT: 2, UP: 4, DOWN: 8, FIRE: 16, READY: 32 } as const;

export const PLAYER_W = 100;
export const PLAYER_H = 90;
export const LASER_W = 100;
export const LASER_H = 90;
export const ENEMY_W = [70, 70, 50] as const; // by color
export const ENEMY_H = 50;
export const MAX_ENEMY_W = 70;

export const PLAYER_SPEED = 200; // px/s
export const ENEMY_SPEED = 140; // px/s
export const DRONE_MAX_SPEED = 140; // px/s, each axis
export const DRONE_SIZE = 20;
export const LASER_STEP = 10; // px per tick, upward
export const COOLDOWN_TICKS = 20;
export const START_HEALTH = 100;
export const HIT_DAMAGE = 10;
export const FIRST_WAVE = 20;
export const WAVE_GROWTH = 10;
export const SPAWN_SLOT1 = { x: 220, y: 630 };
export const SPAWN_SLOT2 = { x: 400, y: 630 };

export interface ShooterConfig {
  readonly width: number;
  readonly height: number;
  readonly maxPlayers: number;
  /** Drones spawned at setup (0: none). */
  readonly drones: number;
}
