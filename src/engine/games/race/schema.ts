// The car race's field table and constants (seed 004, "Car Dodge", CSE354 at Ain Shams).
//
// The original client: an 800 x 600 window, the road between x = 310 and x = 460, the
// player's car (49 x 100) at (360, 480) moved 50 px sideways per key press, and one enemy car
// (49 x 100) that only that client simulates, falling from y = -600 at 5 px per frame.
// Boxes are anchored at their top-left corner (pygame's blit). All coordinates are whole px,
// so positions are integers here too: exact on the wire, no quantization needed.
//
// Each racer's row carries its own enemy car (EnemyCar): an enemy belongs to exactly one
// player, is born and dies with it, and so needs no entity, id or link of its own.

import { defineSchema } from '../../schema.js';

export const raceSchema = defineSchema({
  components: {
    // the player's car
    Position: { x: { type: 'i16', networked: true }, y: { type: 'i16', networked: true } },
    // the player's own enemy car
    EnemyCar: {
      x: { type: 'i16', networked: true },
      y: { type: 'i16', networked: true },
      speed: { type: 'u8', networked: true }, // px per tick
    },
    Racer: {
      points: { type: 'u16', networked: true },
      wins: { type: 'u16', networked: true },
      won: { type: 'u8', networked: true }, // won the race that just ended (cleared at the next start)
      crashed: { type: 'u8', networked: true }, // ticks left of the pause after a crash, 0 = driving
      buttons: { type: 'u8' },
      prevButtons: { type: 'u8' },
    },
  },
  globals: {
    phase: { networked: true },
    raceNo: { networked: true },
    pause: { networked: true }, // ticks left before the next race, while OVER
  },
  archetypes: {
    racer: ['Position', 'EnemyCar', 'Racer'],
  },
});

export type RaceSpec = typeof raceSchema.spec;

export const Phase = { RACING: 1, OVER: 2 } as const;
export const Button = { LEFT: 1, RIGHT: 2 } as const;

export const VIEW_W = 800;
export const VIEW_H = 600;
export const ROAD_LEFT = 310;
export const ROAD_RIGHT = 460;
export const CAR_W = 49;
export const CAR_H = 100;
export const START_X = 360;
export const START_Y = 480;
export const STEER_PX = 50;

export const ENEMY_START_Y = -600;
export const ENEMY_RESPAWN_Y = -100; // 0 - enemy height
export const ENEMY_X_MIN = 310; // random.randrange(310, 450): [310, 450)
export const ENEMY_X_MAX = 450;
export const ENEMY_START_SPEED = 5;
export const SPEEDUP_EVERY = 100;

export const WIN_POINTS = 1000;
/** The original froze for sleep(1) on a crash and sleep(3) on a win. */
export const CRASH_PAUSE_TICKS = 60;
export const RACE_PAUSE_TICKS = 180;

export interface RaceConfig {
  readonly maxPlayers: number;
}
