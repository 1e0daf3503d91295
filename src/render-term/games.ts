// Per-game drawing: which game the host runs (welcome.game) picks a GameView, which knows
// that game's world size, how to draw it into the pixel canvas, its players and what the HUD
// shows about them. The shooter's view wraps the original drawWorld; the others are here.
//
//   shooter  750 x 750 (or the --width / --height options), ships, enemies, lasers
//   gather   the board: globals cols x rows cells of 10 px (600 x 400 by default), a checker
//            of 20 px tiles; players and the 3 gatherables as 20 x 20 squares
//   squares  globals width x height (640 x 480 by default); each square in its host-given
//            colour and size, the own one outlined
//   race     the 800 x 600 view: grass, the road from x = 310 to 460 + car width, each
//            racer's car (49 x 100) and its own enemy car (the own enemy bright, others dim)
//   haunted  globals width x height (1728 x 972): the floor, the lights as dim circles, the
//            walls, players as 20 x 20 boxes by team (seekers red, hiders green, no team
//            grey-white, caught hiders dark grey), the own one highlighted. The host sends
//            each client only what its player may see, so only those are drawn; the player
//            count on the status bar is the chat roster's (everyone connected).
//
// Only the shooter predicts its own ship; the others are drawn interpolated only.

import { CELL as GATHER_CELL, DEFAULT_COLS, DEFAULT_ROWS, SQUARE as GATHER_SQUARE, WIN_POINTS as GATHER_WIN } from '../engine/games/gather/schema.js';
import { CAR_H, CAR_W, Phase as RacePhase, ROAD_LEFT, ROAD_RIGHT, VIEW_H, VIEW_W, WIN_POINTS as RACE_WIN } from '../engine/games/race/schema.js';
import {
  Button as HauntedButton,
  HEIGHT as HAUNTED_H,
  LIGHTS,
  Phase as HauntedPhase,
  PLAYER_SIZE as HAUNTED_SIZE,
  Team,
  WALLS,
  WIDTH as HAUNTED_W,
} from '../engine/games/haunted/schema.js';
import { Phase } from '../engine/games/shooter/schema.js';
import { DEFAULT_HEIGHT as SQUARES_H, DEFAULT_WIDTH as SQUARES_W, SQUARE_SIZE } from '../engine/games/squares/schema.js';
import { drawWorld, PALETTE, PixelCanvas, shipColor, type DrawOptions } from './raster.js';
import { rgb, type Color } from './screen.js';
import type { KeyMap } from './input.js';
import type { EntityState, WorldState } from '../client-core/world.js';

export type Part = [string, Color];

export interface WorldSize {
  width: number;
  height: number;
}

export interface GameView {
  readonly name: string;
  /**
   * Own-ship prediction (the shooter only): present when the view predicts its own entity;
   * `movable` says whether the inputs move it now (otherwise the prediction holds still).
   */
  readonly predict?: { movable(world: WorldState, own: EntityState | undefined): boolean };
  /**
   * Whether a match is on (games with a lobby that FIRE readies up in). Outside one, FIRE also
   * sends READY with the shooter's keys. Absent: always on.
   */
  playing?(world: WorldState | null): boolean;
  /** The archetype of a player's entity. */
  readonly playerKind: string;
  /** Canvas background. */
  readonly background: Color;
  /**
   * The world's size in px: from the networked globals when the game has them, else the
   * game's fixed size; the shooter's is `fallback` (the client's size options), else 750 x 750.
   */
  size(world: WorldState | null, fallback?: Partial<WorldSize>): WorldSize;
  draw(canvas: PixelCanvas, world: WorldState, o: DrawOptions): void;
  /** Players sorted for the HUD (shooter by slot, others by entity id). */
  players(world: WorldState | null): EntityState[];
  /** A player's colour (the own one highlighted). */
  color(p: EntityState, mine: boolean, world: WorldState): Color;
  /** A player's line in the side panel, `name` from the chat roster ('' when unknown). */
  panelLine(p: EntityState, mine: boolean, name: string, world: WorldState): string;
  /** The world line(s) under the players in the side panel. */
  info(world: WorldState): string | string[];
  /** The player count on the status bar and the panel's header (default: players(world).length). */
  count?(world: WorldState | null, names: ReadonlyMap<number, string>): number;
  /** The own player's groups on the bottom bar. */
  bottom(own: EntityState, world: WorldState): Part[][];
  /** Key help lines for the side panel. */
  readonly keys: readonly string[];
  /** The game's keys -> buttons, when they differ from the shooter's (input.ts KEY_BUTTONS). */
  readonly keyButtons?: KeyMap;
  readonly help: string;
}

