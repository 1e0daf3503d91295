// Each square moves SQUARE_SPEED px per tick on each axis its buttons ask for, with the
// original client's priorities (UP over DOWN, RIGHT over LEFT: its if/elif chains), and is
// kept wholly on the map. Each move depends only on its own row.

import { Button, SQUARE_SPEED, type SquaresConfig } from '../schema.js';
import type { SquaresWorld } from '../world.js';

export const motionSystem = (cfg: SquaresConfig) => (w: SquaresWorld) => {
  const arch = w.c.Entity.archetype;
  const { x, y } = w.c.Position;
  const { buttons, size } = w.c.Square;
  const SQUARE = w.A.square + 1;
  const maxEid = w.g[w.G.maxEid]!;
  for (let e = 1; e <= maxEid; e++) {
    if (arch[e] !== SQUARE) continue;
    const b = buttons[e]!;
    if (b === 0) continue;
    const dy = b & Button.UP ? -1 : b & Button.DOWN ? 1 : 0;
    const dx = b & Button.RIGHT ? 1 : b & Button.LEFT ? -1 : 0;
    x[e] = clamp(x[e]! + dx * SQUARE_SPEED, 0, cfg.width - size[e]!);
    y[e] = clamp(y[e]! + dy * SQUARE_SPEED, 0, cfg.height - size[e]!);
  }
};

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
