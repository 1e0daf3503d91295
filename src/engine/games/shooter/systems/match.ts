// Match flow: lobby -> playing -> over -> (everyone ready) -> playing ...
// A match starts when every present player is ready; a new wave comes when the last one is
// gone (wave n has 20 + 10 (n - 1) enemies, as in the original).

import { query } from 'bitecs';
import { nextInt } from '../../../prng.js';
import { despawn, spawn } from '../../../world.js';
import {
  FIRST_WAVE,
  Phase,
  START_HEALTH,
  WAVE_GROWTH,
  type ShooterConfig,
} from '../schema.js';
import { spawnPoint } from '../spawn.js';
import type { ShooterWorld } from '../world.js';

export const matchSystem = (cfg: ShooterConfig) => (w: ShooterWorld) => {
  const { Player, Enemy } = w.c;
  const players = query(w, [Player]);
  const phase = w.g[w.G.phase]!;
  if (phase !== Phase.PLAYING) {
    if (players.length === 0) return;
    for (let i = 0; i < players.length; i++) if (!Player.ready[players[i]!]) return;
    startMatch(w, cfg);
    return;
  }
  if (query(w, [Enemy]).length === 0) spawnWave(w, cfg);
};

export function startMatch(w: ShooterWorld, cfg: ShooterConfig): void {
  const { Player, Position, Enemy, Laser } = w.c;
  for (const e of [...query(w, [Enemy]), ...query(w, [Laser])]) despawn(w, e);
  const players = query(w, [Player]);
  for (let i = 0; i < players.length; i++) {
    const e = players[i]!;
    const p = spawnPoint(Player.slot[e]!, cfg);
    Position.x[e] = p.x;
    Position.y[e] = p.y;
    Player.health[e] = START_HEALTH;
    Player.ready[e] = 0;
    Player.lost[e] = 0;
    Player.won[e] = 0;
    Player.cooldown[e] = 0;
  }
  w.g[w.G.level] = 0;
  w.g[w.G.matchNo]! += 1;
  w.g[w.G.phase] = Phase.PLAYING;
}

export function spawnWave(w: ShooterWorld, cfg: ShooterConfig): void {
  const { Position, Enemy } = w.c;
  const level = w.g[w.G.level]! + 1;
  w.g[w.G.level] = level;
  const count = FIRST_WAVE + WAVE_GROWTH * (level - 1);
  // the original's ranges, x in [50, width - 100), y in [-1500, -100), scaled with the world
  const top = -Math.round((1500 * cfg.height) / 750);
  for (let i = 0; i < count; i++) {
    const e = spawn(w, w.A.enemy);
    if (e < 0) return;
    Position.x[e] = nextInt(w.rng, 50, cfg.width - 100);
    Position.y[e] = nextInt(w.rng, top, -100);
    Enemy.color[e] = nextInt(w.rng, 0, 3);
  }
}
