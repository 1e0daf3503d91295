// A player at 0 health has lost. With two or more players in the match, the last one
// standing wins; the match is over when at most one player is still standing (or all lost).

import { query } from 'bitecs';
import { Phase } from '../schema.js';
import type { ShooterWorld } from '../world.js';

export const outcomeSystem = () => (w: ShooterWorld) => {
  if (w.g[w.G.phase] !== Phase.PLAYING) return;
  const { Player } = w.c;
  const players = query(w, [Player]);
  let standing = 0;
  let last = -1;
  for (let i = 0; i < players.length; i++) {
    const e = players[i]!;
    if (!Player.lost[e] && Player.health[e]! <= 0) Player.lost[e] = 1;
    if (!Player.lost[e]) {
      standing++;
      last = e;
    }
  }
  const over = players.length >= 2 ? standing <= 1 : standing === 0;
  if (!over) return;
  if (standing === 1) Player.won[last] = 1;
  for (let i = 0; i < players.length; i++) Player.ready[players[i]!] = 0;
  w.g[w.G.phase] = Phase.OVER;
};
