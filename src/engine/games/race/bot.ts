// A bot that races: stays on the road and out of its own enemy's column. When the enemy is
// still above the bottom of its car and overlaps its lane, it steers to the nearest lane
// (50 px steps, on the road) the enemy does not overlap, towards the middle on a tie; with the
// enemy close, only through lanes that are clear too. A press needs a release before it, so
// it presses on even ticks only. Reads its own networked row and the phase only.

import type { SnapshotView } from '../../snapshot-view.js';
import { Button, CAR_H, CAR_W, Phase, ROAD_LEFT, ROAD_RIGHT, STEER_PX } from './schema.js';

const MIDDLE = (ROAD_LEFT + ROAD_RIGHT) / 2;
/** Ticks it takes to move a lane and a half (press, release, press). */
const REACT_TICKS = 8;

export function raceBot(view: SnapshotView, self: number): number {
  if (view.global('phase') !== Phase.RACING || view.tick % 2 === 1) return 0;
  if (view.field('Racer.crashed')[self]! > 0) return 0;
  const x = view.field('Position.x')[self]!;
  const y = view.field('Position.y')[self]!;
  if (x < ROAD_LEFT) return Button.RIGHT;
  if (x > ROAD_RIGHT) return Button.LEFT;
  const ex = view.field('EnemyCar.x')[self]!;
  const ey = view.field('EnemyCar.y')[self]!;
  const speed = view.field('EnemyCar.speed')[self]!;
  if (ey >= y + CAR_H) return 0; // the enemy is past the car
  const clear = (lane: number) => Math.abs(lane - ex) >= CAR_W;
  if (clear(x)) return 0;
  const near = ey + CAR_H + speed * REACT_TICKS > y;
  const first = x < MIDDLE ? 1 : -1;
  for (let k = 1; k <= 3; k++) {
    for (let side = 0; side < 2; side++) {
      const dir = side === 0 ? first : -first;
      const lane = x + dir * k * STEER_PX;
      if (lane < ROAD_LEFT || lane > ROAD_RIGHT || !clear(lane)) continue;
      let path = true;
      for (let j = 1; near && j < k; j++) path &&= clear(x + dir * j * STEER_PX);
      if (path) return dir > 0 ? Button.RIGHT : Button.LEFT;
    }
  }
  return 0;
}
