// A bot that wanders the squares map: a new heading (one of the eight, or a pause) every 90
// ticks, picked by a hash of its id and the leg number, and turned back from any wall it is
// within 20 px of. Stateless and deterministic; reads networked state only.

import type { SnapshotView } from '../../snapshot-view.js';
import { Button } from './schema.js';

const HEADINGS = [
  Button.UP,
  Button.UP | Button.RIGHT,
  Button.RIGHT,
  Button.DOWN | Button.RIGHT,
  Button.DOWN,
  Button.DOWN | Button.LEFT,
  Button.LEFT,
  Button.UP | Button.LEFT,
  0,
] as const;
const LEG_TICKS = 90;
const MARGIN = 20;

export function squaresBot(view: SnapshotView, self: number): number {
  const x = view.field('Position.x')[self]!;
  const y = view.field('Position.y')[self]!;
  const size = view.field('Square.size')[self]!;
  const width = view.global('width');
  const height = view.global('height');
  let h = Math.imul(self ^ 0x9e3779b9, 0x85ebca6b) ^ Math.floor(view.tick / LEG_TICKS);
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  h ^= h >>> 13;
  let b: number = HEADINGS[(h >>> 0) % HEADINGS.length]!;
  if (x < MARGIN) b = (b & ~Button.LEFT) | Button.RIGHT;
  else if (x + size > width - MARGIN) b = (b & ~Button.RIGHT) | Button.LEFT;
  if (y < MARGIN) b = (b & ~Button.UP) | Button.DOWN;
  else if (y + size > height - MARGIN) b = (b & ~Button.DOWN) | Button.UP;
  return b;
}
