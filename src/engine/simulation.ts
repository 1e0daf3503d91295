// One tick of a game, the same code in the sim worker, in replay and in benchmarks:
//
//   commands that arrived  ->  input rules  ->  game.onJoin/onLeave/onInput
//                          ->  systems in order  ->  tick + 1  ->  hash
//
// Publishing the result into the snapshot ring is the caller's (the worker's) job.

import type { GameDef } from './game.js';
import type { Hash64 } from './hash.js';
import { hashStateV1 } from './hash-v1.js';
import { Cmd, type Command } from './input-queue.js';
import { InputRules } from './input-rules.js';
import type { Components, StateBlock } from './layout.js';
import type { SchemaSpec } from './schema.js';
import { StateHasher } from './state-hasher.js';
import {
  createSimWorld,
  restoreSimWorld,
  syncOrderToBlock,
  syncRngToGlobals,
  type SimWorld,
  type WorldOptions,
} from './world.js';

export interface SimulationOptions extends WorldOptions {
  /** Rebuild from the snapshot already copied into the block, instead of a new world. */
  restore?: boolean;
  /** Compute the state hash after every tick (on by default; replay needs it). */
  hashEveryTick?: boolean;
  /** Which state hash: 2 (hash.ts, the default) or 1 (hash-v1.ts, to replay old recordings). */
  hashVersion?: HashVersion;
  /** Version 2: chunks of state hashed per tick at most (default HASH_CHUNKS_PER_TICK; see hash.ts). */
  hashChunksPerTick?: number;
}

export type HashVersion = 1 | 2;
export const HASH_VERSION: HashVersion = 2;

export type TickObserver = (tick: number, arrived: readonly Command[], hash: Hash64) => void;

export class Simulation<S extends SchemaSpec = SchemaSpec> {
  readonly world: SimWorld<S>;
  private readonly rules: InputRules;
  private readonly hashEveryTick: boolean;
  private readonly hasher: StateHasher | undefined;
  lastHash: Hash64 = { hi: 0, lo: 0 };
  observer: TickObserver | undefined;

  constructor(
    readonly game: GameDef<S>,
    block: StateBlock,
    options: SimulationOptions,
  ) {
    this.hashEveryTick = options.hashEveryTick ?? true;
    const version = options.hashVersion ?? HASH_VERSION;
    this.hasher = version === 2 ? new StateHasher(game.schema, block, options.hashChunksPerTick) : undefined;
    this.rules = new InputRules((reason) => this.countDrop(reason));
    if (options.restore) {
      this.world = restoreSimWorld(game.schema, block, options);
      const owner = (this.world.c as Components<SchemaSpec>).Entity.owner;
      const maxEid = this.world.g[this.world.G.maxEid]!;
      for (let eid = 1; eid <= maxEid; eid++) {
        const client = owner[eid]!;
        if (client !== 0) this.rules.adoptClient(client, eid);
      }
    } else {
      this.world = createSimWorld(game.schema, block, options);
      game.setup(this.world);
    }
    this.finish();
  }

  get tick(): number {
    return this.world.g[this.world.G.tick]!;
  }

  get maxEid(): number {
    return this.world.g[this.world.G.maxEid]!;
  }

  get aliveCount(): number {
    return this.world.g[this.world.G.aliveCount]!;
  }

  /** The entity of a joined client, or -1. */
  entityOf(client: number): number {
    return this.rules.entityOf(client);
  }

  /** [client, entity] of every joined client, in join order. */
  clients(): IterableIterator<[number, number]> {
    return this.rules.clients();
  }

  /** Whether any client has an entity (clients() not empty). */
  hasClients(): boolean {
    return this.rules.hasClients();
  }

  /** Run one tick with the commands that arrived since the previous one. */
  step(arrived: readonly Command[]): void {
    const w = this.world;
    for (const cmd of arrived) this.rules.arrive(cmd, this.membership);
    this.rules.takeForTick(this.applyInput);
    const systems = this.game.systems;
    for (let i = 0; i < systems.length; i++) systems[i]!(w);
    w.g[w.G.tick] = this.tick + 1;
    this.finish();
    this.observer?.(this.tick, arrived, this.lastHash);
  }

  private finish(): void {
    syncRngToGlobals(this.world);
    syncOrderToBlock(this.world);
    if (this.hashEveryTick) this.lastHash = this.computeHash();
  }

  /** The state hash of the world as it is now (what each tick stores in lastHash). */
  computeHash(): Hash64 {
    return this.hasher ? this.hasher.hash(this.maxEid) : hashStateV1(this.game.schema, this.world.block, this.maxEid);
  }

  private readonly membership = (cmd: Command, leavingEid: number): void => {
    const w = this.world;
    if (cmd.type === Cmd.JOIN) {
      const eid = this.game.onJoin(w, cmd.client, cmd);
      if (eid < 0) {
        this.countDrop('join.refused');
        this.rules.forget(cmd.client);
        return;
      }
      (w.c as Components<SchemaSpec>).Entity.owner[eid] = cmd.client;
      this.rules.bindEntity(cmd.client, eid);
    } else if (leavingEid >= 0) {
      this.game.onLeave(w, leavingEid, cmd.client);
    }
  };

  private readonly applyInput = (cmd: Command, eid: number): void => {
    if (eid >= 0) this.game.onInput(this.world, eid, cmd);
  };

  private countDrop(reason: string): void {
    const d = this.world.counters.drops;
    d[reason] = (d[reason] ?? 0) + 1;
  }
}
