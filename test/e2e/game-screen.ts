// Reading the terminal client's screen from a tmux capture (see src/render-term/frame.ts and
// hud.ts for what is drawn where):
//
//   row 0          status bar: " tick N  ping P ms  S snap/s  K KB/s in  players N  msgpack"
//   rows 1..       the playfield in a box (┌ ┐ └ ┘), half-block pixels: ' ' is two pixels in
//                  the background colour, '▀' is the foreground (top) over the background
//                  (bottom); a '^' on the bottom border marks the own ship's column
//                  the side panel right of the box: "PLAYERS N", one row per player
//                  (">P4  hp 100      3  ready", '>' for the own ship), "LEVEL l  MATCH m  phase"
//   last row       own ship's bar: "P4 hp ██████████ 100  score 3  level 1"

import { PALETTE } from '../../src/render-term/raster.js';
import type { PaneInfo, ScreenShot, TmuxSession } from '../helpers/tmux.js';

export { PALETTE };

export interface StatusBar {
  tick: number;
  pingMs: number | null;
  snapshotsPerSec: number;
  kbPerSec: number;
  players: number;
  mode: string;
}

export function statusBar(s: ScreenShot): StatusBar | null {
  const m = / tick (\d+)\s+ping (\S+) ms\s+(\d+) snap\/s\s+([\d.]+) KB\/s in\s+players (\d+)\s+(\w+)/.exec(s.lines[0] ?? '');
  if (!m) return null;
  return {
    tick: Number(m[1]),
    pingMs: m[2] === '-' ? null : Number(m[2]),
    snapshotsPerSec: Number(m[3]),
    kbPerSec: Number(m[4]),
    players: Number(m[5]),
    mode: m[6]!,
  };
}

export interface OwnBar {
  slot: number;
  hp: number;
  score: number;
  level: number;
}

export function ownBar(s: ScreenShot): OwnBar | null {
  const m = /P(\d+) hp [█░]+ (-?\d+)\s+score (\d+)\s+level (\d+)/.exec(s.lines[s.lines.length - 1] ?? '');
  return m ? { slot: Number(m[1]), hp: Number(m[2]), score: Number(m[3]), level: Number(m[4]) } : null;
}

export interface Box {
  /** Cells inside the border. */
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The playfield's inside, from its border. */
export function fieldBox(s: ScreenShot): Box | null {
  const top = s.lines.findIndex((l) => l.includes('┌') && l.includes('┐'));
  if (top < 0) return null;
  const chars = Array.from(s.lines[top]!);
  const x0 = chars.indexOf('┌');
  const x1 = chars.indexOf('┐');
  const bottom = s.lines.findIndex((l, i) => i > top && Array.from(l)[x0] === '└');
  if (x1 <= x0 || bottom < 0) return null;
  return { x: x0 + 1, y: top + 1, w: x1 - x0 - 1, h: bottom - top - 1 };
}

export interface PanelRow {
  own: boolean;
  slot: number;
  hp: number;
  score: number;
  state: string;
}

export interface Panel {
  players: number;
  rows: PanelRow[];
  level: number;
  match: number;
  phase: string;
}

/** The side panel (right of the playfield). */
export function panel(s: ScreenShot): Panel | null {
  const box = fieldBox(s);
  if (!box) return null;
  const right = s.lines.map((l) => Array.from(l).slice(box.x + box.w + 1).join(''));
  const head = right.map((l) => /PLAYERS (\d+)/.exec(l)).find(Boolean);
  if (!head) return null;
  const rows: PanelRow[] = [];
  for (const l of right) {
    const m = /^\s*([ >])P(\d+)\s+hp\s+(-?\d+)\s+(\d+)\s*(\w*)/.exec(l);
    if (m) rows.push({ own: m[1] === '>', slot: Number(m[2]), hp: Number(m[3]), score: Number(m[4]), state: m[5] ?? '' });
  }
  const lv = right.map((l) => /LEVEL (\d+)\s+MATCH (\d+)\s+(\w+)/.exec(l)).find(Boolean);
  return { players: Number(head[1]), rows, level: lv ? Number(lv[1]) : -1, match: lv ? Number(lv[2]) : -1, phase: lv ? lv[3]! : '' };
}

/** Column (inside the field) of the '^' marking the own ship, or null. */
export function ownMarker(s: ScreenShot): number | null {
  const box = fieldBox(s);
  if (!box) return null;
  const x = Array.from(s.lines[box.y + box.h] ?? '').indexOf('^');
  return x < 0 ? null : x - box.x;
}

/** The playfield's pixels: w x 2h, colour per pixel (-2 where text covers the cell). */
export class Pixels {
  readonly w: number;
  readonly h: number;
  readonly px: Int32Array;

  constructor(s: ScreenShot, box: Box) {
    this.w = box.w;
    this.h = box.h * 2;
    this.px = new Int32Array(this.w * this.h).fill(-2);
    for (let cy = 0; cy < box.h; cy++) {
      for (let cx = 0; cx < box.w; cx++) {
        const c = s.cell(box.x + cx, box.y + cy);
        if (!c) continue;
        const i = cy * 2 * this.w + cx;
        if (c.ch === ' ') {
          this.px[i] = c.bg;
          this.px[i + this.w] = c.bg;
        } else if (c.ch === '▀') {
          this.px[i] = c.fg;
          this.px[i + this.w] = c.bg;
        }
      }
    }
  }

  get(x: number, y: number): number {
    return this.px[y * this.w + x]!;
  }

  /** Every pixel of the given colours. */
  find(colors: readonly number[]): Array<{ x: number; y: number }> {
    const out: Array<{ x: number; y: number }> = [];
    for (let y = 0; y < this.h; y++) for (let x = 0; x < this.w; x++) if (colors.includes(this.get(x, y))) out.push({ x, y });
    return out;
  }

  /** Bounding box of the pixels of one colour, or null. */
  bounds(color: number): { minX: number; maxX: number; minY: number; maxY: number; cx: number; n: number } | null {
    const ps = this.find([color]);
    if (!ps.length) return null;
    const xs = ps.map((p) => p.x);
    const ys = ps.map((p) => p.y);
    const minX = Math.min(...xs);
    const maxX = Math.max(...xs);
    return { minX, maxX, minY: Math.min(...ys), maxY: Math.max(...ys), cx: (minX + maxX) / 2, n: ps.length };
  }
}

export function pixels(s: ScreenShot): Pixels | null {
  const box = fieldBox(s);
  return box ? new Pixels(s, box) : null;
}

/** The own ship's pixels' bounds (PALETTE.own). */
export const ownShip = (s: ScreenShot) => pixels(s)?.bounds(PALETTE.own) ?? null;

export interface ExitState {
  code: number;
  /** The terminal modes stty reported after the program ended (icanon / -icanon, echo / -echo). */
  modes: string[];
  /** The pane's modes from tmux: alternate screen, cursor shown, line wrap. */
  info: PaneInfo;
  /** The screen after the exit (the normal screen again). */
  text: string;
}

/** After quitting: wait for the program's exit line and the terminal modes (see helpers/tmux.ts). */
export async function exitState(t: TmuxSession, timeoutMs = 30_000): Promise<ExitState> {
  const s = await t.waitFor((x) => (/\[exit \d+\]/.test(x.text) && /\[stty [^\]]*\]/.test(x.text) ? x : null), timeoutMs, 'the program to exit');
  return {
    code: Number(/\[exit (\d+)\]/.exec(s.text)![1]),
    modes: /\[stty ([^\]]*)\]/.exec(s.text)![1]!.trim().split(/\s+/),
    info: await t.info(),
    text: s.text,
  };
}
