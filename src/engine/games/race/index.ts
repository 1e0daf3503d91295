// The car race of seed 004 as a lanparty game: authoritative, N players (default 16, up to
// 10,000), each dodging its own enemy car on one road; every tick alive scores a point and
// the first to 1000 wins the race. Rules in docs/games/race.md.

import { query } from 'bitecs';
import { maxPlayersOption, type GameDef, type GameFactory, type GameOptions } from '../../game.js';
import { despawn, spawn } from '../../world.js';
import { raceBot } from './bot.js';
import { Button, Phase, raceSchema, type RaceConfig, type RaceSpec } from './schema.js';
import { freshStart } from './start.js';
import { controlSystem } from './systems/control.js';
import { driveSystem } from './systems/drive.js';
import { outcomeSystem } from './systems/outcome.js';

export * from './schema.js';
export type { RaceWorld } from './world.js';

export type RaceOptions = GameOptions;

export const RACE_MAX_PLAYERS = 10_000;

export function createRace(options: RaceOptions = {}): GameDef<RaceSpec> {
  const maxPlayers = maxPlayersOption('race', options, RACE_MAX_PLAYERS);
  const cfg: RaceConfig = { maxPlayers };

  return {
    name: 'race',
    schema: raceSchema,
    maxPlayers,
    inputBits: [
      { bit: Button.LEFT, meaning: 'a fresh press steers 50 px left' },
      { bit: Button.RIGHT, meaning: 'a fresh press steers 50 px right' },
    ],
    systems: [controlSystem(), driveSystem(), outcomeSystem()],
    setup(w) {
      w.g[w.G.phase] = Phase.RACING;
      w.g[w.G.raceNo] = 1;
    },
    onJoin(w) {
      if (query(w, [w.c.Racer]).length >= cfg.maxPlayers) return -1;
      const e = spawn(w, w.A.racer);
      if (e < 0) return -1;
      freshStart(w, e);
      return e;
    },
    onLeave(w, eid) {
      despawn(w, eid);
    },
    onInput(w, eid, cmd) {
      w.c.Racer.buttons[eid] = cmd.buttons & (Button.LEFT | Button.RIGHT);
    },
    bot: raceBot,
  };
}

export const raceFactory: GameFactory = {
  name: 'race',
  description: 'seed 004: dodge your own falling enemy car, first to 1000 points wins the race',
  create: (o) => createRace(o as RaceOptions),
};
