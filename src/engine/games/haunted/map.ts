// Geometry of the haunted arena: box-vs-wall movement, and a segment-vs-wall test pruned by a
// uniform grid of wall buckets (108 px cells: 16 x 9 over the arena). A segment only tests the
// walls whose buckets meet the segment's bounding box, each wall once.

import { HEIGHT, PLAYER_SIZE, WALLS, WIDTH, type Rect } from './schema.js';

const CELL = 108;
const COLS = Math.ceil(WIDTH / CELL);
const ROWS = Math.ceil(HEIGHT / CELL);
const buckets: number[][] = Array.from({ length: COLS * ROWS }, () => []);
for (let i = 0; i < WALLS.length; i++) {
  const r = WALLS[i]!;
  const c0 = clampInt(Math.floor(r.x / CELL), 0, COLS - 1);
  const c1 = clampInt(Math.floor((r.x + r.w) / CELL), 0, COLS - 1);
  const r0 = clampInt(Math.floor(r.y / CELL), 0, ROWS - 1);
  const r1 = clampInt(Math.floor((r.y + r.h) / CELL), 0, ROWS - 1);
  for (let row = r0; row <= r1; row++) for (let col = c0; col <= c1; col++) buckets[row * COLS + col]!.push(i);
}
const stamp = new Uint32Array(WALLS.length);
let epoch = 0;

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Whether a box overlaps a wall's interior (touching an edge is not overlapping). */
export function boxHitsWall(x: number, y: number, size = PLAYER_SIZE): Rect | undefined {
  for (const r of WALLS) {
    if (x < r.x + r.w && x + size > r.x && y < r.y + r.h && y + size > r.y) return r;
  }
  return undefined;
}

/** Whether the segment (ax, ay)-(bx, by) meets the closed rectangle (Liang-Barsky slabs). */
export function segmentHitsRect(ax: number, ay: number, bx: number, by: number, r: Rect): boolean {
  const dx = bx - ax;
  const dy = by - ay;
  let t0 = 0;
  let t1 = 1;
  const p = [-dx, dx, -dy, dy];
  const q = [ax - r.x, r.x + r.w - ax, ay - r.y, r.y + r.h - ay];
  for (let i = 0; i < 4; i++) {
    const pi = p[i]!;
    const qi = q[i]!;
    if (pi === 0) {
      if (qi < 0) return false; // parallel and outside this slab
    } else {
      const t = qi / pi;
      if (pi < 0) {
        if (t > t1) return false;
        if (t > t0) t0 = t;
      } else {
        if (t < t0) return false;
        if (t < t1) t1 = t;
      }
    }
  }
  return true;
}

/** Whether any wall crosses the segment (ax, ay)-(bx, by). */
export function segmentBlocked(ax: number, ay: number, bx: number, by: number): boolean {
  epoch = (epoch + 1) >>> 0;
  if (epoch === 0) {
    stamp.fill(0);
    epoch = 1;
  }
  const c0 = clampInt(Math.floor(Math.min(ax, bx) / CELL), 0, COLS - 1);
  const c1 = clampInt(Math.floor(Math.max(ax, bx) / CELL), 0, COLS - 1);
  const r0 = clampInt(Math.floor(Math.min(ay, by) / CELL), 0, ROWS - 1);
  const r1 = clampInt(Math.floor(Math.max(ay, by) / CELL), 0, ROWS - 1);
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) {
      for (const i of buckets[row * COLS + col]!) {
        if (stamp[i] === epoch) continue;
        stamp[i] = epoch;
        if (segmentHitsRect(ax, ay, bx, by, WALLS[i]!)) return true;
      }
    }
  }
  return false;
}

/**
 * Move a box by (dx, dy) (one axis non-zero, |d| < wall thickness), stopping flush against a
 * wall or the arena edge. Returns the new [x, y].
 */
export function moveBox(x: number, y: number, dx: number, dy: number): [number, number] {
  let nx = Math.min(Math.max(x + dx, 0), WIDTH - PLAYER_SIZE);
  let ny = Math.min(Math.max(y + dy, 0), HEIGHT - PLAYER_SIZE);
  const r = boxHitsWall(nx, ny);
  if (r) {
    if (dx > 0) nx = r.x - PLAYER_SIZE;
    else if (dx < 0) nx = r.x + r.w;
    if (dy > 0) ny = r.y - PLAYER_SIZE;
    else if (dy < 0) ny = r.y + r.h;
    if (boxHitsWall(nx, ny)) return [x, y]; // should not happen on this map; stay put
  }
  return [nx, ny];
}
