// The rasterizer: the 750 x 750 world scaled into a pixel canvas, then written to the
// screen with half blocks. A terminal cell is about twice as tall as wide, so each cell
// shows two square pixels: '▀' with the foreground as the top pixel and the background as
// the bottom one (a space in the background colour when both are the same).
//
// Shapes (boxes anchored top-left, like the game's):
//   ship    100 x 90 box, drawn as a triangle pointing up; the own ship in its own colour,
//           others by slot, lost ships grey
//   enemy   70 x 50 (blue 50 x 50), filled in its colour
//   laser   100 x 90 box, drawn as a 1-pixel beam down its middle (the box is the original
//           image's; the beam is what it shows)

import { ENEMY_H, ENEMY_W, LASER_H, LASER_W, PLAYER_H, PLAYER_W } from '../engine/games/shooter/schema.js';
import type { Color, Screen } from './screen.js';
import type { EntityState, WorldState } from '../client-core/world.js';

export const PALETTE = {
  space: 233,
  border: 240,
  own: 51,
  ownLost: 30,
  lost: 242,
  ships: [214, 171, 220, 39, 207, 118, 209, 141] as readonly Color[],
  enemies: [196, 46, 33] as readonly Color[],
  ownLaser: 226,
  laser: 229,
  other: 255,
} as const;

export class PixelCanvas {
  readonly px: Int32Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Color = PALETTE.space,
  ) {
    this.px = new Int32Array(Math.max(0, width * height)).fill(background);
  }

  get(x: number, y: number): Color {
    return this.px[y * this.width + x]!;
  }

  set(x: number, y: number, c: Color): void {
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.px[y * this.width + x] = c;
  }

  /** Pixels [x0, x1) x [y0, y1), clipped. */
  rect(x0: number, y0: number, x1: number, y1: number, c: Color): void {
    for (let y = Math.max(0, y0); y < Math.min(this.height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(this.width, x1); x++) this.px[y * this.width + x] = c;
    }
  }

  /** The canvas as text, one character per pixel, through `legend` (colour -> char; '?' if missing). */
  toText(legend: ReadonlyMap<Color, string>): string {
    const lines: string[] = [];
    for (let y = 0; y < this.height; y++) {
      let s = '';
      for (let x = 0; x < this.width; x++) s += legend.get(this.get(x, y)) ?? '?';
      lines.push(s);
    }
    return lines.join('\n');
  }
}

export interface DrawOptions {
  /** Own client id: its ship (Entity.owner) is highlighted. */
  me: number;
  worldWidth?: number;
  worldHeight?: number;
}

export const shipColor = (e: EntityState, mine: boolean): Color =>
  mine ? (e.lost ? PALETTE.ownLost : PALETTE.own) : e.lost ? PALETTE.lost : PALETTE.ships[(Math.max(1, e.slot) - 1) % PALETTE.ships.length]!;

/** Draw a world (positions already interpolated / predicted) into the canvas. */
export function drawWorld(canvas: PixelCanvas, world: WorldState, o: DrawOptions): void {
  const sx = canvas.width / (o.worldWidth ?? 750);
  const sy = canvas.height / (o.worldHeight ?? 750);
  // pixel span of a world span: at least one pixel wide
  const span = (v: number, len: number, s: number): [number, number] => {
    const a = Math.round(v * s);
    return [a, Math.max(a + 1, Math.round((v + len) * s))];
  };
  const ships: EntityState[] = [];
  const own = o.me > 0 ? world.entities.find((e) => e.kind === 'player' && e.owner === o.me) : undefined;
  for (const e of world.entities) {
    if (e.kind === 'laser') {
      // lasers carry their shooter's slot
      const [x0] = span(e.x + LASER_W / 2, 0, sx);
      const [y0, y1] = span(e.y, LASER_H, sy);
      const mine = own !== undefined && e.slot === own.slot;
      canvas.rect(x0, y0, x0 + 1, y1, mine ? PALETTE.ownLaser : PALETTE.laser);
    }
  }
  for (const e of world.entities) {
    if (e.kind === 'enemy') {
      const w = ENEMY_W[e.color as 0 | 1 | 2] ?? ENEMY_W[0];
      const [x0, x1] = span(e.x, w, sx);
      const [y0, y1] = span(e.y, ENEMY_H, sy);
      canvas.rect(x0, y0, x1, y1, PALETTE.enemies[e.color] ?? PALETTE.other);
    } else if (e.kind === 'player') {
      if (e !== own) ships.push(e);
    } else if (e.kind !== 'laser') {
      canvas.set(Math.round(e.x * sx), Math.round(e.y * sy), PALETTE.other);
    }
  }
  for (const e of ships) drawShip(canvas, e, sx, sy, shipColor(e, false));
  if (own) drawShip(canvas, own, sx, sy, shipColor(own, true));
}

/** A triangle pointing up, filling the ship's box at its bottom row. */
function drawShip(canvas: PixelCanvas, e: EntityState, sx: number, sy: number, c: Color): void {
  const x0 = Math.round(e.x * sx);
  const x1 = Math.max(x0 + 1, Math.round((e.x + PLAYER_W) * sx));
  const y0 = Math.round(e.y * sy);
  const y1 = Math.max(y0 + 1, Math.round((e.y + PLAYER_H) * sy));
  const w = x1 - x0;
  const h = y1 - y0;
  for (let r = 0; r < h; r++) {
    let span = Math.max(1, Math.round((w * (r + 1)) / h));
    if ((w - span) & 1) span = Math.min(w, span + 1); // symmetric about the middle
    const left = x0 + (w - span) / 2;
    canvas.rect(left, y0 + r, left + span, y0 + r + 1, c);
  }
}

/** Write the canvas to the screen at cell (x, y), two pixel rows per cell row. */
export function blitHalfBlocks(canvas: PixelCanvas, screen: Screen, x: number, y: number): void {
  for (let cy = 0; cy * 2 < canvas.height; cy++) {
    for (let cx = 0; cx < canvas.width; cx++) {
      const top = canvas.get(cx, cy * 2);
      const bottom = cy * 2 + 1 < canvas.height ? canvas.get(cx, cy * 2 + 1) : top;
      if (top === bottom) screen.set(x + cx, y + cy, ' ', top, top);
      else screen.set(x + cx, y + cy, '▀', top, bottom);
    }
  }
}
