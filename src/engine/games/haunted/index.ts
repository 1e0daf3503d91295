// The haunted game of seed 001 ("Haunted Chronicles") as a lanparty game: hide-and-seek in a
// walled, lamp-lit arena. Players pick a team (seekers or hiders) and ready up in the lobby;
// a 5 s countdown, a 200 s round in which seekers catch hiders by touch, a 5 s result, and
// back to the lobby. Walls cast shadows: what each player may see is decided by the host
// (`visibility`). Rules in docs/games/haunted.md.

import { query } from 'bitecs';
import { maxPlayersOption, type GameDef, type GameFactory, type GameOptions } from '../../game.js';
import { despawn, spawn } from '../../world.js';
import { hauntedBot } from './bot.js';
import { Button, HEIGHT, PLAYER_SIZE, Phase, WIDTH, hauntedSchema, type HauntedSpec } from './schema.js';
import { freeSpot, moveSystem, phaseSystem, roundSystem } from './systems.js';
import { hauntedVisibility } from './visibility.js';

export * from './schema.js';
export { hauntedVisibility, isLit } from './visibility.js';
export { segmentBlocked, segmentHitsRect, boxHitsWall } from './map.js';
export type { HauntedWorld } from './world.js';

export const HAUNTED_MAX_PLAYERS = 64;

export function createHaunted(options: GameOptions = {}): GameDef<HauntedSpec> {
  const maxPlayers = maxPlayersOption('haunted', options, HAUNTED_MAX_PLAYERS);
  return {
    name: 'haunted',
    schema: hauntedSchema,
    maxPlayers,
    inputBits: [
      { bit: Button.LEFT, meaning: 'move left (4-way: UP, DOWN, LEFT, RIGHT in that priority)' },
      { bit: Button.RIGHT, meaning: 'move right' },
      { bit: Button.UP, meaning: 'move up' },
      { bit: Button.DOWN, meaning: 'move down' },
      { bit: Button.SEEKER, meaning: 'lobby: join the seekers (wins over HIDER)' },
      { bit: Button.HIDER, meaning: 'lobby: join the hiders' },
      { bit: Button.READY, meaning: 'lobby: toggle ready (on a fresh press)' },
    ],
    systems: [phaseSystem, moveSystem, roundSystem],
    setup(w) {
      w.g[w.G.width] = WIDTH;
      w.g[w.G.height] = HEIGHT;
      w.g[w.G.phase] = Phase.LOBBY;
    },
    onJoin(w) {
      if (query(w, [w.c.Player]).length >= maxPlayers) return -1;
      const e = spawn(w, w.A.player);
      if (e < 0) return -1;
      const [x, y] = freeSpot(w, 0, WIDTH - PLAYER_SIZE);
      w.c.Position.x[e] = x;
      w.c.Position.y[e] = y;
      return e;
    },
    onLeave(w, eid) {
      despawn(w, eid);
    },
    // only the seven low bits are read; ax / ay are ignored
    onInput(w, eid, cmd) {
      w.c.Player.buttons[eid] = cmd.buttons & 0x7f;
    },
    bot: hauntedBot,
    visibility: hauntedVisibility,
  };
}

export const hauntedFactory: GameFactory = {
  name: 'haunted',
  description: 'seed 001: hide-and-seek in a walled arena; walls cast shadows, lights reveal',
  create: (o) => createHaunted(o),
};
