import { describe, expect, it } from 'vitest';
import { diffScreens } from '../../src/render-term/diff.js';
import { layout, renderFrame, type FrameModel } from '../../src/render-term/frame.js';
import { PALETTE } from '../../src/render-term/raster.js';
import { GAME_VIEWS, gameView, HAUNTED as HAUNTED_COLORS, RACE as RACE_COLORS } from '../../src/render-term/games.js';
import { Phase } from '../../src/engine/games/shooter/schema.js';
import type { HudInfo } from '../../src/render-term/hud.js';
import { rgb, Screen, type Color } from '../../src/render-term/screen.js';
import { entity, type WorldState } from '../../src/client-core/world.js';

const hud: HudInfo = { mode: 'msgpack', pingMs: 2.5, snapshotsPerSec: 60, kbPerSecIn: 4.2, migrating: false, status: null, keyReleases: false, holdMs: 150 };
const names = new Map([
  [7, 'ann'],
  [8, 'bob'],
]);

const gather: WorldState = {
  tick: 600,
  phase: 0,
  level: 0,
  matchNo: 0,
  globals: { cols: 59, rows: 39, round: 2 },
  entities: [
    entity({ id: 1, kind: 'player', x: 100, y: 100, owner: 7, score: 3, wins: 1 }),
    entity({ id: 2, kind: 'player', x: 400, y: 300, owner: 8, score: 1 }),
    entity({ id: 3, kind: 'gatherable', x: 0, y: 0 }),
    entity({ id: 4, kind: 'gatherable', x: 580, y: 380 }),
    entity({ id: 5, kind: 'gatherable', x: 300, y: 200 }),
  ],
};

const squares: WorldState = {
  tick: 90,
  phase: 0,
  level: 0,
  matchNo: 0,
  globals: { width: 640, height: 480 },
  entities: [
    entity({ id: 1, kind: 'square', x: 0, y: 0, owner: 7, size: 50, rgb: 0x00ffff }),
    entity({ id: 2, kind: 'square', x: 300, y: 200, owner: 8, size: 100, rgb: 0xff0000 }),
  ],
};

const race: WorldState = {
  tick: 300,
  phase: 1,
  level: 0,
  matchNo: 0,
  globals: { phase: 1, raceNo: 3, pause: 0 },
  entities: [
    entity({ id: 1, kind: 'racer', x: 360, y: 480, owner: 7, score: 250, wins: 1, ex: 410, ey: 100 }),
    entity({ id: 2, kind: 'racer', x: 460, y: 480, owner: 8, score: 120, ex: 310, ey: 300, crashed: 20 }),
  ],
};

// haunted mid-round, as ann (a seeker) sees it: her teammate dee, hider bob in a light,
// hider cy caught under another light; eve (in the roster) is out of sight, not sent
const haunted: WorldState = {
  tick: 2400,
  phase: 2,
  level: 0,
  matchNo: 0,
  globals: { width: 1728, height: 972, phase: 2, countdown: 0, timeLeft: 9000, winner: 0, round: 1 },
  entities: [
    entity({ id: 1, kind: 'player', x: 100, y: 460, owner: 7, team: 1 }),
    entity({ id: 2, kind: 'player', x: 400, y: 470, owner: 8, team: 2 }),
    entity({ id: 3, kind: 'player', x: 1290, y: 290, owner: 9, team: 2, caught: 1 }),
    entity({ id: 4, kind: 'player', x: 60, y: 80, owner: 10, team: 1 }),
  ],
};
const hauntedNames = new Map([...names, [9, 'cy'], [10, 'dee'], [11, 'eve']]);

const frame = (game: string, world: WorldState, m: Partial<FrameModel> = {}, cols = 80, rows = 24): Screen => {
  const s = new Screen(cols, rows);
  renderFrame(s, { world, me: 7, ...m, hud: { ...hud, game, names, ...m.hud } });
  return s;
};

const LEGEND = new Map<Color, string>([
  // gather: the board's two tiles, gatherables, own player, the other player (second by id)
  [234, '.'],
  [235, ','],
  [226, 'g'],
  [PALETTE.own, 'A'],
  [PALETTE.ships[1]!, 'B'],
  // squares: the map, the squares' own colours, the own square's outline
  [233, '.'],
  [rgb(0, 255, 255), 'A'],
  [rgb(255, 0, 0), 'B'],
  [PALETTE.other, '#'],
  // race: grass, road, own enemy, other enemy, a crashed car
  [RACE_COLORS.grass, '.'],
  [RACE_COLORS.road, '='],
  [RACE_COLORS.ownEnemy, 'E'],
  [RACE_COLORS.enemy, 'e'],
  [RACE_COLORS.crashed, 'x'],
]);

