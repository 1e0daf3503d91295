// The space shooter of seed 003 as a lanparty game: authoritative, N players (default 16,
// up to 1,000), waves of enemies, last player standing wins. Rules in docs/games/shooter.md.

import { query } from 'bitecs';
import { maxPlayersOption, type GameDef, type GameFactory, type GameOptions, type InterestDef } from '../../game.js';
import { despawn, spawn } from '../../world.js';
import { Button, MAX_WORLD, Phase, PLAYER_H, PLAYER_W, START_HEALTH, shooterSchema, type ShooterConfig, type ShooterSpec } from './schema.js';
import { shooterBot } from './bot.js';
import { spawnPoint } from './spawn.js';
import { collisionSystem } from './systems/collision.js';
import { controlSystem } from './systems/control.js';
import { droneSystem, spawnDrones } from './systems/drones.js';
import { matchSystem } from './systems/match.js';
import { motionSystem } from './systems/motion.js';
import { outcomeSystem } from './systems/outcome.js';
import type { ShooterWorld } from './world.js';

export * from './schema.js';
export type { ShooterWorld } from './world.js';

export interface ShooterOptions extends GameOptions {
  width?: number;
  height?: number;
  /** Drifting non-player entities kept in the world (load tests, large sessions). */
  drones?: number;
}

export const SHOOTER_MAX_PLAYERS = 1000;

export function createShooter(options: ShooterOptions = {}): GameDef<ShooterSpec> {
  const maxPlayers = maxPlayersOption('shooter', options, SHOOTER_MAX_PLAYERS);
  const drones = options.drones ?? 0;
  const cfg: ShooterConfig = { width: options.width ?? 750, height: options.height ?? 750, maxPlayers, drones };
  if (!(cfg.width >= 300 && cfg.height >= 300 && cfg.width <= MAX_WORLD.width && cfg.height <= MAX_WORLD.height)) {
    throw new RangeError(`shooter: options.width must be in [300, ${MAX_WORLD.width}] and height in [300, ${MAX_WORLD.height}]`);
  }
  if (!Number.isInteger(drones) || drones < 0) throw new RangeError('shooter: options.drones must be an integer >= 0');

  return {
    name: 'shooter',
    schema: shooterSchema,
    maxPlayers,
    inputBits: [
      { bit: Button.LEFT, meaning: 'move left' },
      { bit: Button.RIGHT, meaning: 'move right' },
      { bit: Button.UP, meaning: 'move up' },
      { bit: Button.DOWN, meaning: 'move down' },
      { bit: Button.FIRE, meaning: 'shoot; outside a match, a fresh press readies up' },
      { bit: Button.READY, meaning: 'outside a match, a fresh press readies up' },
    ],
    systems: [controlSystem(cfg), matchSystem(cfg), motionSystem(cfg), droneSystem(cfg), collisionSystem(cfg), outcomeSystem()],
    setup(w) {
      w.g[w.G.phase] = Phase.LOBBY;
      spawnDrones(w, cfg);
    },
    onJoin(w, _client, join) {
      const slot = freeSlot(w, join.ax > 0 ? Math.min(join.ax, maxPlayers) : maxPlayers);
      if (slot < 0) return -1;
      const e = spawn(w, w.A.player);
      if (e < 0) return -1;
      const p = spawnPoint(slot, cfg);
      w.c.Position.x[e] = p.x;
      w.c.Position.y[e] = p.y;
      w.c.Player.slot[e] = slot;
      w.c.Player.health[e] = START_HEALTH;
      return e;
    },
    onLeave(w, eid) {
      despawn(w, eid);
    },
    onInput(w, eid, cmd) {
      w.c.Player.buttons[eid] = cmd.buttons & 0x3f;
    },
    bot: shooterBot,
    interest: shooterInterest(cfg),
  };
}

/** The screen (the seed client's 750 x 750 window) is what a player sees. */
export const SCREEN = 750;

/**
 * A player sees a screen-sized camera centred on its ship and kept inside the world: in the
 * default 750 x 750 world that is the whole world (everyone shares one snapshot); in larger
 * worlds each client gets the cells around its ship.
 */
function shooterInterest(cfg: ShooterConfig): InterestDef {
  const w = Math.min(SCREEN, cfg.width);
  const h = Math.min(SCREEN, cfg.height);
  return {
    width: cfg.width,
    height: cfg.height,
    cell: 125,
    view(view, self, out) {
      const cx = view.field('Position.x')[self]! + PLAYER_W / 2;
      const cy = view.field('Position.y')[self]! + PLAYER_H / 2;
      out.x = Math.min(Math.max(cx - w / 2, 0), cfg.width - w);
      out.y = Math.min(Math.max(cy - h / 2, 0), cfg.height - h);
      out.width = w;
      out.height = h;
    },
  };
}

/** Lowest free slot in 1..highest, or -1. */
function freeSlot(w: ShooterWorld, highest: number): number {
  const used = new Uint8Array(SHOOTER_MAX_PLAYERS + 1);
  const players = query(w, [w.c.Player]);
  for (let i = 0; i < players.length; i++) used[w.c.Player.slot[players[i]!]!] = 1;
  for (let s = 1; s <= highest; s++) if (!used[s]) return s;
  return -1;
}

export const shooterFactory: GameFactory = {
  name: 'shooter',
  description: 'seed 003: waves of enemies, last player standing wins',
  create: (o) => createShooter(o as ShooterOptions),
};
