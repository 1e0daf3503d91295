// Collisions through a uniform grid rebuilt each tick (not all pairs). The rules do not
// depend on the order entities are visited in:
// - every enemy overlapped by a laser is removed, and credited (+1 score) to the shooter of
//   the overlapping laser with the lowest entity id; every laser that overlapped an enemy
//   vanishes (a laser removes every enemy its box overlaps);
// - every remaining enemy that touches a live player is removed and costs each player it
//   touches 10 health.
// The grid is built over the larger of the two sets and the smaller one queries it, so a
// screen with a handful of enemies and thousands of lasers costs a handful of queries.

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

class Scratch {
  a = new Int32Array(1024);
  ensure(n: number): Int32Array {
    if (this.a.length < n) this.a = new Int32Array(n * 2);
    return this.a;
  }
}

export const collisionSystem = (cfg: ShooterConfig) => {
  // lasers (y >= 0) and ships (y > 0) live on screen, so only enemies whose bottom edge is
  // below y = 0 can touch anything: the grid covers the screen, not the waves queued above it
  const grid = new SpatialGrid(0, -CELL, cfg.width, cfg.height + 2 * CELL, CELL, 1024);
  const near = new Scratch();
  const hitBy = new Scratch(); // per enemy eid: lowest laser eid that hit it, 0 = none
  const hitList = new Scratch();
  const spent = new Scratch(); // per laser eid: 1 = overlapped an enemy
  const laserList = new Scratch();

  return (w: ShooterWorld) => {
    if (w.g[w.G.phase] !== Phase.PLAYING) return;
    const { Position, Enemy, Laser, Player, Entity } = w.c;
    const px = Position.x;
    const py = Position.y;
    const color = Enemy.color;
    const rows = w.g[w.G.maxEid]! + 1;

    // one sequential pass over the rows (see motion.ts): enemies that can touch anything, and lasers
    const arch = Entity.archetype;
    const ENEMY = w.A.enemy + 1;
    const LASER = w.A.laser + 1;
    const nearIds = near.ensure(rows);
    const laserIds = laserList.ensure(rows);
    let nn = 0;
    let nl = 0;
    for (let e = 1; e < rows; e++) {
      const a = arch[e];
      if (a === ENEMY) {
        if (py[e]! + ENEMY_H > 0) nearIds[nn++] = e;
      } else if (a === LASER) laserIds[nl++] = e;
    }
    if (nn === 0) return;
    const candidates = nearIds.subarray(0, nn);
    const lasers = laserIds.subarray(0, nl);
    const by = hitBy.ensure(rows);
    const sp = spent.ensure(rows);
    const list = hitList.ensure(nn);
    let hits = 0;

    const pair = (e: number, l: number) => {
      if (by[e] === 0) list[hits++] = e;
      if (by[e] === 0 || l < by[e]!) by[e] = l;
      sp[l] = 1;
    };
    const overlaps = (l: number, e: number) => {
      const ex = px[e]!;
      const ey = py[e]!;
      const lx = px[l]!;
      const ly = py[l]!;
      return lx < ex + ENEMY_W[color[e]!]! && ex < lx + LASER_W && ly < ey + ENEMY_H && ey < ly + LASER_H;
    };

    if (nn <= lasers.length) {
      // few enemies: each looks for the lasers around it
      grid.build(lasers, px, py);
      for (let i = 0; i < nn; i++) {
        const e = candidates[i]!;
        visit(grid, px[e]! - LASER_W, py[e]! - LASER_H, px[e]! + MAX_ENEMY_W, py[e]! + ENEMY_H, (l) => {
          if (overlaps(l, e)) pair(e, l);
        });
      }
    } else {
      grid.build(candidates, px, py);
      for (let i = 0; i < lasers.length; i++) {
        const l = lasers[i]!;
        visit(grid, px[l]! - MAX_ENEMY_W, py[l]! - ENEMY_H, px[l]! + LASER_W, py[l]! + LASER_H, (e) => {
          if (overlaps(l, e)) pair(e, l);
        });
      }
    }

    for (let i = 0; i < hits; i++) {
      const e = list[i]!;
      const s = Laser.shooter[by[e]!]!;
      if (Entity.gen[s] === Laser.shooterGen[by[e]!] && Player.slot[s] !== 0) Player.score[s]! += 1;
      by[e] = 0;
      despawn(w, e);
    }
    for (let i = 0; i < lasers.length; i++) {
      const l = lasers[i]!;
      if (sp[l]) {
        sp[l] = 0;
        despawn(w, l);
      }
    }

    // ships against the enemies that are left (the grid holds lasers or enemies: rebuild)
    const players = query(w, [Player]);
    let left = 0;
    for (let i = 0; i < nn; i++) if (arch[candidates[i]!] === ENEMY) candidates[left++] = candidates[i]!;
    if (left === 0 || players.length === 0) return;
    grid.build(candidates.subarray(0, left), px, py);
    hits = 0;
    for (let i = 0; i < players.length; i++) {
      const p = players[i]!;
      if (Player.lost[p]) continue;
      const x = px[p]!;
      const y = py[p]!;
      visit(grid, x - MAX_ENEMY_W, y - ENEMY_H, x + PLAYER_W, y + PLAYER_H, (e) => {
        const ex = px[e]!;
        const ey = py[e]!;
        if (x < ex + ENEMY_W[color[e]!]! && ex < x + PLAYER_W && y < ey + ENEMY_H && ey < y + PLAYER_H) {
          Player.health[p] = Player.health[p]! - HIT_DAMAGE;
          if (by[e] === 0) {
            by[e] = 1; // reuse: marks enemies to remove once every ship was checked
            list[hits++] = e;
          }
        }
      });
    }
    for (let i = 0; i < hits; i++) {
      by[list[i]!] = 0;
      despawn(w, list[i]!);
    }
  };
};

/** Visit the grid items anchored in the cells that [x0, x1] x [y0, y1] covers. */
function visit(grid: SpatialGrid, x0: number, y0: number, x1: number, y1: number, fn: (id: number) => void): void {
  const c0 = grid.col(x0);
  const c1 = grid.col(x1);
  const r1 = grid.row(y1);
  const { cellStart, items, cols } = grid;
  for (let r = grid.row(y0); r <= r1; r++) {
    const end = cellStart[r * cols + c1 + 1]!;
    // the cells of one row are contiguous in cellStart: one range covers c0..c1
    for (let k = cellStart[r * cols + c0]!; k < end; k++) fn(items[k]!);
  }
}