/** The playfield's pixels read back from the half-block cells. */
function fieldPixels(s: Screen, worldW: number, worldH: number): string[] {
  const f = layout(s.width, s.height, worldW, worldH).field;
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
  return rows;
}

const chat = Array.from({ length: 10 }, (_, i) => ({ from: i === 0 ? 0 : 8, name: i === 0 ? '*' : 'bob', text: i === 0 ? 'ann joined' : `msg ${i}`, tick: i }));
chat.push({ from: 7, name: 'a\x1bnn', text: 'hi\x07 \x1b[31mred\u009b2J\x7f!', tick: 11 });


const GATHER = [
  ' tick 600  ping 2.5 ms  60 snap/s  4.2 KB/s in  players 2  msgpack',
  '                                                      PLAYERS 2',
  '┌───────────────────────────────────────────────────┐ >ann       3 pts   1 won',
  '│                                                   │  bob       1 pts   0 won',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│ ROUND 2  first to 5',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│',
  '│                                                   │',
  '│                                                   │',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│',
  '│                                                   │',
  '│                                                   │',
  '│                                                   │',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│ KEYS',
  '│▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀│  arrows/WASD  turn',
  '│                                                   │  enter        chat',
  '└───────────────────────────────────────────────────┘  q            quit',
  '                                                       keys: held 150 ms',
  '',
  ' ann points 3/5  rounds won 1  round 2     arrows/WASD turn  enter chat  q quit'
];
const GATHER_PIXELS = [
  'gg,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  'gg,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,AA,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  ',,.,,.,,AA,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..gg.,,.,,..,..,..,,.,,.,,',
  '..,..,..,,.,,.,,..,..,..gg.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..BB.,,.,,..,..,..',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..BB.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..',
  '..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,gg',
  ',,.,,.,,..,..,..,,.,,.,,..,..,..,,.,,.,,..,..,gg'
];
const SQUARES = [
  ' tick 90  ping 2.5 ms  60 snap/s  4.2 KB/s in  players 2  msgpack',
  '┌─────────────────────────────────────────────────────┐ PLAYERS 2',
  '│ ▀▀                                                  │ >ann       50px #00ffff',
  '│ ▀▀                                                  │  bob      100px #ff0000',
  '│                                                     │',
  '│                                                     │ MAP 640 x 480',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │',
  '│                         ▀▀▀▀▀▀▀▀                    │',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │',
  '│                         ▀▀▀▀▀▀▀▀                    │',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │ KEYS',
  '│                                                     │  arrows/WASD  move',
  '│                                                     │  enter        chat',
  '│                                                     │  q            quit',
  '│                                                     │  keys: held 150 ms',
  '└─────────────────────────────────────────────────────┘',
  ' ann square #00ffff  size 50  at 0,0       arrows/WASD move  enter chat  q quit'
];
const SQUARES_PIXELS = [
  '###........................................',
  '#A#........................................',
  '###........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '....................BBBBBBB................',
  '....................BBBBBBB................',
  '....................BBBBBBB................',
  '....................BBBBBBB................',
  '....................BBBBBBB................',
  '....................BBBBBBB................',
  '....................BBBBBBB................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................',
  '...........................................'
];
const RACE = [
  ' tick 300  ping 2.5 ms  60 snap/s  4.2 KB/s in  players 2  msgpack',
  '┌─────────────────────────────────────────────────────┐ PLAYERS 2',
  '│                                                     │ >ann       250  1w',
  '│                                                     │  bob       120  0w crash',
  '│                                                     │',
  '│                           ▀▀▀                       │ RACE 3  racing  to 1000',
  '│                                                     │',
  '│                                                     │',
  '│                           ▀▀▀                       │',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │',
  '│                                                     │',
  '│                     ▀▀▀                             │',
  '│                                                     │',
  '│                                                     │ KEYS',
  '│                                                     │  left/right   steer',
  '│                                                     │  enter        chat',
  '│                                                     │  q            quit',
  '│                        ▀▀▀   ▀▀▀▀                   │  keys: held 150 ms',
  '└─────────────────────────────────────────────────────┘',
  ' ann points 250/1000  wins 1  race 3       left/right steer  enter chat  q quit'
];
const RACE_CHAT = [
  ' tick 300  ping 2.5 ms  60 snap/s  4.2 KB/s in  players 2  msgpack',
  '┌─────────────────────────────────────────────────────┐ PLAYERS 2',
  '│                                                     │ >ann       250  1w',
  '│                                                     │  bob       120  0w crash',
  '│                                                     │',
  '│                           ▀▀▀                       │ RACE 3  racing  to 1000',
  '│                                                     │',
  '│                                                     │ CHAT',
  '│                           ▀▀▀                       │ bob: msg 3',
  '│                                                     │ bob: msg 4',
  '│                                                     │ bob: msg 5',
  '│                                                     │ bob: msg 6',
  '│                                                     │ bob: msg 7',
  '│                                                     │ bob: msg 8',
  '│                                                     │ bob: msg 9',
  '│                     ▀▀▀                             │ ann: hi [31mred2J!',
  '│                                                     │',
  '│                                                     │ KEYS',
  '│                                                     │  left/right   steer',
  '│                                                     │  enter        chat',
  '│                                                     │  q            quit',
  '│                        ▀▀▀   ▀▀▀▀                   │  keys: held 150 ms',
  '└─────────────────────────────────────────────────────┘',
  ' say: hello wor█                                         enter send  esc cancel'
];
const RACE_PIXELS = [
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................=====EEE==................',
  '.................=====EEE==................',
  '.................=====EEE==................',
  '.................=====EEE==................',
  '.................=====EEE==................',
  '.................=====EEE==................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................ee========................',
  '.................ee========................',
  '.................ee========................',
  '.................ee========................',
  '.................ee========................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................==========................',
  '.................==AAA===xx................',
  '.................==AAA===xx................',
  '.................==AAA===xx................',
  '.................==AAA===xx................',
  '.................==AAA===xx................',
  '.................==========................'
];

