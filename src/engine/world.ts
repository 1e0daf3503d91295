// The simulated world: a bitecs 0.4 world whose components are typed arrays in shared
// memory (one state block, see layout.ts), plus the globals, the PRNG and the counters.
// Only the sim worker creates one of these over the live block; replay and benchmarks
// create private ones the same way.

import { addComponent, addEntity, createEntityIndex, createWorld, removeEntity } from 'bitecs';
import { componentsOf, globalIndex, type Components, type GlobalIndex, type StateBlock } from './layout.js';
import { seedRng, type RngState } from './prng.js';
import type { Schema, SchemaSpec } from './schema.js';

export interface SimCounters {
  spawnRefused: number;
  drops: Record<string, number>;
}

export interface SimWorldData<S extends SchemaSpec> {
  readonly schema: Schema<S>;
  readonly capacity: number;
  readonly block: StateBlock;
  /** Components as typed arrays, e.g. `world.c.Position.x[eid]`. */
  readonly c: Components<S>;
  /** Globals by index: `world.g[world.G.level]`. */
  readonly g: Float64Array;
  readonly G: GlobalIndex<S>;
  /** Archetype name -> id (as stored in Entity.archetype, minus one). */
  readonly A: Record<keyof S['archetypes'], number>;
  /** Seconds per tick. */
  readonly dt: number;
  readonly rng: RngState;
  readonly counters: SimCounters;
  readonly entityIndex: ReturnType<typeof createEntityIndex>;
  /** Each archetype's components, resolved to the component objects bitecs keys on. */
  readonly archetypeComponents: readonly object[][];
}

/** bitecs uses the context object itself as the world. */
export type SimWorld<S extends SchemaSpec = SchemaSpec> = SimWorldData<S>;

export interface WorldOptions {
  capacity: number;
  hz?: number;
  seed?: number;
}

export const DEFAULT_CAPACITY = 100_000;

function build<S extends SchemaSpec>(schema: Schema<S>, block: StateBlock, options: WorldOptions): SimWorld<S> {
  const c = componentsOf(schema, block);
  const A = {} as Record<keyof S['archetypes'], number>;
  const archetypeComponents: object[][] = [];
  schema.archetypeNames.forEach((name, i) => {
    (A as Record<string, number>)[name] = i;
    const comps = (schema.spec.archetypes[name] ?? []).map((cn) => (c as Record<string, object>)[cn]!);
    archetypeComponents.push([(c as Record<string, object>).Entity!, ...comps]);
  });
  const entityIndex = createEntityIndex();
  const data: SimWorldData<S> = {
    schema,
    capacity: options.capacity,
    block,
    c,
    g: block.globals,
    G: globalIndex(schema),
    A,
    dt: 1 / (options.hz ?? 60),
    rng: seedRng(options.seed ?? 1),
    counters: { spawnRefused: 0, drops: {} },
    entityIndex,
    archetypeComponents,
  };
  return createWorld(data, entityIndex) as SimWorld<S>;
}

/** A new, empty world over `block` (which must be zeroed). */
export function createSimWorld<S extends SchemaSpec>(schema: Schema<S>, block: StateBlock, options: WorldOptions): SimWorld<S> {
  const w = build(schema, block, options);
  syncRngToGlobals(w);
  return w;
}

/**
 * Spawn an entity of an archetype. Past capacity the spawn is refused and counted, and -1 is
 * returned: callers treat -1 as "no entity", never as an error.
 */
export function spawn<S extends SchemaSpec>(w: SimWorld<S>, archetype: number): number {
  if (w.entityIndex.aliveCount >= w.capacity) {
    w.counters.spawnRefused++;
    return -1;
  }
  const eid = addEntity(w);
  for (const comp of w.archetypeComponents[archetype]!) addComponent(w, eid, comp);
  const c = w.c as Components<SchemaSpec>;
  c.Entity.archetype[eid] = archetype + 1;
  c.Entity.gen[eid] = (c.Entity.gen[eid]! + 1) & 0xffff;
  if (eid > w.g[w.G.maxEid]!) w.g[w.G.maxEid] = eid;
  w.g[w.G.aliveCount] = w.entityIndex.aliveCount;
  return eid;
}

/** Remove an entity; its row is zeroed (but for its generation) so hashing stays exact. */
export function despawn<S extends SchemaSpec>(w: SimWorld<S>, eid: number): void {
  const c = w.c as Components<SchemaSpec>;
  if (c.Entity.archetype[eid] === 0) return;
  removeEntity(w, eid);
  const fields = w.block.fields;
  for (let i = 0; i < fields.length; i++) {
    if (i === 1) continue; // Entity.gen survives the row's reuse
    fields[i]![eid] = 0;
  }
  w.g[w.G.aliveCount] = w.entityIndex.aliveCount;
}

export function syncRngToGlobals(w: SimWorld): void {
  const { g, G, rng } = w;
  g[G.rngA] = rng.a >>> 0;
  g[G.rngB] = rng.b >>> 0;
  g[G.rngC] = rng.c >>> 0;
  g[G.rngD] = rng.d >>> 0;
}

/** Write the entity index order into the block, so a published snapshot can be restored exactly. */
export function syncOrderToBlock(w: SimWorld): void {
  const dense = w.entityIndex.dense;
  const order = w.block.order;
  const n = Math.min(dense.length, order.length);
  for (let i = 0; i < n; i++) order[i] = dense[i]!;
}

/**
 * Rebuild a world from a state block that already holds a published snapshot (copied into
 * `block`): entity ids, archetype memberships, globals and the PRNG come back exactly, and
 * future entity ids are allocated as they would have been.
 */
export function restoreSimWorld<S extends SchemaSpec>(schema: Schema<S>, block: StateBlock, options: WorldOptions): SimWorld<S> {
  const w = build(schema, block, options);
  const { g, G } = w;
  const maxEid = g[G.maxEid]!;
  const aliveCount = g[G.aliveCount]!;
  const archetype = (w.c as Components<SchemaSpec>).Entity.archetype;
  // take ids 1..maxEid, then drop the free rows: every live row keeps its id
  for (let eid = 1; eid <= maxEid; eid++) addEntity(w);
  for (let eid = 1; eid <= maxEid; eid++) if (archetype[eid] === 0) removeEntity(w, eid);
  for (let eid = 1; eid <= maxEid; eid++) {
    const a = archetype[eid]!;
    if (a !== 0) for (const comp of w.archetypeComponents[a - 1]!) addComponent(w, eid, comp);
  }
  // restore the exact allocation order of the entity index
  const idx = w.entityIndex;
  if (idx.aliveCount !== aliveCount) throw new Error(`restore: ${idx.aliveCount} live rows, snapshot says ${aliveCount}`);
  for (let i = 0; i < maxEid; i++) {
    const id = block.order[i]!;
    idx.dense[i] = id;
    idx.sparse[id] = i;
  }
  w.rng.a = g[G.rngA]! | 0;
  w.rng.b = g[G.rngB]! | 0;
  w.rng.c = g[G.rngC]! | 0;
  w.rng.d = g[G.rngD]! | 0;
  return w;
}
