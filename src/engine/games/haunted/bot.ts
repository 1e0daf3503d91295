// A bot that plays haunted. In the lobby it picks a team by the parity of its eid (odd:
// seeker, even: hider), holds that bit, and taps READY (a fresh press every other tick) until
// it is ready. In the round a seeker heads for the nearest hider it can see (the game's own
// visibility rule), a hider runs from the nearest seeker it can see: along the axis with the
// longer way first, the other axis when a wall is in the way. With nothing in sight it
// wanders (a new heading every 90 ticks from a hash of its id and the leg). Stateless and
// deterministic; reads networked state only.

import type { SnapshotView } from '../../snapshot-view.js';
import { boxHitsWall } from './map.js';
import { Button, PLAYER_SIZE, Phase, SPEED, Team, hauntedSchema } from './schema.js';
import { hauntedVisibility } from './visibility.js';

const PLAYER = hauntedSchema.archetypeNames.indexOf('player') + 1;
const HEADINGS = [Button.UP, Button.RIGHT, Button.DOWN, Button.LEFT] as const;
const LEG_TICKS = 90;
let scratch = new Uint8Array(0);

function canMove(x: number, y: number, b: number): boolean {
  const dx = b === Button.RIGHT ? SPEED : b === Button.LEFT ? -SPEED : 0;
  const dy = b === Button.DOWN ? SPEED : b === Button.UP ? -SPEED : 0;
  const nx = x + dx;
  const ny = y + dy;
  if (nx < 0 || ny < 0 || nx > 1728 - PLAYER_SIZE || ny > 972 - PLAYER_SIZE) return false;
  return !boxHitsWall(nx, ny);
}

/** A move toward (sign +1) or away from (sign -1) the offset (dx, dy), around walls. */
function steer(x: number, y: number, dx: number, dy: number, sign: number, self: number, tick: number): number {
  const h = sign * dx > 0 ? Button.RIGHT : Button.LEFT;
  const v = sign * dy > 0 ? Button.DOWN : Button.UP;
  const order = Math.abs(dx) >= Math.abs(dy) ? [h, v] : [v, h];
  for (const b of order) if ((sign < 0 || (b === h ? dx : dy) !== 0) && canMove(x, y, b)) return b;
  return wander(x, y, self, tick);
}

function wander(x: number, y: number, self: number, tick: number): number {
  let hsh = Math.imul(self ^ 0x9e3779b9, 0x85ebca6b) ^ Math.floor(tick / LEG_TICKS);
  hsh = Math.imul(hsh ^ (hsh >>> 15), 0xc2b2ae35);
  hsh ^= hsh >>> 13;
  const start = (hsh >>> 0) % 4;
  for (let i = 0; i < 4; i++) {
    const b = HEADINGS[(start + i) % 4]!;
    if (canMove(x, y, b)) return b;
  }
  return 0;
}

export function hauntedBot(view: SnapshotView, self: number): number {
  const team = view.field('Player.team');
  const phase = view.global('phase');
  const myTeam = team[self]!;
  if (phase === Phase.LOBBY) {
    const want = self % 2 === 1 ? Button.SEEKER : Button.HIDER;
    const ready = view.field('Player.ready')[self]!;
    const wantTeam = want === Button.SEEKER ? Team.SEEKER : Team.HIDER;
    if (myTeam !== wantTeam || ready) return want;
    return view.tick % 2 === 0 ? want | Button.READY : want;
  }
  if (phase !== Phase.ROUND || myTeam === Team.NONE) return 0;
  if (view.field('Player.caught')[self]) return 0;
  const arch = view.field('Entity.archetype');
  const caught = view.field('Player.caught');
  const x = view.field('Position.x');
  const y = view.field('Position.y');
  if (scratch.length < view.maxEid + 1) scratch = new Uint8Array(view.maxEid + 1);
  hauntedVisibility(view, self, scratch);
  const targetTeam = myTeam === Team.SEEKER ? Team.HIDER : Team.SEEKER;
  const mx = x[self]!;
  const my = y[self]!;
  let best = -1;
  let bestD = Infinity;
  for (let e = 1; e <= view.maxEid; e++) {
    if (!scratch[e] || arch[e] !== PLAYER || team[e] !== targetTeam || caught[e]) continue;
    const d = Math.abs(x[e]! - mx) + Math.abs(y[e]! - my);
    if (d < bestD) {
      bestD = d;
      best = e;
    }
  }
  if (best < 0) return wander(mx, my, self, view.tick);
  return steer(mx, my, x[best]! - mx, y[best]! - my, myTeam === Team.SEEKER ? 1 : -1, self, view.tick);
}
