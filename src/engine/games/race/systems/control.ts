// Steering: a fresh press of LEFT or RIGHT (down now, up in the previous input) moves the car
// 50 px, as the original's KEYDOWN events did; holding a key does nothing more. Both pressed
// together cancel out. A crashed car, or any car between races, does not steer, but presses
// are still tracked, so a key held through the pause does not fire when it ends.

import { query } from 'bitecs';
import { Button, Phase, STEER_PX } from '../schema.js';
import type { RaceWorld } from '../world.js';

export const controlSystem = () => (w: RaceWorld) => {
  const { Racer, Position } = w.c;
  const racing = w.g[w.G.phase] === Phase.RACING;
  const racers = query(w, [Racer]);
  for (let i = 0; i < racers.length; i++) {
    const e = racers[i]!;
    const b = Racer.buttons[e]!;
    const pressed = b & ~Racer.prevButtons[e]!;
    Racer.prevButtons[e] = b;
    if (!racing || Racer.crashed[e]! > 0 || pressed === 0) continue;
    let x = Position.x[e]!;
    if (pressed & Button.LEFT) x -= STEER_PX;
    if (pressed & Button.RIGHT) x += STEER_PX;
    Position.x[e] = x;
  }
};
