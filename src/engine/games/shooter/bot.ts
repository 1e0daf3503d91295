// A bot that plays the shooter: readies up, keeps firing, and slides under the nearest
// enemy that is still above it, dodging any that is about to hit it.

import type { SnapshotView } from '../../snapshot-view.js';
import { Button, PLAYER_W, Phase, shooterSchema } from './schema.js';

const ENEMY = shooterSchema.archetypeNames.indexOf('enemy') + 1; // as stored in Entity.archetype

export function shooterBot(view: SnapshotView, self: number): number {
  // outside a match, tap FIRE (ready takes a fresh press)
  if (view.global('phase') !== Phase.PLAYING) return view.tick % 8 < 4 ? Button.FIRE : 0;
  const arch = view.field('Entity.archetype');
  const x = view.field('Position.x');
  const y = view.field('Position.y');
  const myX = x[self]!;
  const myY = y[self]!;
  let best = -1;
  let bestDy = Infinity;
  let threat = false;
  for (let e = 1; e <= view.maxEid; e++) {
    if (arch[e] !== ENEMY) continue;
    const dy = myY - y[e]!;
    if (dy > 0 && dy < bestDy) {
      bestDy = dy;
      best = e;
    }
    if (dy > -40 && dy < 80 && Math.abs(x[e]! - myX) < PLAYER_W) threat = true;
  }
  let b = Button.FIRE;
  if (best > 0) {
    const dx = x[best]! - myX;
    if (threat) b |= dx > 0 ? Button.LEFT : Button.RIGHT;
    else if (dx > 6) b |= Button.RIGHT;
    else if (dx < -6) b |= Button.LEFT;
  }
  return b;
}
