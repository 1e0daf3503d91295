import { describe, expect, it } from 'vitest';
import { diffScreens } from '../../src/render-term/diff.js';
import { layout, MIN_COLS, MIN_ROWS, renderFrame, type FrameModel } from '../../src/render-term/frame.js';
import type { HudInfo } from '../../src/render-term/hud.js';
import { blitHalfBlocks, drawWorld, PALETTE, PixelCanvas } from '../../src/render-term/raster.js';
import { Screen, type Color } from '../../src/render-term/screen.js';
import { entity, type WorldState } from '../../src/client-core/world.js';

const hud: HudInfo = { mode: 'msgpack', pingMs: 2.5, snapshotsPerSec: 60, kbPerSecIn: 4.2, migrating: false, status: null, keyReleases: false, holdMs: 150 };

// client 7 owns the ship in slot 1; client 8 has slot 2
const playing: WorldState = {
  tick: 1234,
  phase: 1,
  level: 2,
  matchNo: 1,
  entities: [
    entity({ id: 1, kind: 'player', x: 220, y: 630, owner: 7, slot: 1, health: 80, score: 12 }),
    entity({ id: 2, kind: 'player', x: 400, y: 630, owner: 8, slot: 2, health: 40, score: 7 }),
    entity({ id: 3, kind: 'enemy', x: 100, y: 100, color: 0 }),
    entity({ id: 4, kind: 'enemy', x: 500, y: 300, color: 2 }),
    entity({ id: 5, kind: 'laser', x: 220, y: 400, slot: 1 }),
  ],
};

const LEGEND = new Map<Color, string>([
  [PALETTE.space, '.'],
  [PALETTE.own, 'S'],
  [PALETTE.ships[1]!, 'P'],
  [PALETTE.lost, 'x'],
  [PALETTE.enemies[0]!, 'r'],
  [PALETTE.enemies[1]!, 'g'],
  [PALETTE.enemies[2]!, 'b'],
  [PALETTE.ownLaser, '|'],
  [PALETTE.laser, ':'],
]);

const frame = (cols: number, rows: number, m: Partial<FrameModel> = {}): Screen => {
  const s = new Screen(cols, rows);
  renderFrame(s, { world: playing, me: 7, hud, ...m });
  return s;
};

/** The playfield's pixels read back from the half-block cells. */
function fieldPixels(s: Screen): string {
  const f = layout(s.width, s.height).field;
  const rows: string[] = [];
  for (let y = f.y; y < f.y + f.h; y++) {
    for (const half of [0, 1]) {
      let r = '';
      for (let x = f.x; x < f.x + f.w; x++) {
        const i = y * s.width + x;
        const c = s.chars[i] === ' ' ? s.bg[i]! : half === 0 ? s.fg[i]! : s.bg[i]!;
        r += LEGEND.get(c) ?? '?';
      }
      rows.push(r);
    }
  }
  return rows.join('\n');
}

