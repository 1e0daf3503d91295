// Who a player may see (authoritative, for the snapshot encoder). In the lobby and on the
// result screen everyone sees everyone. During the countdown and the round, `self` sees:
//   - itself, and its teammates (same team, not NONE);
//   - any player whose centre is within VIEW_RADIUS of its own centre with no wall crossing
//     the segment between the two centres;
//   - any player whose centre is inside a light whose own centre has an unblocked segment to
//     it (the light reaches it), from anywhere on the map.
// Cost per call: one pass over players; the radius test prunes before any wall test, and each
// wall test only looks at the walls bucketed near the segment (see map.ts).

import type { SnapshotView } from '../../snapshot-view.js';
import { segmentBlocked } from './map.js';
import { LIGHTS, PLAYER_SIZE, Phase, Team, VIEW_RADIUS, hauntedSchema } from './schema.js';

const PLAYER = hauntedSchema.archetypeNames.indexOf('player') + 1; // as stored in Entity.archetype
const HALF = PLAYER_SIZE / 2;
const R2 = VIEW_RADIUS * VIEW_RADIUS;

/** Whether a point (a player's centre) is lit: inside a light that reaches it past the walls. */
export function isLit(cx: number, cy: number): boolean {
  for (const l of LIGHTS) {
    const dx = cx - l.x;
    const dy = cy - l.y;
    if (dx * dx + dy * dy <= l.r * l.r && !segmentBlocked(l.x, l.y, cx, cy)) return true;
  }
  return false;
}

/** Fills out[eid] = 1 for each entity `self` may see and 0 for the rest of rows 0..maxEid. */
export function hauntedVisibility(view: SnapshotView, self: number, out: Uint8Array): void {
  const n = Math.min(view.maxEid, out.length - 1);
  out.fill(0, 0, n + 1);
  const arch = view.field('Entity.archetype');
  const phase = view.global('phase');
  if (phase === Phase.LOBBY || phase === Phase.END) {
    for (let e = 1; e <= n; e++) if (arch[e] !== 0) out[e] = 1;
    return;
  }
  const x = view.field('Position.x');
  const y = view.field('Position.y');
  const team = view.field('Player.team');
  const myTeam = team[self]!;
  const sx = x[self]! + HALF;
  const sy = y[self]! + HALF;
  if (self <= n) out[self] = 1;
  for (let e = 1; e <= n; e++) {
    if (e === self || arch[e] !== PLAYER) continue;
    if (myTeam !== Team.NONE && team[e] === myTeam) {
      out[e] = 1;
      continue;
    }
    const ex = x[e]! + HALF;
    const ey = y[e]! + HALF;
    const dx = ex - sx;
    const dy = ey - sy;
    if (dx * dx + dy * dy <= R2 && !segmentBlocked(sx, sy, ex, ey)) {
      out[e] = 1;
      continue;
    }
    if (isLit(ex, ey)) out[e] = 1;
  }
}
