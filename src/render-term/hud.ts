// The HUD: the status bar (tick, ping, snapshot rate, bandwidth, players), the side panel
// (players and scores, level, match, keys), the own ship's bar (health, score), and the
// overlays drawn over the playfield: lobby / ready screen, win / lose screen, "out"
// notice, "host migration" banner, connecting message. The game (hud.game) picks what the
// players' lines and the bottom bar say (games.ts); the chat's scrollback goes in the side
// panel and its input line replaces the bottom bar while it is open.

import { Phase } from '../engine/games/shooter/schema.js';
import type { ChatLine } from './chat.js';
import { clean } from './chat.js';
import { gameView, raceOverlay } from './games.js';
import { PALETTE, shipColor } from './raster.js';
import { DEFAULT, type Color, type Screen } from './screen.js';
import { ownShip, type WorldState } from '../client-core/world.js';

export interface HudInfo {
  /** 'msgpack' or 'json' */
  mode: string;
  pingMs: number | null;
  snapshotsPerSec: number;
  kbPerSecIn: number;
  /** The connection is being re-established (host migration / reconnect). */
  migrating: boolean;
  /** A message for the player (connecting, errors), or null. */
  status: string | null;
  /** The terminal reports key releases (kitty protocol). */
  keyReleases: boolean;
  holdMs: number;
  /** The game the host runs (welcome.game). Default 'shooter'. */
  game?: string;
  /** client id -> nickname (the chat roster). */
  names?: ReadonlyMap<number, string>;
  /** Chat scrollback, oldest first. */
  chat?: readonly ChatLine[];
  /** The chat input line's text while it is open, else null / undefined. */
  chatInput?: string | null;
  /** The page of the current host, for players with only a browser. */
  webUrl?: string;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const BAR_BG: Color = 236;
export const BAR_FG: Color = 252;
const DIM: Color = 244;
const OVERLAY_BG: Color = 235;
const WIN: Color = 46;
const LOSE: Color = 196;
const BANNER_FG: Color = 16;
const BANNER_BG: Color = 220;

export const phaseName = (p: number): string => (p === Phase.LOBBY ? 'lobby' : p === Phase.PLAYING ? 'playing' : p === Phase.OVER ? 'over' : `phase ${p}`);

const NO_NAMES: ReadonlyMap<number, string> = new Map();
const CHAT_NAME: Color = 117;
const CHAT_HOST: Color = 244;

type Group = [string, Color][];

/** Groups of coloured parts written left to right, up to the first group that does not fit. */
function groups(screen: Screen, x: number, y: number, maxX: number, gs: Group[], bg: Color): number {
  for (const g of gs) {
    const len = g.reduce((n, [s]) => n + s.length, 0);
    if (x + len > maxX) break;
    for (const [s, fg] of g) x += screen.text(x, y, s, fg, bg);
  }
  return x;
}

const groupsWidth = (gs: Group[]) => gs.reduce((n, g) => n + g.reduce((m, [s]) => m + s.length, 0), 0);

export function drawStatusBar(screen: Screen, world: WorldState | null, hud: HudInfo): void {
  const view = gameView(hud.game);
  const players = view.players;
  const y = 0;
  screen.fill(0, y, screen.width, 1, ' ', BAR_FG, BAR_BG);
  const ping = hud.pingMs === null ? '-' : hud.pingMs < 10 ? hud.pingMs.toFixed(1) : Math.round(hud.pingMs).toString();
  const tick = world ? String(world.tick) : '-';
  const snaps = String(Math.round(hud.snapshotsPerSec));
  const kb = hud.kbPerSecIn.toFixed(1);
  const n = String(view.count ? view.count(world, hud.names ?? NO_NAMES) : players(world).length);
  const full: Group[] = [
    [[' tick ', DIM], [tick, BAR_FG]],
    [['  ping ', DIM], [`${ping} ms`, BAR_FG]],
    [['  ', DIM], [snaps, BAR_FG], [' snap/s', DIM]],
    [['  ', DIM], [kb, BAR_FG], [' KB/s in', DIM]],
    [['  players ', DIM], [n, BAR_FG]],
    [['  ', DIM], [hud.mode, DIM]],
  ];
  const compact: Group[] = [
    [[' t ', DIM], [tick, BAR_FG]],
    [[' ', DIM], [ping, BAR_FG], ['ms', DIM]],
    [[' ', DIM], [snaps, BAR_FG], ['/s', DIM]],
    [[' ', DIM], [kb, BAR_FG], ['KB/s', DIM]],
    [[' ', DIM], [n, BAR_FG], ['p', DIM]],
  ];
  groups(screen, 0, y, screen.width, groupsWidth(full) <= screen.width ? full : compact, BAR_BG);
  const title = ` lanparty ${view.name} `;
  if (screen.width >= groupsWidth(full) + title.length + 2) screen.text(screen.width - title.length, y, title, DIM, BAR_BG);
}

/** The own ship's line at the bottom: slot, health bar, score, level; keys on the right. */
export function drawBottomBar(screen: Screen, world: WorldState | null, me: number, hud: HudInfo): void {
  const y = screen.height - 1;
  screen.fill(0, y, screen.width, 1, ' ', BAR_FG, BAR_BG);
  if (hud.chatInput !== null && hud.chatInput !== undefined) return drawChatInput(screen, y, hud.chatInput);
  const view = gameView(hud.game);
  const own = world ? ownShip(world, me) : undefined;
  let x = 1;
  if (hud.status && world) x += screen.text(x, y, clean(hud.status) + '  ', 220, BAR_BG);
  if (view.name !== 'shooter') {
    if (own && world) {
      x += screen.text(x, y, `${hud.names?.get(me) || 'you'} `, view.color(own, true, world), BAR_BG);
      x = groups(screen, x, y, screen.width, view.bottom(own, world), BAR_BG);
    } else if (world) x += screen.text(x, y, 'spectating', DIM, BAR_BG);
    if (screen.width - x > view.help.length + 2) screen.text(screen.width - view.help.length, y, view.help, DIM, BAR_BG);
    return;
  }
  if (own) {
    x += screen.text(x, y, `P${own.slot} `, shipColor(own, true), BAR_BG);
    const hp = Math.max(0, own.health);
    const cells = 10;
    const full = Math.min(cells, Math.round((hp / 100) * cells));
    x += screen.text(x, y, 'hp ', DIM, BAR_BG);
    x += screen.text(x, y, '█'.repeat(full), hp > 30 ? WIN : LOSE, BAR_BG);
    x += screen.text(x, y, '░'.repeat(cells - full), DIM, BAR_BG);
    x += screen.text(x, y, ` ${hp}`, BAR_FG, BAR_BG);
    x = groups(screen, x, y, screen.width, [[['  score ', DIM], [String(own.score), BAR_FG]]], BAR_BG);
  } else if (world) {
    x += screen.text(x, y, 'spectating', DIM, BAR_BG);
  }
  if (world) x = groups(screen, x, y, screen.width, [[['  level ', DIM], [String(world.level), BAR_FG]]], BAR_BG);
  const help = 'arrows/WASD move  space fire/ready  q quit ';
  if (screen.width - x > help.length + 2) screen.text(screen.width - help.length, y, help, DIM, BAR_BG);
}

/** Players and scores, level / round, chat, keys; to the right of the field when there is room. */
export function drawPanel(screen: Screen, r: Rect, world: WorldState | null, me: number, hud: HudInfo): void {
  const view = gameView(hud.game);
  const names = hud.names ?? NO_NAMES;
  let y = r.y;
  const line = (s: string, fg: Color = BAR_FG) => {
    if (y < r.y + r.h) screen.text(r.x, y, clean(s).slice(0, r.w), fg);
    y++;
  };
  const ps = view.players(world);
  const total = view.count ? view.count(world, names) : ps.length;
  if (hud.webUrl) {
    line('BROWSERS JOIN AT', DIM);
    line(` ${hud.webUrl}`, BAR_FG);
  }
  line(total === ps.length ? `PLAYERS ${ps.length}` : `PLAYERS ${total}  ${ps.length} in sight`, DIM);
  const keyLines = view.keys.length + 3;
  const chat = hud.chat ?? [];
  // players first; the chat gets what is left (at least its header and a line or two)
  const room = Math.max(1, r.h - 5 - keyLines - (chat.length > 0 ? 4 : 0));
  const shown = ps.length > room ? ps.slice(0, room - 1) : ps;
  for (const p of shown) {
    const mine = me > 0 && p.owner === me;
    line(view.panelLine(p, mine, names.get(p.owner) ?? '', world!), view.color(p, mine, world!));
  }
  if (shown.length < ps.length) line(` +${ps.length - shown.length} more`, DIM);
  y++;
  if (world) {
    const info = view.name === 'shooter' ? `LEVEL ${world.level}  MATCH ${world.matchNo}  ${phaseName(world.phase)}` : view.info(world);
    for (const s of Array.isArray(info) ? info : [info]) line(s, BAR_FG);
  }
  if (chat.length > 0) {
    // the newest messages that fit above the keys, oldest first
    y++;
    const n = Math.max(0, Math.min(SCROLLBACK, r.y + r.h - keyLines - y - 2));
    line('CHAT', DIM);
    for (const m of chat.slice(chat.length - n)) {
      const name = m.from === 0 ? '*' : clean(m.name);
      if (y >= r.y + r.h) break;
      let x = r.x;
      const end = r.x + r.w;
      const put = (s: string, fg: Color) => {
        for (const ch of clean(s)) if (x < end) screen.set(x++, y, ch, fg);
      };
      put(`${name}${m.from === 0 ? ' ' : ': '}`, m.from === 0 ? CHAT_HOST : CHAT_NAME);
      put(m.text, m.from === 0 ? CHAT_HOST : BAR_FG);
      y++;
    }
  }
  y = Math.max(y + 1, r.y + r.h - keyLines);
  line('KEYS', DIM);
  for (const k of view.keys) line(k, BAR_FG);
  line(hud.keyReleases ? ' keys: kitty releases' : ` keys: held ${hud.holdMs} ms`, DIM);
}

const SCROLLBACK = 8;

/** The chat input line across the bottom row, with a cursor; the end of long text shows. */
export function drawChatInput(screen: Screen, y: number, text: string): void {
  screen.fill(0, y, screen.width, 1, ' ', BAR_FG, BAR_BG);
  const prompt = ' say: ';
  const x0 = screen.text(0, y, prompt, 117, BAR_BG);
  const chars = Array.from(clean(text));
  const room = Math.max(1, screen.width - x0 - 1);
  const shown = chars.slice(Math.max(0, chars.length - (room - 1)));
  let x = x0;
  for (const ch of shown) screen.set(x++, y, ch, BAR_FG, BAR_BG);
  screen.set(x, y, '█', BAR_FG, BAR_BG);
  const hint = ' enter send  esc cancel ';
  if (screen.width - x - 2 > hint.length) screen.text(screen.width - hint.length, y, hint, DIM, BAR_BG);
}

/** Lines in a box centered in `r`. */
export function drawOverlay(screen: Screen, r: Rect, lines: [string, Color][]): void {
  const w = Math.min(r.w, Math.max(...lines.map(([s]) => s.length)) + 4);
  const h = Math.min(r.h, lines.length + 2);
  const x0 = r.x + Math.floor((r.w - w) / 2);
  const y0 = r.y + Math.floor((r.h - h) / 2);
  screen.fill(x0, y0, w, h, ' ', DEFAULT, OVERLAY_BG);
  lines.forEach(([s, fg], i) => {
    if (i >= h - 2) return;
    const t = s.slice(0, w - 2);
    screen.text(x0 + Math.floor((w - t.length) / 2), y0 + 1 + i, t, fg, OVERLAY_BG);
  });
}

/** What the playfield shows over the game, by phase and own state. */
export function overlayLines(world: WorldState | null, me: number, hud: HudInfo): [string, Color][] | null {
  if (!world) return [[clean(hud.status ?? 'connecting...'), BAR_FG]];
  const view = gameView(hud.game);
  if (view.name === 'race') return raceOverlay(world, me, hud.names ?? NO_NAMES);
  if (view.name !== 'shooter') return null;
  const players = view.players;
  const own = ownShip(world, me);
  const ps = players(world);
  const waiting: [string, Color] = own?.ready ? ['ready - waiting for the others', DIM] : ['press SPACE to ready', BAR_FG];
  if (world.phase === Phase.LOBBY) {
    return [['LOBBY', PALETTE.own], [`${ps.filter((p) => p.ready).length}/${ps.length} ready`, BAR_FG], waiting];
  }
  if (world.phase === Phase.OVER) {
    const winner = ps.find((p) => p.won);
    const title: [string, Color] = own?.won ? ['YOU WIN!', WIN] : own?.lost ? ['YOU LOSE', LOSE] : ['GAME OVER', BAR_FG];
    const who: [string, Color] = winner ? [`P${winner.slot} wins`, shipColor(winner, winner === own)] : ['no winner', DIM];
    return [title, who, own?.ready ? waiting : ['press SPACE to play again', BAR_FG]];
  }
  return null;
}

/** A one-line banner across the top row of `r`. */
export function drawBanner(screen: Screen, r: Rect, text: string, fg: Color = BANNER_FG, bg: Color = BANNER_BG): void {
  screen.fill(r.x, r.y, r.w, 1, ' ', fg, bg);
  const t = (text.length > r.w ? text.trim() : text).slice(0, r.w);
  screen.text(r.x + Math.floor((r.w - t.length) / 2), r.y, t, fg, bg);
}
