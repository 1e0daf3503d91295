// The terminal client's colours (src/render-term/screen.ts: xterm 256-colour indices, or
// truecolor) as RGB for the page, so both clients draw the games with the same code and the
// same colours. DOM-free (unit-tested in Node).

import type { Color } from '../render-term/screen.js';

const CUBE = [0, 95, 135, 175, 215, 255];
const SYSTEM = [
  0x000000, 0x800000, 0x008000, 0x808000, 0x000080, 0x800080, 0x008080, 0xc0c0c0,
  0x808080, 0xff0000, 0x00ff00, 0xffff00, 0x0000ff, 0xff00ff, 0x00ffff, 0xffffff,
];

/** 0xRRGGBB of a terminal colour (-1, the terminal's default, is black here). */
export function rgbOf(c: Color): number {
  if (c >= 0x1000000) return c & 0xffffff;
  if (c < 0) return 0x000000;
  if (c < 16) return SYSTEM[c]!;
  if (c < 232) {
    const i = c - 16;
    return (CUBE[Math.floor(i / 36)]! << 16) | (CUBE[Math.floor(i / 6) % 6]! << 8) | CUBE[i % 6]!;
  }
  const v = 8 + (c - 232) * 10;
  return (v << 16) | (v << 8) | v;
}

/** The same colour as a little-endian RGBA pixel (ImageData on every browser we target). */
export function rgbaPixel(c: Color): number {
  const rgb = rgbOf(c);
  return (0xff << 24) | ((rgb & 0xff) << 16) | (rgb & 0xff00) | ((rgb >> 16) & 0xff);
}

export const cssOf = (c: Color): string => `#${rgbOf(c).toString(16).padStart(6, '0')}`;
