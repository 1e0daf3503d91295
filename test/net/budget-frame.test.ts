// The budgeted frame written in one pass (src/net/protocol/snapshot/budget-frame.ts) must
// decode to exactly what the generic path (encodeRefresh + frameWithParts) decodes to, on
// any held state, removals, own entity (held or not, or none), globals and parts, and must
// never be longer than it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockBytes, blockViews, globalIndex, type StateBlock } from '../../src/engine/layout.js';
import { defineSchema } from '../../src/engine/schema.js';
import { BudgetFrameWriter } from '../../src/net/protocol/snapshot/budget-frame.js';
import {
  createSnapshotCodec,
  decodeSnapshotBytes,
  encodeFull,
  encodeRowsPart,
  frameWithParts,
  liveIds,
  PartOp,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';
import { encodeRefresh } from '../../src/net/protocol/snapshot/encode-refresh.js';

// every wire type a one-entity column can have: quantized (u16), raw f32, signed and unsigned ints
const schema = defineSchema({
  components: {
    Pos: { x: { type: 'f32', networked: true, quant: { min: 0, max: 100, step: 0.5 } }, v: { type: 'f32', networked: true }, hp: { type: 'i16', networked: true } },
    Tag: { k: { type: 'i8', networked: true }, big: { type: 'u32', networked: true }, n: { type: 'i32', networked: true } },
  },
  globals: { phase: { networked: true }, score: { networked: true } },
  archetypes: { unit: ['Pos', 'Tag'] },
});
const FI = Object.fromEntries(schema.fields.map((f, i) => [f.key, i])) as Record<string, number>;
const CAP = 300;

const f32 = fc.oneof(fc.constantFrom(0, -0, 1, -7, 2.5, 1e9, -1e-3, Number.NaN, 3e38), fc.float({ noNaN: true }));
const entityValues = fc.record({ x: fc.double({ min: -10, max: 110, noNaN: true }), v: f32, hp: fc.integer({ min: -32768, max: 32767 }), k: fc.integer({ min: -128, max: 127 }), big: fc.nat({ max: 0xffff_ffff }), n: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) });

function put(b: StateBlock, e: number, r: { x: number; v: number; hp: number; k: number; big: number; n: number }): void {
  b.fields[FI['Entity.archetype']!]![e] = 1;
  b.fields[FI['Entity.gen']!]![e] = 1;
  b.fields[FI['Pos.x']!]![e] = r.x;
  b.fields[FI['Pos.v']!]![e] = r.v;
  b.fields[FI['Pos.hp']!]![e] = r.hp;
  b.fields[FI['Tag.k']!]![e] = r.k;
  b.fields[FI['Tag.big']!]![e] = r.big;
  b.fields[FI['Tag.n']!]![e] = r.n;
}

function same(a: SnapshotState, b: SnapshotState): void {
  const ids = liveIds(a);
  expect(liveIds(b)).toEqual(ids);
  for (let f = 0; f < a.values.length; f++) for (const e of ids) expect(Object.is(a.values[f]![e], b.values[f]![e]), `field ${f} of ${e}`).toBe(true);
  expect(b.globals).toEqual(a.globals);
}

describe('BudgetFrameWriter', () => {
  it('decodes like encodeRefresh + frameWithParts, and is never longer', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const writer = new BudgetFrameWriter(ctx);
    const world = fc.record({
      maxEid: fc.integer({ min: 1, max: CAP - 1 }),
      rows: fc.array(entityValues, { minLength: 1, maxLength: 40 }),
      held: fc.array(fc.boolean(), { minLength: CAP, maxLength: CAP }),
      rmPick: fc.array(fc.boolean(), { minLength: CAP, maxLength: CAP }),
      selfPick: fc.nat(),
      noSelf: fc.boolean(),
      globals: fc.boolean(),
      g: fc.tuple(fc.double(), fc.integer()),
      partEvery: fc.integer({ min: 0, max: 5 }),
      tick: fc.integer({ min: 1, max: 200_000 }),
    });
    fc.assert(
      fc.property(world, (w) => {
        const now = blockViews(schema, CAP, new SharedArrayBuffer(blockBytes(schema, CAP)), 0);
        for (let e = 1; e <= w.maxEid; e++) put(now, e, w.rows[e % w.rows.length]!);
        now.globals[globalIndex(schema).phase] = w.g[0];
        now.globals[globalIndex(schema).score] = w.g[1];
        const src = { block: now, maxEid: w.maxEid };
        const all = Uint32Array.from({ length: w.maxEid }, (_, i) => i + 1);
        const heldIds = all.filter((e) => w.held[e]!);
        const vis = new Uint8Array(CAP + 1);
        for (const e of heldIds) vis[e] = 1;
        const base = decodeSnapshotBytes(ctx, ctx.pack(encodeFull(ctx, src, w.tick - 1, vis)), null);
        if (!base.ok) throw new Error(base.reason);
        const self = w.noSelf ? 0 : 1 + (w.selfPick % w.maxEid);
        const selfHeld = self > 0 && w.held[self]!;
        const rm = heldIds.filter((e) => w.rmPick[e]! && e !== self);
        const partIds = w.partEvery ? all.filter((e) => e % (w.partEvery + 1) === 0 && e !== self) : new Uint32Array(0);
        const part = encodeRowsPart(ctx, PartOp.SET, src, partIds, partIds.length);
        const parts = part ? [Uint8Array.from(part)] : [];
        const one = Uint32Array.of(self);
        const none = new Uint32Array(0);
        const own = encodeRefresh(ctx, src, w.tick, w.tick - 1, rm, rm.length, selfHeld ? one : none, selfHeld ? 1 : 0, self && !selfHeld ? one : none, self && !selfHeld ? 1 : 0, w.globals);
        const old = Uint8Array.from(frameWithParts(ctx, own, parts, parts.length));
        const neu = writer.frame(src, w.tick, w.tick - 1, rm, rm.length, self, selfHeld, w.globals, parts, parts.length);
        expect(new DataView(neu.buffer, neu.byteOffset).getUint32(0, true)).toBe(neu.length - 4);
        expect(neu.length).toBeLessThanOrEqual(old.length);
        const a = decodeSnapshotBytes(ctx, old.subarray(4), base.state);
        const b = decodeSnapshotBytes(ctx, neu.subarray(4), base.state);
        if (!a.ok) throw new Error(a.reason);
        if (!b.ok) throw new Error(b.reason);
        same(a.state, b.state);
      }),
      { numRuns: 500 },
    );
  });
});
