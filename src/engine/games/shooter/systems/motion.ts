// Enemies fall at 140 px/s, lasers rise 10 px per tick. A laser leaves when off-screen
// (y outside [0, height]), an enemy when its bottom passes the bottom of the world.

import { query } from 'bitecs';
import { despawn } from '../../../world.js';
import { ENEMY_H, ENEMY_SPEED, LASER_STEP, Phase, type ShooterConfig } from '../schema.js';
import type { ShooterWorld } from '../world.js';

export const motionSystem = (cfg: ShooterConfig) => (w: ShooterWorld) => {
  if (w.g[w.G.phase] !== Phase.PLAYING) return;
  const { Position, Enemy, Laser } = w.c;
  const y = Position.y;
  const enemyStep = ENEMY_SPEED * w.dt;
  const enemies = query(w, [Enemy]);
  for (let i = 0; i < enemies.length; i++) {
    const e = enemies[i]!;
    const ny = y[e]! + enemyStep;
    y[e] = ny;
    if (ny + ENEMY_H > cfg.height) despawn(w, e);
  }
  const lasers = query(w, [Laser]);
  for (let i = 0; i < lasers.length; i++) {
    const e = lasers[i]!;
    const ny = y[e]! - LASER_STEP;
    y[e] = ny;
    if (ny < 0 || ny > cfg.height) despawn(w, e);
  }
};
