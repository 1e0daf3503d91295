// One whole frame into the in-memory screen: layout, playfield, HUD, overlays. Pure.
//
//   row 0              status bar
//   rows 1..rows-2     the playfield (a square world in a border, as large as fits),
//                      the side panel to its right when at least PANEL_MIN columns are left
//   row rows-1         own ship's bar
//
// Below MIN_COLS x MIN_ROWS the frame is only a centered "terminal too small" message.

import { Phase, PLAYER_W } from '../engine/games/shooter/schema.js';
import {
  drawBanner,
  drawBottomBar,
  drawOverlay,
  drawPanel,
  drawStatusBar,
  overlayLines,
  type HudInfo,
  type Rect,
} from './hud.js';
import { gameView } from './games.js';
import { blitHalfBlocks, PALETTE, PixelCanvas } from './raster.js';
import { DEFAULT, type Screen } from './screen.js';
import { ownShip, type WorldState } from '../client-core/world.js';

export const MIN_COLS = 40;
export const MIN_ROWS = 20;
const PANEL_MIN = 24;

export interface FrameModel {
  /** The world to draw (positions interpolated / predicted), null before the first snapshot. */
  world: WorldState | null;
  /** Own client id (welcome.client), 0 when not known yet. */
  me: number;
  hud: HudInfo;
  /** The world's size in px; default: the game's (its networked globals, else its default size). */
  worldWidth?: number;
  worldHeight?: number;
}

export interface Layout {
  /** The playfield's cells (inside the border). */
  field: Rect;
  /** Pixels of the playfield: field.w x 2 * field.h. */
  pxWidth: number;
  pxHeight: number;
  panel: Rect | null;
}

/** Where things go in a cols x rows terminal (at least MIN_COLS x MIN_ROWS). */
export function layout(cols: number, rows: number, worldWidth = 750, worldHeight = 750, maxWidth = cols - 2): Layout {
  const midRows = rows - 2;
  const maxPxW = Math.min(cols - 2, maxWidth);
  const maxPxH = 2 * (midRows - 2);
  // keep the world's aspect: pixels are square (two per cell, cells ~1:2)
  const scale = Math.min(maxPxW / worldWidth, maxPxH / worldHeight);
  let pxHeight = Math.max(2, Math.floor(worldHeight * scale));
  pxHeight -= pxHeight & 1; // whole cells
  const pxWidth = Math.max(1, Math.min(maxPxW, Math.round((pxHeight * worldWidth) / worldHeight)));
  const w = pxWidth;
  const h = pxHeight / 2;
  const boxW = w + 2;
  const boxH = h + 2;
  const panelW = cols - boxW - 1;
  const withPanel = panelW >= PANEL_MIN;
  if (!withPanel && cols - 3 - PANEL_MIN >= Math.max(8, Math.ceil(w * 0.85))) {
    // a wide world (gather's 3:2 board): give up a little of the field for the panel
    return layout(cols, rows, worldWidth, worldHeight, cols - 3 - PANEL_MIN);
  }
  const boxX = withPanel ? 0 : Math.floor((cols - boxW) / 2);
  const boxY = 1 + Math.floor((midRows - boxH) / 2);
  return {
    field: { x: boxX + 1, y: boxY + 1, w, h },
    pxWidth,
    pxHeight,
    panel: withPanel ? { x: boxW + 1, y: 1, w: panelW, h: midRows } : null,
  };
}

function drawBorder(screen: Screen, f: Rect): void {
  const c = PALETTE.border;
  const x0 = f.x - 1;
  const y0 = f.y - 1;
  const x1 = f.x + f.w;
  const y1 = f.y + f.h;
  for (let x = f.x; x < x1; x++) {
    screen.set(x, y0, '─', c, DEFAULT);
    screen.set(x, y1, '─', c, DEFAULT);
  }
  for (let y = f.y; y < y1; y++) {
    screen.set(x0, y, '│', c, DEFAULT);
    screen.set(x1, y, '│', c, DEFAULT);
  }
  screen.set(x0, y0, '┌', c, DEFAULT);
  screen.set(x1, y0, '┐', c, DEFAULT);
  screen.set(x0, y1, '└', c, DEFAULT);
  screen.set(x1, y1, '┘', c, DEFAULT);
}

/** The "terminal too small" message, centered (wrapped to the width when needed). */
export function renderTooSmall(screen: Screen): void {
  screen.clear();
  const text = [`terminal too small: ${screen.width}x${screen.height}`, `need at least ${MIN_COLS}x${MIN_ROWS}`, 'enlarge it, or press q to quit'];
  const lines: string[] = [];
  const w = Math.max(1, screen.width);
  for (const t of text) {
    let cur = '';
    for (const word of t.split(' ')) {
      const next = cur ? `${cur} ${word}` : word;
      if (next.length <= w) cur = next;
      else {
        if (cur) lines.push(cur);
        cur = word.slice(0, w);
      }
    }
    if (cur) lines.push(cur);
  }
  const y0 = Math.max(0, Math.floor((screen.height - lines.length) / 2));
  lines.forEach((l, i) => screen.text(Math.floor((screen.width - l.length) / 2), y0 + i, l, 214));
}

/** Draw a whole frame into `screen` (its size is the terminal's). */
export function renderFrame(screen: Screen, m: FrameModel): void {
  if (screen.width < MIN_COLS || screen.height < MIN_ROWS) return renderTooSmall(screen);
  screen.clear();
  const view = gameView(m.hud.game);
  const size = view.size(m.world, { width: m.worldWidth, height: m.worldHeight });
  const worldWidth = size.width;
  const worldHeight = size.height;
  const L = layout(screen.width, screen.height, worldWidth, worldHeight);
  drawStatusBar(screen, m.world, m.hud);
  drawBottomBar(screen, m.world, m.me, m.hud);
  drawBorder(screen, L.field);
  const canvas = new PixelCanvas(L.pxWidth, L.pxHeight, view.background);
  if (m.world) view.draw(canvas, m.world, { me: m.me, worldWidth, worldHeight });
  blitHalfBlocks(canvas, screen, L.field.x, L.field.y);
  if (L.panel) drawPanel(screen, L.panel, m.world, m.me, m.hud);

  const own = m.world ? ownShip(m.world, m.me) : undefined;
  if (own && view.name === 'shooter') {
    // a marker under the own ship on the bottom border
    const cx = L.field.x + Math.min(L.field.w - 1, Math.max(0, Math.round(((own.x + PLAYER_W / 2) * L.pxWidth) / worldWidth)));
    screen.set(cx, L.field.y + L.field.h, '^', PALETTE.own, DEFAULT);
  }
  const lines = overlayLines(m.world, m.me, m.hud);
  if (lines) drawOverlay(screen, L.field, lines);
  else if (view.name === 'shooter' && own?.lost && m.world?.phase === Phase.PLAYING) {
    drawBanner(screen, { ...L.field, y: L.field.y + L.field.h - 1 }, 'you are out - spectating', 252, 238);
  }
  if (m.hud.migrating) drawBanner(screen, L.field, ' HOST MIGRATION - reconnecting... ');
}
