// The in-memory screen: a grid of cells (one character, a foreground and a background
// colour). Frames are drawn here first and then turned into ANSI by diff.ts, so everything
// about what a frame looks like is testable without a terminal.
//
// Colours are plain numbers:
//   -1                     the terminal's default colour
//   0..255                 the xterm 256-colour palette
//   0x1000000 | 0xRRGGBB   truecolor (see rgb())

export type Color = number;

export const DEFAULT: Color = -1;
const TRUECOLOR = 0x1000000;

export const rgb = (r: number, g: number, b: number): Color => TRUECOLOR | ((r & 0xff) << 16) | ((g & 0xff) << 8) | (b & 0xff);
export const isRgb = (c: Color): boolean => c >= TRUECOLOR;

/** Nearest colour of the 6x6x6 cube of the 256-colour palette (for terminals without truecolor). */
export function to256(c: Color): Color {
  if (!isRgb(c)) return c;
  const level = (v: number) => (v < 48 ? 0 : v < 115 ? 1 : Math.min(5, Math.floor((v - 35) / 40)));
  const r = (c >> 16) & 0xff;
  const g = (c >> 8) & 0xff;
  const b = c & 0xff;
  return 16 + 36 * level(r) + 6 * level(g) + level(b);
}

export class Screen {
  readonly chars: string[];
  readonly fg: Int32Array;
  readonly bg: Int32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const n = Math.max(0, width) * Math.max(0, height);
    this.chars = new Array<string>(n).fill(' ');
    this.fg = new Int32Array(n).fill(DEFAULT);
    this.bg = new Int32Array(n).fill(DEFAULT);
  }

  /** Every cell becomes a space in `bg`. */
  clear(bg: Color = DEFAULT, fg: Color = DEFAULT): void {
    this.chars.fill(' ');
    this.fg.fill(fg);
    this.bg.fill(bg);
  }

  inside(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  /** One cell; outside the screen it is ignored. `bg` undefined keeps the cell's background. */
  set(x: number, y: number, ch: string, fg: Color, bg?: Color): void {
    if (!this.inside(x, y)) return;
    const i = y * this.width + x;
    const c = ch.charCodeAt(0);
    this.chars[i] = c < 0x20 || (c >= 0x7f && c <= 0x9f) ? ' ' : ch;
    this.fg[i] = fg;
    if (bg !== undefined) this.bg[i] = bg;
  }

  /** A string from (x, y) to the right, clipped at the edge; returns the cells it took. */
  text(x: number, y: number, s: string, fg: Color, bg?: Color): number {
    let n = 0;
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) continue; // never a control character on the terminal
      this.set(x + n++, y, ch, fg, bg);
    }
    return n;
  }

  fill(x: number, y: number, w: number, h: number, ch: string, fg: Color, bg: Color): void {
    for (let j = Math.max(0, y); j < Math.min(this.height, y + h); j++) {
      for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.set(i, j, ch, fg, bg);
    }
  }

  char(x: number, y: number): string {
    return this.inside(x, y) ? this.chars[y * this.width + x]! : '';
  }

  /** Whether cell i looks the same in both screens (same size assumed). */
  sameCell(other: Screen, i: number): boolean {
    if (this.chars[i] !== other.chars[i] || this.bg[i] !== other.bg[i]) return false;
    // the foreground of a space is invisible
    return this.chars[i] === ' ' || this.fg[i] === other.fg[i];
  }

  /** The characters as text, one line per row (colours left out): for golden tests. */
  toText(trimRight = false): string {
    const lines: string[] = [];
    for (let y = 0; y < this.height; y++) {
      const row = this.chars.slice(y * this.width, (y + 1) * this.width).join('');
      lines.push(trimRight ? row.trimEnd() : row);
    }
    return lines.join('\n');
  }
}
