// The race: every racer that has WIN_POINTS after this tick's driving wins it (several can,
// on the same tick): won = 1 and wins + 1, and the race is OVER. Nothing moves for
// RACE_PAUSE_TICKS ticks; then a new race starts with everyone at a fresh start, in id order.

import { Phase, RACE_PAUSE_TICKS, WIN_POINTS } from '../schema.js';
import { freshStart } from '../start.js';
import type { RaceWorld } from '../world.js';

export const outcomeSystem = () => (w: RaceWorld) => {
  const arch = w.c.Entity.archetype;
  const { Racer } = w.c;
  const RACER = w.A.racer + 1;
  const maxEid = w.g[w.G.maxEid]!;
  if (w.g[w.G.phase] === Phase.RACING) {
    let winners = 0;
    for (let e = 1; e <= maxEid; e++) {
      if (arch[e] !== RACER || Racer.points[e]! < WIN_POINTS) continue;
      Racer.won[e] = 1;
      Racer.wins[e] = Racer.wins[e]! + 1;
      winners++;
    }
    if (winners > 0) {
      w.g[w.G.phase] = Phase.OVER;
      w.g[w.G.pause] = RACE_PAUSE_TICKS;
    }
    return;
  }
  const left = w.g[w.G.pause]! - 1;
  w.g[w.G.pause] = left;
  if (left > 0) return;
  for (let e = 1; e <= maxEid; e++) {
    if (arch[e] !== RACER) continue;
    freshStart(w, e);
    Racer.won[e] = 0;
    Racer.crashed[e] = 0;
  }
  w.g[w.G.raceNo] = w.g[w.G.raceNo]! + 1;
  w.g[w.G.phase] = Phase.RACING;
};
