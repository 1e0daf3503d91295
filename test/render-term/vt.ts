// A tiny terminal emulator for the tests: applies the diff writer's ANSI (CUP, CUF, SGR with
// default / 256 / truecolor, ED 2) to a grid, so a test can check what a terminal would show.

import { DEFAULT, rgb, Screen, type Color } from '../../src/render-term/screen.js';

export class VirtualTerminal {
  screen: Screen;
  x = 0;
  y = 0;
  fg: Color = DEFAULT;
  bg: Color = DEFAULT;
  /** Characters printed by the last apply(). */
  printed = 0;
  /** Cursor movements in the last apply(). */
  moves = 0;

  constructor(width: number, height: number, from?: Screen) {
    this.screen = new Screen(width, height);
    if (from) this.load(from);
  }

  load(s: Screen): void {
    this.screen.chars.splice(0, s.chars.length, ...s.chars);
    this.screen.fg.set(s.fg);
    this.screen.bg.set(s.bg);
  }

  apply(ansi: string): void {
    this.printed = 0;
    this.moves = 0;
    let i = 0;
    while (i < ansi.length) {
      if (ansi[i] === '\x1b') {
        const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(ansi.slice(i));
        if (!m) throw new Error(`unexpected escape at ${i}: ${JSON.stringify(ansi.slice(i, i + 10))}`);
        this.csi(m[1]!, m[2]!);
        i += m[0].length;
        continue;
      }
      const ch = String.fromCodePoint(ansi.codePointAt(i)!);
      this.screen.set(this.x, this.y, ch, this.fg, this.bg);
      this.x++;
      this.printed++;
      i += ch.length;
    }
  }

  private csi(params: string, final: string): void {
    const p = params.split(';').map((s) => (s === '' ? NaN : Number(s)));
    switch (final) {
      case 'H':
        this.y = (p[0] || 1) - 1;
        this.x = (p[1] || 1) - 1;
        this.moves++;
        return;
      case 'C':
        this.x += p[0] || 1;
        this.moves++;
        return;
      case 'J':
        this.screen.clear(this.bg);
        return;
      case 'm':
        for (let k = 0; k < p.length; k++) {
          const v = Number.isNaN(p[k]!) ? 0 : p[k]!;
          if (v === 0) (this.fg = DEFAULT), (this.bg = DEFAULT);
          else if (v === 39) this.fg = DEFAULT;
          else if (v === 49) this.bg = DEFAULT;
          else if (v === 38 || v === 48) {
            let c: Color;
            if (p[k + 1] === 5) (c = p[k + 2]!), (k += 2);
            else if (p[k + 1] === 2) (c = rgb(p[k + 2]!, p[k + 3]!, p[k + 4]!)), (k += 4);
            else throw new Error('bad extended colour');
            if (v === 38) this.fg = c;
            else this.bg = c;
          } else throw new Error(`unexpected SGR ${v}`);
        }
        return;
      default:
        throw new Error(`unexpected CSI ${params}${final}`);
    }
  }
}

/** Cells that look different (a space's foreground does not count). */
export function changedCells(a: Screen, b: Screen): number {
  let n = 0;
  for (let i = 0; i < a.chars.length; i++) if (!a.sameCell(b, i)) n++;
  return n;
}

/**
 * What a terminal shows after `ansi`, characters only: cursor moves (CUP, CUF), clears and
 * printed characters are replayed on a blank grid; every other sequence is skipped.
 */
export function shown(ansi: string, cols = 80, rows = 24): string {
  const g = Array.from({ length: rows }, () => Array<string>(cols).fill(' '));
  let x = 0;
  let y = 0;
  const re = /\x1b\[([0-9;?<>]*)([A-Za-z])|([^\x1b])/gsu;
  for (const m of ansi.matchAll(re)) {
    if (m[3] !== undefined) {
      if (y < rows && x < cols) g[y]![x] = m[3];
      x++;
    } else if (m[2] === 'H') {
      const [r = 1, c = 1] = (m[1] || '1;1').split(';').map(Number);
      y = r - 1;
      x = c - 1;
    } else if (m[2] === 'C') x += Number(m[1] || 1);
    else if (m[2] === 'J') for (const row of g) row.fill(' ');
  }
  return g.map((r) => r.join('')).join('\n');
}
