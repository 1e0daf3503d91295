// Interpolation of everything the client does not predict. Snapshots arrive at the tick
// rate but not evenly, and frames are drawn at their own pace: drawing the newest snapshot
// as is would make things move in jerks. Instead the picture is drawn about one snapshot
// interval in the past, between the two newest snapshots:
//
//   alpha = clamp((now - arrival of the newest) / interval, 0, 1)
//   drawn = previous + (newest - previous) * alpha
//
// so it starts at the previous snapshot when the newest arrives and reaches the newest
// when the next one is due. `interval` is a running estimate of the time between
// arrivals. Entities are matched by id and generation; one that is new is drawn where the
// newest snapshot has it, and one that jumped further than `teleportPx` (a respawn) is not
// interpolated. Everything but the position comes from the newest snapshot. Pure.

import type { EntityState, WorldState } from './world.js';

export interface InterpolatorOptions {
  hz?: number;
  /** A move further than this between two snapshots is drawn as a jump. Default 150 px. */
  teleportPx?: number;
}

export class Interpolator {
  prev: WorldState | null = null;
  latest: WorldState | null = null;
  latestAt = 0;
  /** Estimated time between snapshot arrivals (ms). */
  intervalMs: number;
  private readonly minInterval: number;
  private readonly maxInterval = 250;
  private readonly teleportPx: number;

  constructor(o: InterpolatorOptions = {}) {
    this.intervalMs = 1000 / (o.hz ?? 60);
    this.minInterval = this.intervalMs / 2;
    this.teleportPx = o.teleportPx ?? 150;
  }

  /** A snapshot arrived at `at` (local ms). Older or same-tick snapshots are ignored. */
  push(w: WorldState, at: number): void {
    if (this.latest && w.tick <= this.latest.tick) return;
    if (this.latest) {
      const gap = Math.min(this.maxInterval, Math.max(this.minInterval, at - this.latestAt));
      this.intervalMs += (gap - this.intervalMs) * 0.1;
    }
    this.prev = this.latest;
    this.latest = w;
    this.latestAt = at;
  }

  /** The world to draw at `now`, or null before the first snapshot. */
  sample(now: number): WorldState | null {
    if (!this.latest) return null;
    if (!this.prev) return this.latest;
    const alpha = Math.min(1, Math.max(0, (now - this.latestAt) / this.intervalMs));
    return lerpWorld(this.prev, this.latest, alpha, this.teleportPx);
  }

  reset(): void {
    this.prev = null;
    this.latest = null;
  }
}

/** `b` with positions moved back toward `a`: alpha 0 gives a's positions, 1 gives b's. */
export function lerpWorld(a: WorldState, b: WorldState, alpha: number, teleportPx = Infinity): WorldState {
  if (alpha >= 1) return b;
  const before = new Map<number, EntityState>();
  for (const e of a.entities) before.set(e.id, e);
  const entities = b.entities.map((e) => {
    const p = before.get(e.id);
    if (!p || p.gen !== e.gen || p.kind !== e.kind) return e;
    if (Math.abs(e.x - p.x) > teleportPx || Math.abs(e.y - p.y) > teleportPx) return e;
    const moved = { ...e, x: p.x + (e.x - p.x) * alpha, y: p.y + (e.y - p.y) * alpha };
    // race: the racer's own enemy car, unless it jumped (respawned at the top)
    if ((e.ex !== p.ex || e.ey !== p.ey) && Math.abs(e.ex - p.ex) <= teleportPx && Math.abs(e.ey - p.ey) <= teleportPx) {
      moved.ex = p.ex + (e.ex - p.ex) * alpha;
      moved.ey = p.ey + (e.ey - p.ey) * alpha;
    }
    return moved;
  });
  return { ...b, entities };
}
