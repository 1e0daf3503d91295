// Enemies fall at 140 px/s, lasers rise 10 px per tick. A laser leaves when off-screen
// (y outside [0, height]), an enemy when its bottom passes the bottom of the world.
//
// One pass over the rows in id order rather than two bitecs queries: after a while of
// spawning and despawning, query order is scattered across memory, and at 100k entities
// the cache misses cost more than the arithmetic. Rows in order read memory sequentially.

import { despawn } from '../../../world.js';
import { ENEMY_H, ENEMY_SPEED, LASER_STEP, Phase, type ShooterConfig } from '../schema.js';
import type { ShooterWorld } from '../world.js';

export const motionSystem = (cfg: ShooterConfig) => (w: ShooterWorld) => {
  if (w.g[w.G.phase] !== Phase.PLAYING) return;
  const y = w.c.Position.y;
  const arch = w.c.Entity.archetype;
  const ENEMY = w.A.enemy + 1;
  const LASER = w.A.laser + 1;
  const enemyStep = ENEMY_SPEED * w.dt;
  const maxEid = w.g[w.G.maxEid]!;
  for (let e = 1; e <= maxEid; e++) {
    const a = arch[e];
    if (a === ENEMY) {
      const ny = y[e]! + enemyStep;
      y[e] = ny;
      if (ny + ENEMY_H > cfg.height) despawn(w, e);
    } else if (a === LASER) {
      const ny = y[e]! - LASER_STEP;
      y[e] = ny;
      if (ny < 0 || ny > cfg.height) despawn(w, e);
    }
  }
};
