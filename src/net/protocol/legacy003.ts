// The seed 003 client's protocol, spoken over JSON-mode framing (json-frame.ts). Facts of
// the original client's code (its README differs in places):
//
//   client                                   host
//   "hello"  (a bare string, not JSON)  ->
//                                       <-   {"ip": "<client ip>", "port": <client port>}
//                                            (once the client has its slot: server/legacy.ts)
//   then, 60 times a second, lockstep:
//   {"connection": bool, "ready": bool} ->
//   [512 booleans]  (pygame.key.get_pressed(), indexed by SDL scancode:
//                    4 A left, 7 D right, 26 W up, 22 S down, 44 SPACE shoot) ->
//                                       <-   data      {"ready","level","user1","user2","x1","y1","health1",
//                                                       "lost1","x2","y2","health2","lost2","win1","win2"}
//                                       <-   lasers of player 1   [{"x","y"}]   } only when the client
//                                       <-   lasers of player 2   [{"x","y"}]   } is user1 or user2
//                                       <-   enemies   [{"ex","ey","ecolor": "red"|"green"|"blue"}]
//
// user1/user2 are [ip, port] of the client in slot 1/2 (a client finds its slot by comparing
// with the address the host told it), or the string "0.0.0.0" when the slot is empty. A
// client in neither slot reads data then enemies only (its code skips the laser reads), so
// the host sends it two messages. {"connection": false} means the client is leaving.
//
// The original client resets its "ready" flag only while it sees lost1/lost2 set, and the
// original host cleared those flags right after a loss; so after a match, a connection is
// shown the lost flags once and then the cleared flags, or it could never ready up again.

import { ErrorCode, protocolError, type ProtocolError } from '../errors.js';
import type { SnapshotView } from '../../engine/snapshot-view.js';
import { Button, Phase, colorNames, shooterSchema } from '../../engine/games/shooter/schema.js';

const [PLAYER, ENEMY, LASER] = ['player', 'enemy', 'laser'].map((a) => shooterSchema.archetypeNames.indexOf(a) + 1);

export const SCANCODE = { A: 4, D: 7, W: 26, S: 22, SPACE: 44 } as const;
/** The original sends 512 keys; accept a little slack either way, never unbounded. */
export const MAX_KEYS = 1024;

export type LegacyAddress = [string, number] | '0.0.0.0';

export interface UserData {
  connection: boolean;
  ready: boolean;
}

export function isHello(payload: Buffer): boolean {
  return payload.length === 5 && payload.toString('latin1') === 'hello';
}

export function parseUserData(v: unknown): UserData | ProtocolError {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return protocolError(ErrorCode.INVALID_MESSAGE, 'user data must be a map');
  }
  const m = v as Record<string, unknown>;
  if (typeof m.connection !== 'boolean' || typeof m.ready !== 'boolean') {
    return protocolError(ErrorCode.INVALID_MESSAGE, 'user data needs boolean "connection" and "ready"');
  }
  return { connection: m.connection, ready: m.ready };
}

/** The pressed-keys array to the shooter's buttons. */
export function keysToButtons(v: unknown): number | ProtocolError {
  if (!Array.isArray(v) || v.length <= SCANCODE.SPACE || v.length > MAX_KEYS) {
    return protocolError(ErrorCode.INVALID_MESSAGE, `keys must be an array of ${SCANCODE.SPACE + 1} to ${MAX_KEYS} booleans`);
  }
  for (let i = 0; i < v.length; i++) {
    const k = v[i];
    if (typeof k !== 'boolean' && k !== 0 && k !== 1) {
      return protocolError(ErrorCode.INVALID_MESSAGE, 'keys must hold booleans');
    }
  }
  let b = 0;
  if (v[SCANCODE.A]) b |= Button.LEFT;
  if (v[SCANCODE.D]) b |= Button.RIGHT;
  if (v[SCANCODE.W]) b |= Button.UP;
  if (v[SCANCODE.S]) b |= Button.DOWN;
  if (v[SCANCODE.SPACE]) b |= Button.FIRE;
  return b;
}

