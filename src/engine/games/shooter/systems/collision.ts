// Collisions through a uniform grid of enemies rebuilt each tick (not all pairs):
// - a laser removes every enemy its box overlaps, then vanishes; its shooter scores 1 each;
// - an enemy that touches a live player removes itself and costs that player 10 health.

import { query } from 'bitecs';
import { SpatialGrid } from '../../../spatial-grid.js';
import { despawn } from '../../../world.js';
import {
  ENEMY_H,
  ENEMY_W,
  HIT_DAMAGE,
  LASER_H,
  LASER_W,
  MAX_ENEMY_W,
  PLAYER_H,
  PLAYER_W,
  Phase,
  type ShooterConfig,
} from '../schema.js';
import type { ShooterWorld } from '../world.js';

const CELL = 128;

export const collisionSystem = (cfg: ShooterConfig, capacity: number) => {
  const top = -Math.round((1500 * cfg.height) / 750) - CELL;
  const grid = new SpatialGrid(0, top, cfg.width, cfg.height - top + CELL, CELL, capacity + 1);
  return (w: ShooterWorld) => {
    if (w.g[w.G.phase] !== Phase.PLAYING) return;
    const { Position, Enemy, Laser, Player, Entity } = w.c;
    const px = Position.x;
    const py = Position.y;
    const archetype = Entity.archetype;
    const enemyArch = w.A.enemy + 1;
    grid.build(query(w, [Enemy]), px, py);
    const { cellStart, items, cols } = grid;

    // remove the enemies whose box overlaps (x, y, bw, bh); returns how many
    const sweep = (x: number, y: number, bw: number, bh: number): number => {
      const c0 = grid.col(x - MAX_ENEMY_W);
      const c1 = grid.col(x + bw);
      const r0 = grid.row(y - ENEMY_H);
      const r1 = grid.row(y + bh);
      let n = 0;
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const cell = r * cols + c;
          for (let k = cellStart[cell]!; k < cellStart[cell + 1]!; k++) {
            const e = items[k]!;
            if (archetype[e] !== enemyArch) continue; // removed earlier this tick
            const ex = px[e]!;
            const ey = py[e]!;
            if (x < ex + ENEMY_W[Enemy.color[e]!]! && ex < x + bw && y < ey + ENEMY_H && ey < y + bh) {
              despawn(w, e);
              n++;
            }
          }
        }
      }
      return n;
    };

    const lasers = query(w, [Laser]);
    for (let i = 0; i < lasers.length; i++) {
      const l = lasers[i]!;
      const kills = sweep(px[l]!, py[l]!, LASER_W, LASER_H);
      if (kills === 0) continue;
      const s = Laser.shooter[l]!;
      if (Entity.gen[s] === Laser.shooterGen[l] && Player.slot[s] !== 0) Player.score[s]! += kills;
      despawn(w, l);
    }

    const players = query(w, [Player]);
    for (let i = 0; i < players.length; i++) {
      const p = players[i]!;
      if (Player.lost[p]) continue;
      const hits = sweep(px[p]!, py[p]!, PLAYER_W, PLAYER_H);
      if (hits) Player.health[p] = Player.health[p]! - HIT_DAMAGE * hits;
    }
  };
};
