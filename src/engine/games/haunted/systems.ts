// The haunted game's systems, in order: the phase machine (lobby inputs, countdown, end of
// the result screen), movement, and the round (catches, clock, winner). Every loop walks eids
// in increasing order, so the outcome does not depend on anything but the state.

import { nextInt } from '../../prng.js';
import { boxHitsWall, moveBox } from './map.js';
import {
  Button,
  COUNTDOWN_TICKS,
  END_TICKS,
  HEIGHT,
  HIDER_SPAWN_MIN_X,
  PLAYER_SIZE,
  Phase,
  ROUND_TICKS,
  SEEKER_SPAWN_MAX_X,
  SPEED,
  Team,
  WIDTH,
} from './schema.js';
import type { HauntedWorld } from './world.js';

const playerArch = (w: HauntedWorld) => w.A.player + 1;

/** Everyone has a team and is ready, and both teams have someone. */
export function canStart(w: HauntedWorld): boolean {
  const arch = w.c.Entity.archetype;
  const { team, ready } = w.c.Player;
  const P = playerArch(w);
  const maxEid = w.g[w.G.maxEid]!;
  let seekers = 0;
  let hiders = 0;
  for (let e = 1; e <= maxEid; e++) {
    if (arch[e] !== P) continue;
    if (team[e] === Team.NONE || ready[e] !== 1) return false;
    if (team[e] === Team.SEEKER) seekers++;
    else hiders++;
  }
  return seekers > 0 && hiders > 0;
}

/** A random wall-free spot for a box, x in [minX, maxX]; deterministic (world PRNG). */
export function freeSpot(w: HauntedWorld, minX: number, maxX: number): [number, number] {
  for (let tries = 0; tries < 200; tries++) {
    const x = nextInt(w.rng, minX, maxX + 1);
    const y = nextInt(w.rng, 0, HEIGHT - PLAYER_SIZE + 1);
    if (!boxHitsWall(x, y)) return [x, y];
  }
  return [minX, 0]; // the arena's edges are clear of walls on this map
}

function startRound(w: HauntedWorld): void {
  const arch = w.c.Entity.archetype;
  const { team, caught } = w.c.Player;
  const { x, y } = w.c.Position;
  const P = playerArch(w);
  const maxEid = w.g[w.G.maxEid]!;
  for (let e = 1; e <= maxEid; e++) {
    if (arch[e] !== P) continue;
    caught[e] = 0;
    const [px, py] =
      team[e] === Team.SEEKER ? freeSpot(w, 0, SEEKER_SPAWN_MAX_X) : freeSpot(w, HIDER_SPAWN_MIN_X, WIDTH - PLAYER_SIZE);
    x[e] = px;
    y[e] = py;
  }
  w.g[w.G.phase] = Phase.ROUND;
  w.g[w.G.countdown] = 0;
  w.g[w.G.timeLeft] = ROUND_TICKS;
  w.g[w.G.round] = w.g[w.G.round]! + 1;
}