const SHIP_DIM: Color = 240;
const byId = (a: EntityState, b: EntityState) => a.id - b.id;
const scaleOf = (canvas: PixelCanvas, o: DrawOptions, size: WorldSize) => ({
  sx: canvas.width / (o.worldWidth ?? size.width),
  sy: canvas.height / (o.worldHeight ?? size.height),
});
/** A box [x, x + w) x [y, y + h) in world px filled on the canvas (at least one pixel). */
function box(canvas: PixelCanvas, sx: number, sy: number, x: number, y: number, w: number, h: number, c: Color): void {
  const x0 = Math.round(x * sx);
  const y0 = Math.round(y * sy);
  canvas.rect(x0, y0, Math.max(x0 + 1, Math.round((x + w) * sx)), Math.max(y0 + 1, Math.round((y + h) * sy)), c);
}
function outline(canvas: PixelCanvas, sx: number, sy: number, x: number, y: number, w: number, h: number, c: Color): void {
  const x0 = Math.round(x * sx);
  const y0 = Math.round(y * sy);
  const x1 = Math.max(x0 + 1, Math.round((x + w) * sx));
  const y1 = Math.max(y0 + 1, Math.round((y + h) * sy));
  if (x1 - x0 < 3 || y1 - y0 < 3) return;
  canvas.rect(x0, y0, x1, y0 + 1, c);
  canvas.rect(x0, y1 - 1, x1, y1, c);
  canvas.rect(x0, y0, x0 + 1, y1, c);
  canvas.rect(x1 - 1, y0, x1, y1, c);
}
const indexColor = (i: number): Color => PALETTE.ships[((i % PALETTE.ships.length) + PALETTE.ships.length) % PALETTE.ships.length]!;
const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s.padEnd(n));
const g = (world: WorldState, name: string): number | undefined => world.globals?.[name];

// ---- shooter --------------------------------------------------------------------------

const shooterPlayers = (w: WorldState | null) =>
  w ? w.entities.filter((e) => e.kind === 'player').sort((a, b) => a.slot - b.slot || a.id - b.id) : [];

const shooter: GameView = {
  name: 'shooter',
  predict: { movable: (w, own) => w.phase === Phase.PLAYING && own !== undefined && !own.lost },
  playing: (w) => w?.phase === Phase.PLAYING,
  playerKind: 'player',
  background: PALETTE.space,
  size: (_w, f) => ({ width: f?.width ?? 750, height: f?.height ?? 750 }),
  draw: drawWorld,
  players: shooterPlayers,
  color: (p, mine) => shipColor(p, mine),
  panelLine: (p, mine, name, world) => {
    const state = p.won ? 'WON' : p.lost ? 'out' : world.phase !== Phase.PLAYING && p.ready ? 'ready' : '';
    const s = `${mine ? '>' : ' '}P${String(p.slot).padEnd(3)}hp ${String(Math.max(0, p.health)).padStart(3)}  ${String(p.score).padStart(5)}  ${state}`;
    return name ? `${s.trimEnd()} ${name}` : s;
  },
  info: () => '', // drawn by hud.ts (level, match, phase)
  bottom: () => [],
  keys: [' arrows/WASD  move', ' space        fire/ready', ' q            quit'],
  help: 'arrows/WASD move  space fire/ready  q quit ',
};

// ---- gather ---------------------------------------------------------------------------

const GATHER = { boardA: 234, boardB: 235, gatherable: 226 } as const;

