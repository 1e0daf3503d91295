// The squares sandbox of seed 002 as a lanparty game: everyone is a square moving freely on a
// shared map. The host decides positions, sizes, colours and ids; a client sends only
// buttons. Rules in docs/games/squares.md.

import { query } from 'bitecs';
import { maxPlayersOption, type GameDef, type GameFactory, type GameOptions } from '../../game.js';
import { nextInt } from '../../prng.js';
import { despawn, spawn } from '../../world.js';
import { squaresBot } from './bot.js';
import {
  Button,
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  MAX_SIDE,
  PALETTE,
  SQUARE_SIZE,
  squaresSchema,
  type SquaresConfig,
  type SquaresSpec,
} from './schema.js';
import { motionSystem } from './systems/motion.js';

export * from './schema.js';
export type { SquaresWorld } from './world.js';

export interface SquaresOptions extends GameOptions {
  width?: number;
  height?: number;
}

export const SQUARES_MAX_PLAYERS = 10_000;

export function createSquares(options: SquaresOptions = {}): GameDef<SquaresSpec> {
  const maxPlayers = maxPlayersOption('squares', options, SQUARES_MAX_PLAYERS);
  const cfg: SquaresConfig = {
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    maxPlayers,
  };
  for (const side of ['width', 'height'] as const) {
    const v = cfg[side];
    if (!Number.isInteger(v) || v < 2 * SQUARE_SIZE || v > MAX_SIDE) {
      throw new RangeError(`squares: options.${side} must be an integer in [${2 * SQUARE_SIZE}, ${MAX_SIDE}]`);
    }
  }

  return {
    name: 'squares',
    schema: squaresSchema,
    maxPlayers,
    inputBits: [
      { bit: Button.LEFT, meaning: 'move left (RIGHT wins when both are held)' },
      { bit: Button.RIGHT, meaning: 'move right' },
      { bit: Button.UP, meaning: 'move up (UP wins over DOWN)' },
      { bit: Button.DOWN, meaning: 'move down' },
    ],
    systems: [motionSystem(cfg)],
    setup(w) {
      w.g[w.G.width] = cfg.width;
      w.g[w.G.height] = cfg.height;
    },
    // the join command's fields are not read: nothing of the square comes from the client
    onJoin(w) {
      if (query(w, [w.c.Square]).length >= maxPlayers) return -1;
      const e = spawn(w, w.A.square);
      if (e < 0) return -1;
      w.c.Square.size[e] = SQUARE_SIZE;
      w.c.Square.color[e] = PALETTE[nextInt(w.rng, 0, PALETTE.length)]!;
      w.c.Position.x[e] = nextInt(w.rng, 0, cfg.width - SQUARE_SIZE + 1);
      w.c.Position.y[e] = nextInt(w.rng, 0, cfg.height - SQUARE_SIZE + 1);
      return e;
    },
    onLeave(w, eid) {
      despawn(w, eid);
    },
    // only the four direction bits are read; cmd.ax / cmd.ay are ignored
    onInput(w, eid, cmd) {
      w.c.Square.buttons[eid] = cmd.buttons & 0x0f;
    },
    bot: squaresBot,
  };
}

export const squaresFactory: GameFactory = {
  name: 'squares',
  description: 'seed 002: a sandbox of squares on a shared map, positions decided by the host',
  create: (o) => createSquares(o as SquaresOptions),
};
