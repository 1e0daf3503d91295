// Drones: non-player entities that drift at a constant velocity and bounce off the world's
// edges, in every phase. They exist to load a session with moving entities (the load
// benchmark's "E moving non-player entities"); lasers and players pass through them.

import { nextFloat } from '../../../prng.js';
import { spawn } from '../../../world.js';
import { DRONE_MAX_SPEED, DRONE_SIZE, type ShooterConfig } from '../schema.js';
import type { ShooterWorld } from '../world.js';

/** `cfg.drones` drones at PRNG positions and velocities (called once, on a new world). */
export function spawnDrones(w: ShooterWorld, cfg: ShooterConfig): void {
  const { Position, Drift } = w.c;
  const step = DRONE_MAX_SPEED * w.dt;
  for (let i = 0; i < cfg.drones; i++) {
    const e = spawn(w, w.A.drone);
    if (e < 0) return; // over capacity: counted by spawn
    Position.x[e] = nextFloat(w.rng) * (cfg.width - DRONE_SIZE);
    Position.y[e] = nextFloat(w.rng) * (cfg.height - DRONE_SIZE);
    Drift.vx[e] = (nextFloat(w.rng) * 2 - 1) * step;
    Drift.vy[e] = (nextFloat(w.rng) * 2 - 1) * step;
  }
}

/** One pass in id order (see motion.ts for why not a query). */
export const droneSystem = (cfg: ShooterConfig) => (w: ShooterWorld) => {
  if (cfg.drones === 0) return;
  const { x, y } = w.c.Position;
  const { vx, vy } = w.c.Drift;
  const arch = w.c.Entity.archetype;
  const DRONE = w.A.drone + 1;
  const maxX = cfg.width - DRONE_SIZE;
  const maxY = cfg.height - DRONE_SIZE;
  const maxEid = w.g[w.G.maxEid]!;
  for (let e = 1; e <= maxEid; e++) {
    if (arch[e] !== DRONE) continue;
    let nx = x[e]! + vx[e]!;
    let ny = y[e]! + vy[e]!;
    // reflect at the edges: the overshoot is mirrored back inside
    if (nx < 0) (nx = -nx), (vx[e] = -vx[e]!);
    else if (nx > maxX) (nx = 2 * maxX - nx), (vx[e] = -vx[e]!);
    if (ny < 0) (ny = -ny), (vy[e] = -vy[e]!);
    else if (ny > maxY) (ny = 2 * maxY - ny), (vy[e] = -vy[e]!);
    x[e] = nx;
    y[e] = ny;
  }
};
