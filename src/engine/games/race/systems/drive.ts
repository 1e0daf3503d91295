// One tick of each racer, in id order (the PRNG is drawn in that order), as the original's
// frame: the enemy falls by its speed and, once below the screen (y > 600), comes back at
// y = -100 and a random x in [310, 450); the racer scores 1; every 100 points its enemy gets
// 1 px per tick faster. Then the crash checks: the car off the road (x < 310 or x > 460) or
// its box overlapping its enemy's (positive area; shared edges do not count). A crash is a
// fresh start (0 points, the car back at 360, a new enemy at y = -600 and speed 5) followed by
// CRASH_PAUSE_TICKS ticks in which that racer neither moves nor scores.

import { CAR_H, CAR_W, CRASH_PAUSE_TICKS, Phase, ROAD_LEFT, ROAD_RIGHT, SPEEDUP_EVERY, VIEW_H } from '../schema.js';
import { freshStart, respawnEnemy } from '../start.js';
import type { RaceWorld } from '../world.js';

export const driveSystem = () => (w: RaceWorld) => {
  if (w.g[w.G.phase] !== Phase.RACING) return;
  const arch = w.c.Entity.archetype;
  const { Racer, Position, EnemyCar } = w.c;
  const RACER = w.A.racer + 1;
  const maxEid = w.g[w.G.maxEid]!;
  for (let e = 1; e <= maxEid; e++) {
    if (arch[e] !== RACER) continue;
    const pause = Racer.crashed[e]!;
    if (pause > 0) {
      Racer.crashed[e] = pause - 1;
      continue;
    }
    const ey = EnemyCar.y[e]! + EnemyCar.speed[e]!;
    EnemyCar.y[e] = ey;
    if (ey > VIEW_H) respawnEnemy(w, e);
    const points = Racer.points[e]! + 1;
    Racer.points[e] = points;
    if (points % SPEEDUP_EVERY === 0) EnemyCar.speed[e] = EnemyCar.speed[e]! + 1;
    if (offRoad(Position.x[e]!) || touches(Position.x[e]!, Position.y[e]!, EnemyCar.x[e]!, EnemyCar.y[e]!)) {
      freshStart(w, e);
      Racer.crashed[e] = CRASH_PAUSE_TICKS;
    }
  }
};

export const offRoad = (x: number): boolean => x < ROAD_LEFT || x > ROAD_RIGHT;

/** Two 49 x 100 boxes overlap with a positive area. */
export const touches = (x: number, y: number, ex: number, ey: number): boolean =>
  x < ex + CAR_W && ex < x + CAR_W && y < ey + CAR_H && ey < y + CAR_H;
