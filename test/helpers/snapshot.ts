// Host states and decoded client states for the snapshot codec's tests: a state block of a
// schema (as a ring slot holds one), a copy of one (a tick kept), a message through real
// msgpack bytes (as a client receives it), a decode that must succeed, and "the same state".

import { Unpackr } from 'msgpackr';
import { expect } from 'vitest';
import { createShooter } from '../../src/engine/games/shooter/index.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import type { Schema } from '../../src/engine/schema.js';
import { Simulation } from '../../src/engine/simulation.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  liveIds,
  type SnapshotCodec,
  type SnapshotMessage,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** A message as the client decodes it: packed, then unpacked. */
export const wire = (ctx: SnapshotCodec, m: SnapshotMessage): Record<string, unknown> => unpackr.unpack(ctx.pack(m)) as Record<string, unknown>;

/** A zeroed state block of `s` for ids 0..cap, in shared memory like a ring slot. */
export const newBlock = (s: Schema, cap: number): StateBlock => blockViews(s, cap, new SharedArrayBuffer(blockBytes(s, cap)), 0);

/** The load bench's world: 1,000 drones bouncing in 1,000 x 1,000, its sim, block and codec. */
export function movingDrones() {
  const capacity = 1100;
  const game = createShooter({ capacity, drones: 1000, width: 1000, height: 1000 });
  const block = newBlock(game.schema, capacity);
  const sim = new Simulation(game, block, { capacity, seed: 5 });
  return { capacity, game, block, sim, ctx: createSnapshotCodec(game.schema, capacity) };
}

/** A copy of `src` (the host state of a tick, kept while the world moves on). */
export function copyOf(s: Schema, cap: number, src: StateBlock): StateBlock {
  const b = newBlock(s, cap);
  b.globals.set(src.globals);
  src.fields.forEach((f, i) => (b.fields[i] as Uint8Array).set(f as Uint8Array));
  return b;
}

/** decodeSnapshot that must succeed (base2: the older state predicted columns need). */
export function decodeOk(ctx: SnapshotCodec, msg: unknown, base: SnapshotState | null, base2: SnapshotState | null = null): SnapshotState {
  const r = decodeSnapshot(ctx, msg, base, undefined, base2);
  if (!r.ok) throw new Error(`decode failed: ${r.reason}`);
  return r.state;
}

/** Two decoded states hold the same live entities with the same values. */
export function expectSame(ctx: SnapshotCodec, a: SnapshotState, b: SnapshotState): void {
  expect(liveIds(a)).toEqual(liveIds(b));
  for (let f = 0; f < ctx.fields.length; f++) {
    for (const e of liveIds(a)) expect(a.values[f]![e], `${ctx.fields[f]!.key}[${e}]`).toBe(b.values[f]![e]);
  }
}