describe('golden frames', () => {
  it('a match in progress, 80 x 24: HUD, field, side panel', () => {
    expect(frame(80, 24).toText(true).split('\n')).toEqual(PLAYING);
  });

  it('the same frame\'s playfield, pixel by pixel (own ship S, other ship P, enemies r b, own laser |)', () => {
    expect(fieldPixels(frame(80, 24)).split('\n')).toEqual(PLAYING_PIXELS);
  });

  it('lobby with the ready screen and the host migration banner, 60 x 20', () => {
    const world = { ...playing, phase: 0, entities: playing.entities.map((e) => (e.id === 2 ? { ...e, ready: true } : e)) };
    const s = frame(60, 20, { world, hud: { ...hud, migrating: true, keyReleases: true } });
    expect(s.toText(true).split('\n')).toEqual(LOBBY);
  });

  it('the lose screen at the minimum size, 40 x 20 (no side panel)', () => {
    const world = {
      ...playing,
      phase: 2,
      entities: playing.entities.map((e) => (e.id === 1 ? { ...e, lost: true, health: 0 } : e.id === 2 ? { ...e, won: true } : e)),
    };
    expect(frame(MIN_COLS, MIN_ROWS, { world }).toText(true).split('\n')).toEqual(LOSE);
  });

  it('the win screen and the spectating banner', () => {
    const won = { ...playing, phase: 2, entities: playing.entities.map((e) => (e.id === 1 ? { ...e, won: true } : e.id === 2 ? { ...e, lost: true } : e)) };
    const text = frame(60, 24, { world: won }).toText();
    expect(text).toContain('YOU WIN!');
    expect(text).toContain('P1 wins');
    const out = { ...playing, entities: playing.entities.map((e) => (e.id === 1 ? { ...e, lost: true, health: 0 } : e)) };
    expect(frame(60, 24, { world: out }).toText()).toContain('you are out - spectating');
  });

  it('the side panel says where browsers join: the page of the host it plays on', () => {
    const text = frame(80, 24, { hud: { ...hud, webUrl: 'http://10.0.0.5:5050' } }).toText();
    expect(text).toContain('BROWSERS JOIN AT');
    expect(text).toContain('http://10.0.0.5:5050');
    expect(frame(80, 24).toText()).not.toContain('BROWSERS');
  });

  it('before the first snapshot: the connecting message', () => {
    const text = frame(60, 24, { world: null, hud: { ...hud, status: 'connecting to 10.0.0.5:5050...' } }).toText();
    expect(text).toContain('connecting to 10.0.0.5:5050...');
  });

  it('a terminal that is too small gets a centered message instead of the game', () => {
    expect(frame(30, 10).toText(true).split('\n')).toEqual(SMALL);
    expect(frame(12, 4).toText(true).split('\n')).toEqual(TINY);
    expect(frame(MIN_COLS - 1, 30).toText()).toContain('too small');
    expect(frame(100, MIN_ROWS - 1).toText()).toContain('too small');
    expect(frame(0, 0).toText()).toBe('');
  });

  it('a static frame, drawn again, writes nothing', () => {
    const a = frame(80, 24);
    const b = frame(80, 24);
    expect(diffScreens(a, b)).toBe('');
    expect(diffScreens(null, b).length).toBeGreaterThan(80 * 24);
  });
});

describe('rasterizer', () => {
  it('draws ships as triangles, enemies by colour and size, lasers as beams; own ship on top', () => {
    const c = new PixelCanvas(30, 30);
    const world: WorldState = {
      ...playing,
      entities: [
        ...playing.entities,
        entity({ id: 6, kind: 'enemy', x: 600, y: 600, color: 1 }),
        entity({ id: 7, kind: 'laser', x: 400, y: 100, slot: 2 }),
        entity({ id: 8, kind: 'player', x: 260, y: 650, owner: 9, slot: 2, lost: true }),
      ],
    };
    drawWorld(c, world, { me: 7 });
    expect(c.toText(LEGEND).split('\n')).toEqual(RASTER);
  });

  it('keeps the aspect: square pixels, the field as large as fits, the panel only when there is room', () => {
    for (const [cols, rows] of [[40, 20], [80, 24], [120, 40], [200, 50], [45, 60]] as const) {
      const L = layout(cols, rows);
      expect(L.pxWidth).toBe(L.pxHeight);
      expect(L.field.w).toBe(L.pxWidth);
      expect(L.field.h * 2).toBe(L.pxHeight);
      // the border's right column and bottom row stay on screen, above the bottom bar
      expect(L.field.x + L.field.w).toBeLessThanOrEqual(cols - 1);
      expect(L.field.y + L.field.h).toBeLessThanOrEqual(rows - 2);
      expect(L.field.y - 1).toBeGreaterThanOrEqual(1);
      // as large as fits (within the one pixel that keeps whole cells)
      expect(L.pxWidth >= cols - 3 || L.pxHeight >= 2 * (rows - 4) - 1).toBe(true);
    }
    expect(layout(80, 24).panel).not.toBeNull();
    expect(layout(40, 20).panel).toBeNull();
  });

  it('half blocks: top pixel as foreground, bottom as background, a space when both agree', () => {
    const c = new PixelCanvas(2, 3, 0);
    c.set(0, 0, 9);
    const s = new Screen(2, 2);
    blitHalfBlocks(c, s, 0, 0);
    expect(s.toText()).toBe('▀ \n  ');
    expect([s.fg[0], s.bg[0], s.bg[1], s.bg[2]]).toEqual([9, 0, 0, 0]);
  });
});