const gatherSize = (w: WorldState | null): WorldSize => {
  const cols = (w && g(w, 'cols')) || DEFAULT_COLS;
  const rows = (w && g(w, 'rows')) || DEFAULT_ROWS;
  // positions 0 .. (cols - 1) * 10, each drawn as a 20 px square: the original's 600 x 400 window
  return { width: (cols - 1) * GATHER_CELL + GATHER_SQUARE, height: (rows - 1) * GATHER_CELL + GATHER_SQUARE };
};

const gatherPlayers = (w: WorldState | null) => (w ? w.entities.filter((e) => e.kind === 'player').sort(byId) : []);
const gatherColor = (p: EntityState, mine: boolean, w: WorldState): Color => (mine ? PALETTE.own : indexColor(gatherPlayers(w).indexOf(p)));

const gather: GameView = {
  name: 'gather',
  playerKind: 'player',
  background: GATHER.boardA,
  size: (w) => gatherSize(w),
  draw(canvas, world, o) {
    const size = gatherSize(world);
    const { sx, sy } = scaleOf(canvas, o, size);
    for (let ty = 0; ty * GATHER_SQUARE < size.height; ty++) {
      for (let tx = 0; tx * GATHER_SQUARE < size.width; tx++) {
        if ((tx + ty) & 1) box(canvas, sx, sy, tx * GATHER_SQUARE, ty * GATHER_SQUARE, GATHER_SQUARE, GATHER_SQUARE, GATHER.boardB);
      }
    }
    for (const e of world.entities) {
      if (e.kind === 'gatherable') box(canvas, sx, sy, e.x, e.y, GATHER_SQUARE, GATHER_SQUARE, GATHER.gatherable);
    }
    let own: EntityState | undefined;
    for (const p of gatherPlayers(world)) {
      if (o.me > 0 && p.owner === o.me) own = p;
      else box(canvas, sx, sy, p.x, p.y, GATHER_SQUARE, GATHER_SQUARE, gatherColor(p, false, world));
    }
    if (own) box(canvas, sx, sy, own.x, own.y, GATHER_SQUARE, GATHER_SQUARE, PALETTE.own);
  },
  players: gatherPlayers,
  color: gatherColor,
  panelLine: (p, mine, name) => `${mine ? '>' : ' '}${pad(name || `#${p.id}`, 8)} ${String(p.score).padStart(2)} pts ${String(p.wins).padStart(3)} won`,
  info: (w) => `ROUND ${g(w, 'round') ?? 0}  first to ${GATHER_WIN}`,
  bottom: (own, w) => [
    [['points ', SHIP_DIM], [`${own.score}/${GATHER_WIN}`, 252]],
    [['  rounds won ', SHIP_DIM], [String(own.wins), 252]],
    [['  round ', SHIP_DIM], [String(g(w, 'round') ?? 0), 252]],
  ],
  keys: [' arrows/WASD  turn', ' enter        chat', ' q            quit'],
  help: 'arrows/WASD turn  enter chat  q quit ',
};

// ---- squares --------------------------------------------------------------------------

const squaresSize = (w: WorldState | null): WorldSize => ({
  width: (w && g(w, 'width')) || SQUARES_W,
  height: (w && g(w, 'height')) || SQUARES_H,
});
const squaresPlayers = (w: WorldState | null) => (w ? w.entities.filter((e) => e.kind === 'square').sort(byId) : []);
const hex = (c: number) => `#${(c & 0xffffff).toString(16).padStart(6, '0')}`;
const SQUARES_BG: Color = 233;

