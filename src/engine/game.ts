// The game API. A game is a schema (components, networked fields, globals, archetypes),
// systems run in a fixed order every tick, its input format, and its rules for join and
// leave. The engine knows nothing of any particular game.

import type { Command } from './input-queue.js';
import type { Schema, SchemaSpec } from './schema.js';
import type { SnapshotView } from './snapshot-view.js';
import type { SimWorld } from './world.js';

/** A system is a plain function over the world's typed arrays, run once per tick. */
export type System<S extends SchemaSpec> = (world: SimWorld<S>) => void;

export interface InputBit {
  readonly bit: number;
  readonly meaning: string;
}

export interface GameDef<S extends SchemaSpec = SchemaSpec> {
  readonly name: string;
  /**
   * The same for every set of options: clients and bots build it with `create({})` to decode
   * snapshots, so option-dependent sizes belong in (networked) globals, not in the schema.
   */
  readonly schema: Schema<S>;
  /** Run in this order every tick, after inputs are applied. */
  readonly systems: readonly System<S>[];
  /** The meaning of each bit of Command.buttons (documentation, CLI help, bots). */
  readonly inputBits: readonly InputBit[];
  readonly maxPlayers: number;
  /** Called once on a new world (not on restore). */
  setup(world: SimWorld<S>): void;
  /**
   * A client joins: create its entity and return its eid, or -1 to refuse. `join.ax`, when
   * above 0, is the highest player slot the client accepts (the seed 003 client only
   * understands slots 1 and 2).
   */
  onJoin(world: SimWorld<S>, client: number, join: Command): number;
  /** A client leaves for good (after any reconnect grace). */
  onLeave(world: SimWorld<S>, eid: number, client: number): void;
  /**
   * Apply one input of a client (at most one per client per tick). `cmd` is valid during the
   * call only: the engine refills the same object for every input.
   */
  onInput(world: SimWorld<S>, eid: number, cmd: Command): void;
  /** A bot's input for its entity `self`, decided from a published snapshot. */
  bot(view: SnapshotView, self: number): number;
  /**
   * Optional per-client visibility: set out[eid] = 1 for every entity the player `self` may
   * see (out is cleared before the call). When defined, the snapshot encoder sends each
   * client only those entities; entering and leaving are adds and removes in its deltas.
   */
  visibility?(view: SnapshotView, self: number, out: Uint8Array): void;
  /**
   * Optional interest management for large worlds: each client is sent its own entity, the
   * entities in the grid cells its view box overlaps, and every entity of the `always`
   * archetypes. Clients whose boxes cover the same cells share one encoded snapshot.
   * (`visibility`, when also defined, wins: it is exact per client.)
   */
  interest?: InterestDef;
}

/** A box in world units: [x, x + width) x [y, y + height). */
export interface ViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface InterestDef {
  /** The area the grid covers, from (0, 0); positions outside fall into the border cells. */
  readonly width: number;
  readonly height: number;
  /** Grid cell size in world units: the granularity of what a client is sent. */
  readonly cell: number;
  /** The fields holding an entity's position (default Position.x, Position.y). */
  readonly position?: readonly [string, string];
  /** Archetypes every client receives wherever they are (scores, match state holders). */
  readonly always?: readonly string[];
  /** Write into `out` the box the player `self` sees (its camera). */
  view(view: SnapshotView, self: number, out: ViewBox): void;
}

/** A registered game, created from options (max players, ...). */
export interface GameFactory {
  readonly name: string;
  readonly description: string;
  create(options: GameOptions): GameDef<any>;
}

export interface GameOptions {
  maxPlayers?: number;
  /** The session's entity capacity, passed by the engine so a game can size its structures. */
  capacity?: number;
  /** Game-specific options (world size, ...). */
  [option: string]: unknown;
}

/** The `maxPlayers` option of a game, checked the same way by every game. */
export function maxPlayersOption(game: string, options: GameOptions, max: number, fallback = 16): number {
  const n = options.maxPlayers ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new RangeError(`${game}: options.maxPlayers must be an integer in [1, ${max}]`);
  }
  return n;
}

const registry = new Map<string, GameFactory>();

export function registerGame(factory: GameFactory): void {
  if (registry.has(factory.name)) throw new Error(`game "${factory.name}" is already registered`);
  registry.set(factory.name, factory);
}

export function getGame(name: string): GameFactory {
  const f = registry.get(name);
  if (!f) throw new TypeError(`unknown game "${name}" (known: ${[...registry.keys()].join(', ')})`);
  return f;
}

export function gameNames(): string[] {
  return [...registry.keys()];
}
