// A bot that plays gather: heads for the nearest gatherable (Manhattan distance, the lower id
// on a tie), along the axis with the longer way to go first. Its direction only matters on
// the next step tick, so choosing again every tick never overshoots. Reads networked state only.

import type { SnapshotView } from '../../snapshot-view.js';
import { Button, gatherSchema } from './schema.js';

const GATHERABLE = gatherSchema.archetypeNames.indexOf('gatherable') + 1; // as stored in Entity.archetype

export function gatherBot(view: SnapshotView, self: number): number {
  const arch = view.field('Entity.archetype');
  const x = view.field('Position.x');
  const y = view.field('Position.y');
  const myX = x[self]!;
  const myY = y[self]!;
  let best = -1;
  let bestD = Infinity;
  for (let e = 1; e <= view.maxEid; e++) {
    if (arch[e] !== GATHERABLE) continue;
    const d = Math.abs(x[e]! - myX) + Math.abs(y[e]! - myY);
    if (d < bestD) {
      bestD = d;
      best = e;
    }
  }
  if (best < 0) return 0; // nothing to chase: keep going
  const dx = x[best]! - myX;
  const dy = y[best]! - myY;
  if (dx !== 0 && Math.abs(dx) >= Math.abs(dy)) return dx > 0 ? Button.RIGHT : Button.LEFT;
  if (dy !== 0) return dy > 0 ? Button.DOWN : Button.UP;
  return 0;
}