const squares: GameView = {
  name: 'squares',
  playerKind: 'square',
  background: SQUARES_BG,
  size: (w) => squaresSize(w),
  draw(canvas, world, o) {
    const { sx, sy } = scaleOf(canvas, o, squaresSize(world));
    let own: EntityState | undefined;
    for (const p of squaresPlayers(world)) {
      if (o.me > 0 && p.owner === o.me) own = p;
      else box(canvas, sx, sy, p.x, p.y, p.size || SQUARE_SIZE, p.size || SQUARE_SIZE, squareColor(p));
    }
    if (own) {
      const s = own.size || SQUARE_SIZE;
      box(canvas, sx, sy, own.x, own.y, s, s, squareColor(own));
      outline(canvas, sx, sy, own.x, own.y, s, s, PALETTE.other);
    }
  },
  players: squaresPlayers,
  color: (p) => squareColor(p),
  panelLine: (p, mine, name) => `${mine ? '>' : ' '}${pad(name || `#${p.id}`, 8)} ${String(p.size).padStart(3)}px ${hex(p.rgb)}`,
  info: (w) => {
    const s = squaresSize(w);
    return `MAP ${s.width} x ${s.height}`;
  },
  bottom: (own) => [
    [['square ', SHIP_DIM], [hex(own.rgb), squareColor(own)]],
    [['  size ', SHIP_DIM], [String(own.size), 252]],
    [['  at ', SHIP_DIM], [`${Math.round(own.x)},${Math.round(own.y)}`, 252]],
  ],
  keys: [' arrows/WASD  move', ' enter        chat', ' q            quit'],
  help: 'arrows/WASD move  enter chat  q quit ',
};

