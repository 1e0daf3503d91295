import { nextInt } from '../../prng.js';
import {
  ENEMY_RESPAWN_Y,
  ENEMY_START_SPEED,
  ENEMY_START_Y,
  ENEMY_X_MAX,
  ENEMY_X_MIN,
  START_X,
  START_Y,
} from './schema.js';
import type { RaceWorld } from './world.js';

/** A fresh start: 0 points, the car at the start, a new enemy high above at the first speed. */
export function freshStart(w: RaceWorld, e: number): void {
  w.c.Racer.points[e] = 0;
  w.c.Position.x[e] = START_X;
  w.c.Position.y[e] = START_Y;
  w.c.EnemyCar.x[e] = nextInt(w.rng, ENEMY_X_MIN, ENEMY_X_MAX);
  w.c.EnemyCar.y[e] = ENEMY_START_Y;
  w.c.EnemyCar.speed[e] = ENEMY_START_SPEED;
}

/** The enemy left the screen: back above it at a new x, same speed. */
export function respawnEnemy(w: RaceWorld, e: number): void {
  w.c.EnemyCar.x[e] = nextInt(w.rng, ENEMY_X_MIN, ENEMY_X_MAX);
  w.c.EnemyCar.y[e] = ENEMY_RESPAWN_Y;
}