const HAUNTED_FRAME = [
  ' tick 2400  ping 2.5 ms  60 snap/s  4.2 KB/s in  players 5  msgpack                lanparty haunted',
  '┌───────────────────────────────────────────────────────────────────────┐ PLAYERS 5  4 in sight',
  '│                           ▀▀▀                                         │ >ann      seeker',
  '│  ▀                      ▀                                             │  bob      hider',
  '│            ▀                                                          │  cy       hider   caught',
  '│                         ▀     ▀                          ▀            │  dee      seeker',
  '│                            ▀▀                     ▀▀▀▀▀               │',
  '│                     ▀▀▀▀▀▀▀▀▀▀▀▀▀▀                                    │ ROUND 1  2:30 left',
  '│                                                     ▀          ▀▀▀▀▀  │ S 2  H 2 (1 out)',
  '│                                         ▀        ▀    ▀               │',
  '│            ▀ ▀    ▀                                             ▀▀ ▀▀ │',
  '│    ▀           ▀                               ▀▀▀▀▀▀▀▀▀▀▀▀▀         ▀│',
  '│                                                                ▀     ▀│',
  '│            ▀  ▀▀▀▀▀                                              ▀▀▀  │',
  '│                                  ▀                                    │',
  '│                                                                ▀▀▀▀▀  │ KEYS',
  '│                     ▀▀▀▀▀▀▀▀▀▀▀▀▀▀         ▀▀▀▀                       │  arrows/WASD  move',
  '│                                          ▀      ▀                     │  1 / 2        team S / H',
  '│                                                                       │  space        ready',
  '│            ▀                             ▀      ▀        ▀            │  enter        chat',
  '│                                            ▀▀▀▀                       │  q            quit',
  '│                                                                       │  keys: held 150 ms',
  '└───────────────────────────────────────────────────────────────────────┘',
  ' ann seeker  ROUND 1  2:30 left  in sight S 2  H 2 (1 out)            1/2 team  space ready  q quit'
];
const HAUNTED_PIXELS = [
  '.......................................................................',
  '...........................ooo.........................................',
  '..........................oooooo.......................................',
  '..S......................ooooooo.......................................',
  '.........................ooooooo.........#.............................',
  '............#............ooooooo.........#.............................',
  '............#............ooooooo.........#.............................',
  '............#.............ooooo..........#................#............',
  '............#...............oo...........#................#............',
  '............#............................#.........ooooo..#............',
  '............#........##############......#........ooooooo.#............',
  '............#............................#........ooooooo.#............',
  '............#............................#........oooxooo.#.....#####..',
  '............#............................#........ooooooo.#............',
  '............#............................#........oooooo..#............',
  '............#......................................oooo...#............',
  '............#..oooo...............#................................o...',
  '..............oooooo..............#..............................ooooo.',
  '..............ooooooo.............#.............................oooooo.',
  '....A.........ooHoooo.............#.............#############...ooooooo',
  '..............ooooooo.............#.............................ooooooo',
  '..............ooooooo.............#..............................ooooo.',
  '...............ooooo..............#...............................ooo..',
  '............#.....................#....................................',
  '............#.....................#....................................',
  '............#..........................................................',
  '............#............................#................#............',
  '............#............................#................#.....#####..',
  '............#............................#................#............',
  '............#........##############......#..oooo..........#............',
  '............#............................#.oooooo.........#............',
  '............#............................#oooooooo........#............',
  '............#............................#oooooooo........#............',
  '............#............................#oooooooo........#............',
  '............#............................#oooooooo........#............',
  '.........................................#.oooooo......................',
  '............................................oooo.......................',
  '.......................................................................',
  '.......................................................................',
  '.......................................................................'
];