const PLAYING = [
  ' tick 1234  ping 2.5 ms  60 snap/s  4.2 KB/s in  players 2  msgpack',
  '┌────────────────────────────────────────┐ PLAYERS 2',
  '│                                        │ >P1  hp  80     12',
  '│                                        │  P2  hp  40      7',
  '│     ▀▀▀▀                               │',
  '│                                        │ LEVEL 2  MATCH 1  playing',
  '│                                        │',
  '│                                        │',
  '│                                        │',
  '│                                        │',
  '│                                        │',
  '│                           ▀▀           │',
  '│              ▀                         │',
  '│                                        │',
  '│                                        │',
  '│                                        │',
  '│                                        │',
  '│                                        │ KEYS',
  '│                                        │  arrows/WASD  move',
  '│             ▀ ▀      ▀  ▀              │  space        fire/ready',
  '│                                        │  q            quit',
  '│                                        │  keys: held 150 ms',
  '└──────────────^─────────────────────────┘',
  ' P1 hp ████████░░ 80  score 12  level 2',
];

const PLAYING_PIXELS = [
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '.....rrrr...............................',
  '.....rrrr...............................',
  '.....rrrr...............................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '...........................bb...........',
  '...........................bb...........',
  '...........................bb...........',
  '........................................',
  '........................................',
  '..............|.........................',
  '..............|.........................',
  '..............|.........................',
  '..............|.........................',
  '..............|.........................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '........................................',
  '..............S........PP...............',
  '.............SSS......PPPP..............',
  '............SSSSS....PPPPPP.............',
  '............SSSSS....PPPPPP.............',
  '........................................',
  '........................................',
];

const LOBBY = [
  ' t 1234 2.5ms 60/s 4.2KB/s 2p',
  '┌────────────────────────────────┐ PLAYERS 2',
  '│HOST MIGRATION - reconnecting...│ >P1  hp  80     12',
  '│                                │  P2  hp  40      7  ready',
  '│                                │',
  '│                                │ LEVEL 2  MATCH 1  lobby',
  '│                                │',
  '│                                │',
  '│             LOBBY              │',
  '│           1/2 ready            │',
  '│      press SPACE to ready      │',
  '│                                │',
  '│            ▀                   │',
  '│                                │ KEYS',
  '│                                │  arrows/WASD  move',
  '│           ▀      ▀▀            │  space        fire/ready',
  '│         ▀   ▀   ▀  ▀           │  q            quit',
  '│         ▀▀▀▀▀   ▀▀▀▀           │  keys: kitty releases',
  '└────────────^───────────────────┘',
  ' P1 hp ████████░░ 80  score 12  level 2',
];

const LOSE = [
  ' t 1234 2.5ms 60/s 4.2KB/s 2p',
  '   ┌────────────────────────────────┐',
  '   │                                │',
  '   │                                │',
  '   │                                │',
  '   │                                │',
  '   │                                │',
  '   │                                │',
  '   │           YOU LOSE             │',
  '   │            P2 wins             │',
  '   │   press SPACE to play again    │',
  '   │                                │',
  '   │            ▀                   │',
  '   │                                │',
  '   │                                │',
  '   │           ▀      ▀▀            │',
  '   │         ▀   ▀   ▀  ▀           │',
  '   │         ▀▀▀▀▀   ▀▀▀▀           │',
  '   └────────────^───────────────────┘',
  ' P1 hp ░░░░░░░░░░ 0  score 12  level 2',
];

const SMALL = [
  '',
  '',
  '',
  '  terminal too small: 30x10',
  '     need at least 40x20',
  'enlarge it, or press q to quit',
  '',
  '',
  '',
  '',
];

const TINY = [
  'terminal too',
  'small: 12x4',
  '  need at',
  'least 40x20',
];

const RASTER = [
  '..............................',
  '..............................',
  '..............................',
  '..............................',
  '....rrr...........:...........',
  '....rrr...........:...........',
  '..................:...........',
  '..................:...........',
  '..............................',
  '..............................',
  '..............................',
  '..............................',
  '....................bb........',
  '....................bb........',
  '..............................',
  '..............................',
  '...........|..................',
  '...........|..................',
  '...........|..................',
  '...........|..................',
  '..............................',
  '..............................',
  '..............................',
  '..............................',
  '........................ggg...',
  '..........SS.....PP.....ggg...',
  '..........SSx....PP...........',
  '.........SSSS...PPPP..........',
  '.........SSSSx..PPPP..........',
  '..........xxxx................',
];
