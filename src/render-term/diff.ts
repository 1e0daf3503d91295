// The diff writer: compares a frame with the one before and returns the ANSI that turns the
// terminal from one into the other, touching only the cells that changed (a cursor move
// where the next changed cell is not where the cursor already is, an SGR where the pen
// colours differ, then the character). An identical frame gives the empty string, so a
// static picture writes nothing. Pure: no terminal needed.

import { DEFAULT, isRgb, to256, type Color, type Screen } from './screen.js';

export const CSI = '\x1b[';

export type ColorDepth = 'truecolor' | '256';

export interface DiffOptions {
  /** Truecolor cells are mapped to the 256-colour cube with '256'. Default 'truecolor'. */
  colors?: ColorDepth;
}

function colorParams(c: Color, layer: 38 | 48, depth: ColorDepth): string {
  if (c === DEFAULT) return layer === 38 ? '39' : '49';
  if (isRgb(c) && depth === 'truecolor') return `${layer};2;${(c >> 16) & 0xff};${(c >> 8) & 0xff};${c & 0xff}`;
  return `${layer};5;${to256(c)}`;
}

/** The SGR sequence that sets the given colours (fg null: leave the foreground alone). */
export function sgr(fg: Color | null, bg: Color | null, depth: ColorDepth = 'truecolor'): string {
  const p: string[] = [];
  if (fg !== null) p.push(colorParams(fg, 38, depth));
  if (bg !== null) p.push(colorParams(bg, 48, depth));
  return p.length ? `${CSI}${p.join(';')}m` : '';
}

/** Cursor to column x, row y (0-based). */
export const moveTo = (x: number, y: number): string => `${CSI}${y + 1};${x + 1}H`;

/**
 * ANSI for turning `prev` into `next`. `prev` null (first frame, after a resize, or when the
 * terminal contents are unknown) or of another size: clear and write every cell.
 * The pen is assumed unknown at the start, so the output does not depend on earlier frames.
 */
export function diffScreens(prev: Screen | null, next: Screen, options: DiffOptions = {}): string {
  const depth = options.colors ?? 'truecolor';
  const full = prev === null || prev.width !== next.width || prev.height !== next.height;
  const W = next.width;
  let out = full ? `${CSI}0m${CSI}2J` : '';
  let cx = -1; // cursor, -1: unknown
  let cy = -1;
  let penFg = NaN; // NaN: unknown
  let penBg = NaN;
  for (let y = 0; y < next.height; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!full && next.sameCell(prev!, i)) continue;
      const ch = next.chars[i]!;
      const fg = next.fg[i]!;
      const bg = next.bg[i]!;
      if (cy !== y || cx !== x) {
        out += cy === y && x > cx && cx >= 0 ? `${CSI}${x - cx === 1 ? '' : x - cx}C` : moveTo(x, y);
      }
      const needFg = ch !== ' ' && fg !== penFg;
      const needBg = bg !== penBg;
      if (needFg || needBg) {
        out += sgr(needFg ? fg : null, needBg ? bg : null, depth);
        if (needFg) penFg = fg;
        penBg = bg;
      }
      out += ch;
      cx = x + 1;
      cy = y;
    }
  }
  return out;
}