function squareColor(p: EntityState): Color {
  const c = p.rgb & 0xffffff;
  return rgb((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff);
}

// ---- race -----------------------------------------------------------------------------

export const RACE = { grass: 22, road: 238, ownEnemy: 196, enemy: 52, crashed: 242 } as const;

const racePlayers = (w: WorldState | null) => (w ? w.entities.filter((e) => e.kind === 'racer').sort(byId) : []);
const raceColor = (p: EntityState, mine: boolean, w: WorldState): Color =>
  p.crashed > 0 ? RACE.crashed : mine ? PALETTE.own : indexColor(racePlayers(w).indexOf(p));

const race: GameView = {
  name: 'race',
  playerKind: 'racer',
  background: RACE.grass,
  size: () => ({ width: VIEW_W, height: VIEW_H }),
  draw(canvas, world, o) {
    const { sx, sy } = scaleOf(canvas, o, { width: VIEW_W, height: VIEW_H });
    // the road: a car is on it while ROAD_LEFT <= x <= ROAD_RIGHT, so the asphalt reaches ROAD_RIGHT + CAR_W
    box(canvas, sx, sy, ROAD_LEFT, 0, ROAD_RIGHT + CAR_W - ROAD_LEFT, VIEW_H, RACE.road);
    const ps = racePlayers(world);
    const own = o.me > 0 ? ps.find((p) => p.owner === o.me) : undefined;
    for (const p of ps) if (p !== own) box(canvas, sx, sy, p.ex, p.ey, CAR_W, CAR_H, RACE.enemy);
    if (own) box(canvas, sx, sy, own.ex, own.ey, CAR_W, CAR_H, RACE.ownEnemy);
    for (const p of ps) if (p !== own) box(canvas, sx, sy, p.x, p.y, CAR_W, CAR_H, raceColor(p, false, world));
    if (own) box(canvas, sx, sy, own.x, own.y, CAR_W, CAR_H, raceColor(own, true, world));
  },
  players: racePlayers,
  color: raceColor,
  panelLine: (p, mine, name) =>
    `${mine ? '>' : ' '}${pad(name || `#${p.id}`, 8)} ${String(p.score).padStart(4)} ${String(p.wins).padStart(2)}w${p.won ? ' WON' : p.crashed > 0 ? ' crash' : ''}`,
  info: (w) => `RACE ${g(w, 'raceNo') ?? 0}  ${w.phase === RacePhase.OVER ? 'over' : 'racing'}  to ${RACE_WIN}`,
  bottom: (own, w) => [
    [['points ', SHIP_DIM], [`${own.score}/${RACE_WIN}`, 252]],
    [['  wins ', SHIP_DIM], [String(own.wins), 252]],
    [['  race ', SHIP_DIM], [String(g(w, 'raceNo') ?? 0), 252]],
    ...(own.crashed > 0 ? [[['  CRASHED', 196] as Part]] : []),
  ],
  keys: [' left/right   steer', ' enter        chat', ' q            quit'],
  help: 'left/right steer  enter chat  q quit ',
};

/** The race's "race over" box, or null while racing. */
export function raceOverlay(world: WorldState, me: number, names: ReadonlyMap<number, string>): Part[] | null {
  if (world.phase !== RacePhase.OVER) return null;
  const winner = racePlayers(world).find((p) => p.won);
  const own = winner && me > 0 && winner.owner === me;
  const pause = g(world, 'pause') ?? 0;
  return [
    [own ? 'YOU WIN!' : 'RACE OVER', own ? 46 : 252],
    winner ? [`${names.get(winner.owner) || `#${winner.id}`} wins`, raceColor(winner, !!own, world)] : ['no winner', SHIP_DIM],
    [`next race in ${Math.ceil(pause / 60)} s`, SHIP_DIM],
  ];
}

// ---- haunted --------------------------------------------------------------------------

export const HAUNTED = { floor: 234, light: 58, wall: 247, seeker: 203, hider: 77, none: 252, caught: 240 } as const;

const hauntedSize = (w: WorldState | null): WorldSize => ({
  width: (w && g(w, 'width')) || HAUNTED_W,
  height: (w && g(w, 'height')) || HAUNTED_H,
});
const hauntedPlayers = (w: WorldState | null) => (w ? w.entities.filter((e) => e.kind === 'player').sort(byId) : []);
const teamColor = (p: EntityState): Color =>
  p.team === Team.SEEKER ? HAUNTED.seeker : p.team === Team.HIDER ? (p.caught ? HAUNTED.caught : HAUNTED.hider) : HAUNTED.none;
const hauntedColor = (p: EntityState, mine: boolean): Color => (mine ? PALETTE.own : teamColor(p));
const teamName = (t: number) => (t === Team.SEEKER ? 'seeker' : t === Team.HIDER ? 'hider' : 'no team');
/** m:ss of a tick count at 60 Hz (rounded up). */
const clock = (ticks: number) => {
  const s = Math.ceil(Math.max(0, ticks) / 60);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const hauntedPhase = (w: WorldState) => g(w, 'phase') ?? w.phase;

/** The phase and its clock: "LOBBY", "COUNTDOWN 4 s", "ROUND 2  3:12 left", "SEEKERS WIN  next 3 s". */
function hauntedClock(w: WorldState): string {
  const phase = hauntedPhase(w);
  const countdown = Math.ceil((g(w, 'countdown') ?? 0) / 60);
  if (phase === HauntedPhase.COUNTDOWN) return `COUNTDOWN ${countdown} s`;
  if (phase === HauntedPhase.ROUND) return `ROUND ${g(w, 'round') ?? 0}  ${clock(g(w, 'timeLeft') ?? 0)} left`;
  if (phase === HauntedPhase.END) {
    const winner = g(w, 'winner');
    return `${winner === Team.SEEKER ? 'SEEKERS WIN' : winner === Team.HIDER ? 'HIDERS WIN' : 'ROUND OVER'}  lobby in ${countdown} s`;
  }
  return 'LOBBY';
}

/** Team counts of the players in sight: seekers, hiders (caught ones as "out"), no team, ready in the lobby. */
function hauntedTeams(w: WorldState): string {
  const ps = hauntedPlayers(w);
  const seekers = ps.filter((p) => p.team === Team.SEEKER).length;
  const hiders = ps.filter((p) => p.team === Team.HIDER);
  const out = hiders.filter((p) => p.caught).length;
  const none = ps.length - seekers - hiders.length;
  let s = `S ${seekers}  H ${hiders.length}${out ? ` (${out} out)` : ''}`;
  if (none) s += `  - ${none}`;
  if (hauntedPhase(w) === HauntedPhase.LOBBY) s += `  ready ${ps.filter((p) => p.ready).length}/${ps.length}`;
  return s;
}

const haunted: GameView = {
  name: 'haunted',
  playerKind: 'player',
  background: HAUNTED.floor,
  size: (w) => hauntedSize(w),
  draw(canvas, world, o) {
    const { sx, sy } = scaleOf(canvas, o, hauntedSize(world));
    // lights: the pixels whose centre is inside the circle (at least the centre's pixel)
    for (const l of LIGHTS) {
      const x0 = Math.max(0, Math.floor((l.x - l.r) * sx));
      const x1 = Math.min(canvas.width - 1, Math.ceil((l.x + l.r) * sx));
      const y0 = Math.max(0, Math.floor((l.y - l.r) * sy));
      const y1 = Math.min(canvas.height - 1, Math.ceil((l.y + l.r) * sy));
      for (let py = y0; py <= y1; py++) {
        for (let px = x0; px <= x1; px++) {
          const dx = (px + 0.5) / sx - l.x;
          const dy = (py + 0.5) / sy - l.y;
          if (dx * dx + dy * dy <= l.r * l.r) canvas.set(px, py, HAUNTED.light);
        }
      }
      canvas.set(Math.floor(l.x * sx), Math.floor(l.y * sy), HAUNTED.light);
    }
    for (const r of WALLS) box(canvas, sx, sy, r.x, r.y, r.w, r.h, HAUNTED.wall);
    const ps = hauntedPlayers(world);
    const own = o.me > 0 ? ps.find((p) => p.owner === o.me) : undefined;
    // caught hiders under the others, the own player on top
    for (const p of ps) if (p !== own && p.caught) box(canvas, sx, sy, p.x, p.y, HAUNTED_SIZE, HAUNTED_SIZE, teamColor(p));
    for (const p of ps) if (p !== own && !p.caught) box(canvas, sx, sy, p.x, p.y, HAUNTED_SIZE, HAUNTED_SIZE, teamColor(p));
    if (own) box(canvas, sx, sy, own.x, own.y, HAUNTED_SIZE, HAUNTED_SIZE, PALETTE.own);
  },
  players: hauntedPlayers,
  color: (p, mine) => hauntedColor(p, mine),
  count: (w, names) => Math.max(hauntedPlayers(w).length, names.size),
  panelLine: (p, mine, name, w) => {
    const state = p.caught ? 'caught' : hauntedPhase(w) === HauntedPhase.LOBBY && p.ready ? 'ready' : '';
    return `${mine ? '>' : ' '}${pad(name || `#${p.id}`, 8)} ${pad(teamName(p.team), 7)} ${state}`.trimEnd();
  },
  info: (w) => [hauntedClock(w), `${hauntedTeams(w)}`],
  bottom: (own, w) => [
    [[teamName(own.team), own.team ? teamColor(own) : SHIP_DIM], ...(own.caught ? [[' CAUGHT', 196] as Part] : own.ready && hauntedPhase(w) === HauntedPhase.LOBBY ? [[' ready', 46] as Part] : [])],
    [['  ', SHIP_DIM], [hauntedClock(w), 252]],
    [['  in sight ', SHIP_DIM], [hauntedTeams(w), 252]],
  ],
  keys: [' arrows/WASD  move', ' 1 / 2        team S / H', ' space        ready', ' enter        chat', ' q            quit'],
  keyButtons: {
    left: HauntedButton.LEFT,
    a: HauntedButton.LEFT,
    right: HauntedButton.RIGHT,
    d: HauntedButton.RIGHT,
    up: HauntedButton.UP,
    w: HauntedButton.UP,
    down: HauntedButton.DOWN,
    s: HauntedButton.DOWN,
    '1': HauntedButton.SEEKER,
    '2': HauntedButton.HIDER,
    space: HauntedButton.READY,
  },
  help: '1/2 team  space ready  q quit ',
};

export const GAME_VIEWS: Readonly<Record<string, GameView>> = { shooter, gather, squares, race, haunted };

/** The view for a game name (welcome.game); unknown games fall back to the shooter's. */
export function gameView(name: string | undefined): GameView {
  return (name !== undefined && Object.hasOwn(GAME_VIEWS, name) ? GAME_VIEWS[name] : undefined) ?? shooter;
}
