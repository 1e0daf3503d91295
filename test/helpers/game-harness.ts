// A game Simulation in this thread, over its own shared-memory block, plus a scripted client
// side (joins, leaves, inputs with a rising seq per client). The game tests subclass it and add
// their own game-specific readers and setters.

import { expect } from 'vitest';
import { checkpointOfBlock, loadCheckpoint } from '../../src/engine/checkpoint.js';
import type { GameDef } from '../../src/engine/game.js';
import { Cmd, type Command, type CmdType } from '../../src/engine/input-queue.js';
import { blockBytes, blockViews } from '../../src/engine/layout.js';
import type { SchemaSpec } from '../../src/engine/schema.js';
import { HASH_CHUNKS_PER_TICK } from '../../src/engine/hash.js';
import { RECORDING_FORMAT, RECORDING_VERSION } from '../../src/engine/recording.js';
import { Simulation } from '../../src/engine/simulation.js';
import type { SimWorld } from '../../src/engine/world.js';

/**
 * A Simulation of `game` over a new block of `capacity` entities; with `restoreFrom`, the block
 * starts as a checkpoint of that simulation and the new one restores from it.
 */
export function simulationOf<S extends SchemaSpec>(
  game: GameDef<S>,
  capacity: number,
  seed: number,
  restoreFrom?: Simulation<S>,
): Simulation<S> {
  const block = blockViews(game.schema, capacity, new SharedArrayBuffer(blockBytes(game.schema, capacity)), 0);
  if (restoreFrom) loadCheckpoint(checkpointOfBlock(restoreFrom.world.block, restoreFrom.tick, restoreFrom.maxEid), block);
  return new Simulation(game, block, { capacity, seed, restore: restoreFrom !== undefined });
}

/** The client side of a script: membership commands and inputs with a rising seq per client. */
export class ClientScript {
  private readonly seqs = new Map<number, number>();

  command(type: CmdType, client: number, ax = 0, ay = 0): Command {
    return { type, client, seq: 0, buttons: 0, ax, ay };
  }

  input(client: number, buttons: number, ax = 0, ay = 0): Command {
    const seq = (this.seqs.get(client) ?? 0) + 1;
    this.seqs.set(client, seq);
    return { type: Cmd.INPUT, client, seq, buttons, ax, ay };
  }
}

/** What a game test's harness may be built with: entity capacity, seed and the game's options. */
export interface HarnessOptions<O = never> {
  capacity?: number;
  seed?: number;
  game?: O;
}

export class GameHarness<S extends SchemaSpec> {
  readonly sim: Simulation<S>;
  private readonly script = new ClientScript();
  private pending: Command[] = [];

  constructor(game: GameDef<S>, capacity: number, seed: number) {
    this.sim = simulationOf(game, capacity, seed);
  }

  get world(): SimWorld<S> {
    return this.sim.world;
  }

  /** Short for `world`. */
  get w(): SimWorld<S> {
    return this.sim.world;
  }

  /** Queue a command for the next step(). */
  protected send(cmd: Command): this {
    this.pending.push(cmd);
    return this;
  }

  join(...clients: number[]): this {
    for (const client of clients) this.send(this.script.command(Cmd.JOIN, client));
    return this;
  }

  /** A join whose ax / ay carry whatever a client might put there. */
  joinWith(client: number, ax: number, ay: number): this {
    return this.send(this.script.command(Cmd.JOIN, client, ax, ay));
  }

  leave(client: number): this {
    return this.send(this.script.command(Cmd.LEAVE, client));
  }

  /** Send a client's button state (held until the next press). */
  press(client: number, buttons: number, ax = 0, ay = 0): this {
    return this.send(this.script.input(client, buttons, ax, ay));
  }

  step(ticks = 1): this {
    for (let i = 0; i < ticks; i++) {
      const arrived = this.pending;
      this.pending = [];
      this.sim.step(arrived);
    }
    return this;
  }

  /** The entity of a joined client (fails the test if it has none). */
  eid(client: number): number {
    const e = this.sim.entityOf(client);
    expect(e, `client ${client} has an entity`).toBeGreaterThan(0);
    return e;
  }

  /** Live entities of one archetype, read from the engine-owned Entity.archetype column. */
  all(kind: keyof S['archetypes']): number[] {
    const want = this.w.A[kind] + 1;
    const archetype = (this.w.c as unknown as { Entity: { archetype: ArrayLike<number> } }).Entity.archetype;
    const out: number[] = [];
    for (let e = 1; e <= this.sim.maxEid; e++) if (archetype[e] === want) out.push(e);
    return out;
  }

  /** A game global's current value. */
  global(name: keyof S['globals']): number {
    return this.w.g[this.w.G[name]]!;
  }
}

/** The text of a recording (header line, then one line per tick) of a scripted run. */
export function recordingText(
  header: { game: string; capacity: number; seed: number },
  run: { hashes: readonly string[]; commands: readonly (readonly Command[])[] },
): string {
  const head = { kind: 'header', format: RECORDING_FORMAT, version: RECORDING_VERSION, game: header.game, gameOptions: {}, capacity: header.capacity, seed: header.seed, hz: 60, hashChunksPerTick: HASH_CHUNKS_PER_TICK };
  const lines = run.commands.map((c, i) => {
    const line: { t: number; h: string; c?: number[][] } = { t: i + 1, h: run.hashes[i]! };
    if (c.length) line.c = c.map((m) => [m.type, m.client, m.seq, m.buttons, m.ax, m.ay]);
    return JSON.stringify(line);
  });
  return [JSON.stringify(head), ...lines].join('\n');
}
