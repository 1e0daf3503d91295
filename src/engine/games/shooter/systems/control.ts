// Player input: movement within the original's bounds, firing with a 20-tick cooldown, and
// readying up outside a match. Ready takes a fresh press (FIRE or READY going down), so a
// button still held from the last match does not skip the result screen.

import { query } from 'bitecs';
import { spawn } from '../../../world.js';
import {
  Button,
  COOLDOWN_TICKS,
  PLAYER_H,
  PLAYER_SPEED,
  PLAYER_W,
  Phase,
  type ShooterConfig,
} from '../schema.js';
import type { ShooterWorld } from '../world.js';

export const controlSystem = (cfg: ShooterConfig) => (w: ShooterWorld) => {
  const { Position, Player, Laser, Entity } = w.c;
  const playing = w.g[w.G.phase] === Phase.PLAYING;
  const step = PLAYER_SPEED * w.dt;
  const players = query(w, [Player]);
  for (let i = 0; i < players.length; i++) {
    const e = players[i]!;
    const b = Player.buttons[e]!;
    const pressed = b & ~Player.prevButtons[e]!;
    Player.prevButtons[e] = b;
    if (!playing) {
      if (pressed & (Button.FIRE | Button.READY)) Player.ready[e] = 1;
      continue;
    }
    if (Player.lost[e]) continue;
    // the original's bounds: strictly inside, with 15 px kept free at the bottom. Keys apply
    // one after the other, so opposite keys held together cancel out.
    let x = Position.x[e]!;
    let y = Position.y[e]!;
    if (b & Button.LEFT && x - step > 0) x -= step;
    if (b & Button.RIGHT && x + step + PLAYER_W < cfg.width) x += step;
    if (b & Button.UP && y - step > 0) y -= step;
    if (b & Button.DOWN && y + step + PLAYER_H + 15 < cfg.height) y += step;
    Position.x[e] = x;
    Position.y[e] = y;
    // cooldown counts 1..COOLDOWN after a shot, then 0 = may fire again
    const cd = Player.cooldown[e]!;
    if (cd >= COOLDOWN_TICKS) Player.cooldown[e] = 0;
    else if (cd > 0) Player.cooldown[e] = cd + 1;
    if (b & Button.FIRE && Player.cooldown[e] === 0) {
      Player.cooldown[e] = 1;
      const l = spawn(w, w.A.laser);
      if (l < 0) continue; // capacity reached: refused and counted by spawn(), retried after the cooldown
      Position.x[l] = Position.x[e]!;
      Position.y[l] = Position.y[e]!;
      Laser.slot[l] = Player.slot[e]!;
      Laser.shooter[l] = e;
      Laser.shooterGen[l] = Entity.gen[e]!;
    }
  }
};