/** The haunted field's pixels: floor, lights, walls, seekers, hiders, caught hiders, no team, own. */
const HAUNTED_LEGEND = new Map<Color, string>([
  [HAUNTED_COLORS.floor, '.'],
  [HAUNTED_COLORS.light, 'o'],
  [HAUNTED_COLORS.wall, '#'],
  [HAUNTED_COLORS.seeker, 'S'],
  [HAUNTED_COLORS.hider, 'H'],
  [HAUNTED_COLORS.caught, 'x'],
  [HAUNTED_COLORS.none, 'n'],
  [PALETTE.own, 'A'],
]);
function hauntedPixels(s: Screen): string[] {
  const f = layout(s.width, s.height, 1728, 972).field;
  const rows: string[] = [];
  for (let y = f.y; y < f.y + f.h; y++) {
    for (const half of [0, 1]) {
      let r = '';
      for (let x = f.x; x < f.x + f.w; x++) {
        const i = y * s.width + x;
        const c = s.chars[i] === ' ' ? s.bg[i]! : half === 0 ? s.fg[i]! : s.bg[i]!;
        r += HAUNTED_LEGEND.get(c) ?? '?';
      }
      rows.push(r);
    }
  }
  return rows;
}

describe('golden frames of the other games (80 x 24 text, 60 x 20 pixels)', () => {
  it('gather: the board, players (own highlighted), 3 gatherables; points and rounds in the panel and the bar', () => {
    expect(frame('gather', gather).toText(true).split('\n')).toEqual(GATHER);
    expect(fieldPixels(frame('gather', gather, {}, 60, 20), 600, 400)).toEqual(GATHER_PIXELS);
  });

  it('squares: squares in their host-given colours and sizes, the own one outlined', () => {
    expect(frame('squares', squares).toText(true).split('\n')).toEqual(SQUARES);
    expect(fieldPixels(frame('squares', squares, {}, 60, 20), 640, 480)).toEqual(SQUARES_PIXELS);
  });

  it('race: the road, each car and its own enemy car (own enemy bright), a crashed car grey, scores', () => {
    expect(frame('race', race).toText(true).split('\n')).toEqual(RACE);
    expect(fieldPixels(frame('race', race, {}, 60, 20), 800, 600)).toEqual(RACE_PIXELS);
  });

  it('haunted (100 x 24): walls, lights as dim circles, players by team (caught grey), own highlighted; phase, time left, team counts', () => {
    const s = frame('haunted', haunted, { hud: { ...hud, names: hauntedNames } }, 100, 24);
    expect(s.toText(true).split('\n')).toEqual(HAUNTED_FRAME);
    expect(hauntedPixels(s)).toEqual(HAUNTED_PIXELS);
    // the other phases' clocks
    const at = (globals: Record<string, number>) =>
      frame('haunted', { ...haunted, phase: globals.phase!, globals: { ...haunted.globals, ...globals } }, { hud: { ...hud, names: hauntedNames } }, 100, 24).toText();
    expect(at({ phase: 0 })).toContain('LOBBY');
    expect(at({ phase: 1, countdown: 200 })).toContain('COUNTDOWN 4 s');
    expect(at({ phase: 3, countdown: 100, winner: 1 })).toContain('SEEKERS WIN  lobby in 2 s');
  });

  it('world sizes come from the networked globals (a 20 x 10 gather board, a 320 x 320 squares map)', () => {
    const small = { ...gather, globals: { cols: 20, rows: 10, round: 1 }, entities: [entity({ id: 1, kind: 'player', x: 190, y: 90, owner: 7 })] };
    // 20 x 10 cells: 210 x 110 px, the own player in the bottom-right corner
    const px = fieldPixels(frame('gather', small, {}, 60, 20), 210, 110);
    expect(px.at(-1)!.endsWith('A')).toBe(true);
    expect(px[0]!.endsWith('A')).toBe(false);
    const sq = { ...squares, globals: { width: 320, height: 320 }, entities: [entity({ id: 1, kind: 'square', x: 270, y: 270, owner: 8, size: 50, rgb: 0xff0000 })] };
    const spx = fieldPixels(frame('squares', sq, {}, 60, 20), 320, 320);
    expect(spx.length).toBe(spx[0]!.length); // square map, square field
    expect(spx.at(-1)!.endsWith('B')).toBe(true);
  });

  it('size options (the client\'s worldWidth / worldHeight) size the shooter only; the other games keep their globals\' size', () => {
    const big = { worldWidth: 2000, worldHeight: 2000 };
    const small = { ...gather, globals: { cols: 20, rows: 10, round: 1 }, entities: [entity({ id: 1, kind: 'player', x: 190, y: 90, owner: 7 })] };
    expect(fieldPixels(frame('gather', small, big, 60, 20), 210, 110).at(-1)!.endsWith('A')).toBe(true);
    expect(gameView('gather').size(small, { width: 2000, height: 2000 })).toEqual({ width: 210, height: 110 });
    expect(gameView('shooter').size(null, { width: 2000, height: 1000 })).toEqual({ width: 2000, height: 1000 });
    expect(gameView('shooter').size(null, {})).toEqual({ width: 750, height: 750 });
  });

  it('game rules the client needs live in the views: the shooter predicts its ship while playing and not out, and FIRE readies outside a match', () => {
    const shooter = gameView('shooter');
    const world = (phase: number): WorldState => ({ tick: 1, phase, level: 1, matchNo: 1, entities: [] });
    const ship = entity({ id: 1, kind: 'player', owner: 7 });
    expect(shooter.predict!.movable(world(Phase.PLAYING), ship)).toBe(true);
    expect(shooter.predict!.movable(world(Phase.PLAYING), { ...ship, lost: true })).toBe(false);
    expect(shooter.predict!.movable(world(Phase.LOBBY), ship)).toBe(false);
    expect(shooter.predict!.movable(world(Phase.PLAYING), undefined)).toBe(false);
    expect(shooter.playing!(world(Phase.PLAYING))).toBe(true);
    expect(shooter.playing!(world(Phase.OVER))).toBe(false);
    expect(shooter.playing!(null)).toBe(false);
    for (const [name, view] of Object.entries(GAME_VIEWS)) {
      if (name === 'shooter') continue;
      expect(view.predict, `${name} predicts nothing`).toBeUndefined();
      expect(view.playing, `${name} has no shooter lobby`).toBeUndefined();
    }
  });

  it('race over: the winner box with the countdown', () => {
    const over = { ...race, phase: 2, globals: { phase: 2, raceNo: 3, pause: 120 }, entities: race.entities.map((e) => (e.owner === 8 ? { ...e, won: true } : e)) };
    const t = frame('race', over).toText();
    expect(t).toContain('RACE OVER');
    expect(t).toContain('bob wins');
    expect(t).toContain('next race in 2 s');
  });
});

describe('chat in the frame', () => {
  it('scrollback: the newest 8 messages in the panel; the input line replaces the bottom bar', () => {
    expect(frame('race', race, { hud: { ...hud, chat, chatInput: 'hello wor' } }).toText(true).split('\n')).toEqual(RACE_CHAT);
  });

  it('no control character reaches the screen or the terminal output', () => {
    const s = frame('gather', gather, { hud: { ...hud, chat, chatInput: 'x\x1b[2Jy\u0085', status: 'bad\x1b]0;t\x07' } });
    // eslint-disable-next-line no-control-regex
    expect(s.chars.join('')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const ansi = diffScreens(null, s, { colors: '256' });
    // eslint-disable-next-line no-control-regex
    const text = ansi.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).not.toContain('\x1b]');
  });
});