export const phaseSystem = (w: HauntedWorld): void => {
  const arch = w.c.Entity.archetype;
  const { team, ready, caught, buttons, prev } = w.c.Player;
  const P = playerArch(w);
  const maxEid = w.g[w.G.maxEid]!;
  const phase = w.g[w.G.phase]!;
  if (phase === Phase.LOBBY) {
    for (let e = 1; e <= maxEid; e++) {
      if (arch[e] !== P) continue;
      const b = buttons[e]!;
      const fresh = b & ~prev[e]!;
      // SEEKER wins when both team bits are held; switching team un-readies
      const want = b & Button.SEEKER ? Team.SEEKER : b & Button.HIDER ? Team.HIDER : Team.NONE;
      if (want !== Team.NONE && want !== team[e]) {
        team[e] = want;
        ready[e] = 0;
      }
      if (fresh & Button.READY && team[e] !== Team.NONE) ready[e] = ready[e] ? 0 : 1;
    }
    if (canStart(w)) {
      w.g[w.G.phase] = Phase.COUNTDOWN;
      w.g[w.G.countdown] = COUNTDOWN_TICKS;
    }
  } else if (phase === Phase.COUNTDOWN) {
    if (!canStart(w)) {
      // someone left or a newcomer joined: back to the lobby, readiness kept
      w.g[w.G.phase] = Phase.LOBBY;
      w.g[w.G.countdown] = 0;
    } else {
      const left = w.g[w.G.countdown]! - 1;
      w.g[w.G.countdown] = left;
      if (left <= 0) startRound(w);
    }
  } else if (phase === Phase.END) {
    const left = w.g[w.G.countdown]! - 1;
    w.g[w.G.countdown] = left;
    if (left <= 0) {
      w.g[w.G.phase] = Phase.LOBBY;
      w.g[w.G.countdown] = 0;
      for (let e = 1; e <= maxEid; e++) {
        if (arch[e] !== P) continue;
        ready[e] = 0;
        caught[e] = 0;
      }
    }
  }
  for (let e = 1; e <= maxEid; e++) if (arch[e] === P) prev[e] = buttons[e]!;
};

/** 4-way movement (UP, DOWN, LEFT, RIGHT in that priority) in the lobby and the round; caught hiders stay put. */
export const moveSystem = (w: HauntedWorld): void => {
  const phase = w.g[w.G.phase]!;
  if (phase !== Phase.LOBBY && phase !== Phase.ROUND) return;
  const arch = w.c.Entity.archetype;
  const { buttons, caught } = w.c.Player;
  const { x, y } = w.c.Position;
  const P = playerArch(w);
  const maxEid = w.g[w.G.maxEid]!;
  for (let e = 1; e <= maxEid; e++) {
    if (arch[e] !== P || caught[e]) continue;
    const b = buttons[e]!;
    let dx = 0;
    let dy = 0;
    if (b & Button.UP) dy = -SPEED;
    else if (b & Button.DOWN) dy = SPEED;
    else if (b & Button.LEFT) dx = -SPEED;
    else if (b & Button.RIGHT) dx = SPEED;
    else continue;
    const [nx, ny] = moveBox(x[e]!, y[e]!, dx, dy);
    x[e] = nx;
    y[e] = ny;
  }
};

/** Catches (a seeker's box touching an uncaught hider's), the clock, and the winner. */
export const roundSystem = (w: HauntedWorld): void => {
  if (w.g[w.G.phase] !== Phase.ROUND) return;
  const arch = w.c.Entity.archetype;
  const { team, caught } = w.c.Player;
  const { x, y } = w.c.Position;
  const P = playerArch(w);
  const maxEid = w.g[w.G.maxEid]!;
  let seekers = 0;
  let free = 0;
  for (let s = 1; s <= maxEid; s++) {
    if (arch[s] !== P || team[s] !== Team.SEEKER) continue;
    seekers++;
    for (let h = 1; h <= maxEid; h++) {
      if (arch[h] !== P || team[h] !== Team.HIDER || caught[h]) continue;
      if (Math.abs(x[s]! - x[h]!) <= PLAYER_SIZE && Math.abs(y[s]! - y[h]!) <= PLAYER_SIZE) caught[h] = 1;
    }
  }
  for (let h = 1; h <= maxEid; h++) if (arch[h] === P && team[h] === Team.HIDER && !caught[h]) free++;
  const left = Math.max(0, w.g[w.G.timeLeft]! - 1);
  w.g[w.G.timeLeft] = left;
  let winner = 0;
  if (free === 0) winner = Team.SEEKER;
  else if (seekers === 0 || left === 0) winner = Team.HIDER;
  if (winner !== 0) {
    w.g[w.G.winner] = winner;
    w.g[w.G.phase] = Phase.END;
    w.g[w.G.countdown] = END_TICKS;
  }
};