interface SlotState {
  x: number;
  y: number;
  health: number;
  lost: boolean;
  won: boolean;
  owner: number;
}

/** What the 003 messages of one tick need, read once from a snapshot and shared by connections. */
export interface LegacyTick {
  tick: number;
  phase: number;
  level: number;
  slots: [SlotState | null, SlotState | null];
  lasers: [string, string];
  enemies: string;
}

export function readLegacyTick(view: SnapshotView): LegacyTick {
  const arch = view.field('Entity.archetype');
  const owner = view.field('Entity.owner');
  const x = view.field('Position.x');
  const y = view.field('Position.y');
  const slot = view.field('Player.slot');
  const health = view.field('Player.health');
  const lost = view.field('Player.lost');
  const won = view.field('Player.won');
  const color = view.field('Enemy.color');
  const laserSlot = view.field('Laser.slot');
  const slots: [SlotState | null, SlotState | null] = [null, null];
  const lasers: [Array<{ x: number; y: number }>, Array<{ x: number; y: number }>] = [[], []];
  const enemies: Array<{ ex: number; ey: number; ecolor: string }> = [];
  for (let e = 1; e <= view.maxEid; e++) {
    const a = arch[e];
    if (a === PLAYER) {
      const s = slot[e]!;
      if (s === 1 || s === 2) {
        slots[s - 1] = {
          x: Math.round(x[e]!),
          y: Math.round(y[e]!),
          health: health[e]!,
          lost: lost[e] === 1,
          won: won[e] === 1,
          owner: owner[e]!,
        };
      }
    } else if (a === ENEMY) {
      enemies.push({ ex: Math.round(x[e]!), ey: Math.round(y[e]!), ecolor: colorNames[color[e]!] ?? 'red' });
    } else if (a === LASER) {
      const s = laserSlot[e]!;
      if (s === 1 || s === 2) lasers[s - 1]!.push({ x: Math.round(x[e]!), y: Math.round(y[e]!) });
    }
  }
  return {
    tick: view.tick,
    phase: view.global('phase'),
    level: view.global('level'),
    slots,
    lasers: [JSON.stringify(lasers[0]), JSON.stringify(lasers[1])],
    enemies: JSON.stringify(enemies),
  };
}

/** Per-connection memory the mapping needs. */
export interface LegacyViewer {
  /** Match number whose lost flags this connection has already been shown. */
  shownLostOfMatch: number;
}

/**
 * The data message for one connection. `address` resolves the owner client of a slot to the
 * [ip, port] its own client was told (or a stand-in for bots and other kinds of client).
 */
export function legacyData(
  t: LegacyTick,
  matchNo: number,
  viewer: LegacyViewer,
  address: (owner: number) => LegacyAddress,
): Record<string, unknown> {
  const [s1, s2] = t.slots;
  let showLost = t.phase === Phase.PLAYING;
  if (t.phase === Phase.OVER && viewer.shownLostOfMatch !== matchNo) {
    showLost = true;
    viewer.shownLostOfMatch = matchNo;
  }
  return {
    ready: t.phase === Phase.PLAYING,
    level: t.level,
    user1: s1 ? address(s1.owner) : '0.0.0.0',
    user2: s2 ? address(s2.owner) : '0.0.0.0',
    x1: s1?.x ?? 0,
    y1: s1?.y ?? 0,
    health1: s1?.health ?? 100,
    lost1: showLost && (s1?.lost ?? false),
    x2: s2?.x ?? 0,
    y2: s2?.y ?? 0,
    health2: s2?.health ?? 100,
    lost2: showLost && (s2?.lost ?? false),
    win1: t.phase === Phase.OVER && (s1?.won ?? false),
    win2: t.phase === Phase.OVER && (s2?.won ?? false),
  };
}
