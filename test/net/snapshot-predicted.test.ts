// Predicted columns (docs/snapshot-encoding.md "Predicted columns"): a delta's changed values
// as k-bit residuals from a linear extrapolation of the client's two acked states (base and
// the older base2), for clients whose join asked for them. Here: what they save on moving
// drones and that those decode to the same state, the byte layout of a small example, a
// random property over every diffable wire type (entities missing from base2, respawned,
// teleported, still), and every malformed column the decoder must refuse.

import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { defineSchema } from '../../src/engine/schema.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  encodeDelta,
  encodeFull,
  type SnapshotSource,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';
import { packedBytes, packResiduals, predict, residualAt, signedBits } from '../../src/net/protocol/snapshot/predicted.js';
import { copyOf, decodeOk, expectSame, movingDrones, newBlock, wire } from '../helpers/snapshot.js';

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

const isPredicted = (c: unknown): c is [number, Uint8Array] | [number, Uint8Array, Uint8Array, Uint8Array] =>
  Array.isArray(c) && typeof c[0] === 'number' && (c.length === 2 || c.length === 4);

describe('snapshot predicted columns', () => {
  it('moving drones: positions travel as a few bits each, the delta fits one UDP datagram, and decodes to the same state', () => {
    const { capacity, game, block, sim, ctx } = movingDrones();
    const snap = (): SnapshotSource => ({ block: copyOf(game.schema, capacity, block), maxEid: sim.maxEid });
    sim.step([]);
    const t2 = sim.tick;
    const base2 = snap();
    const base2State = decodeOk(ctx, wire(ctx, encodeFull(ctx, base2, t2)), null);
    for (let i = 0; i < 3; i++) sim.step([]);
    const t1 = sim.tick;
    const base = snap();
    const baseState = decodeOk(ctx, wire(ctx, encodeDelta(ctx, base, t1, base2, t2)), base2State);
    for (let i = 0; i < 6; i++) sim.step([]); // a UDP client's base: its acks ride its 20 Hz inputs
    const now: SnapshotSource = { block, maxEid: sim.maxEid };
    const diffs = ctx.pack(encodeDelta(ctx, now, sim.tick, base, t1, undefined, undefined, true));
    const predMsg = encodeDelta(ctx, now, sim.tick, base, t1, undefined, undefined, true, { src: base2, tick: t2 });
    const predicted = ctx.pack(predMsg);
    const m = unpackr.unpack(predicted) as Record<string, unknown>;
    expect(m.base2).toBe(t2);
    const vals = m.vals as unknown[];
    for (const key of ['Position.x', 'Position.y']) {
      const c = vals[ctx.fields.findIndex((f) => f.key === key)];
      expect(isPredicted(c), key).toBe(true);
      expect((c as [number])[0]).toBeLessThanOrEqual(3);
    }
    expect(predicted.length).toBeLessThan(0.5 * diffs.length);
    expect(predicted.length).toBeLessThanOrEqual(1200);
    const full = decodeOk(ctx, wire(ctx, encodeFull(ctx, now, sim.tick)), null);
    expectSame(ctx, decodeOk(ctx, m, baseState, base2State), full);
    // the client must hold base2: without it the delta cannot be decoded, and says so
    const r = decodeSnapshot(ctx, m, baseState, undefined, null);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.baseMissing).toBe(true);
  });

  it('layout: [k, residuals] packed LSB first, each the new wire value minus the extrapolation from base2 and base (the worked example of docs/snapshot-encoding.md)', () => {
    const schema = defineSchema({ components: { P: { x: { type: 'u16', networked: true } } }, globals: {}, archetypes: { a: ['P'] } });
    const ctx = createSnapshotCodec(schema, 8);
    const xi = schema.fields.findIndex((f) => f.key === 'P.x');
    const state = (xs: number[]): SnapshotSource => {
      const block = newBlock(schema, 8);
      xs.forEach((x, i) => {
        (block.fields[0] as Uint8Array)[i + 1] = 1; // archetype a
        (block.fields[xi] as Uint16Array)[i + 1] = x;
      });
      return { block, maxEid: xs.length };
    };
    // ticks 10 (base2), 13 (base), 16 (now): entity 1 keeps its pace, 2 starts moving, 3 slows a little
    const b2 = state([100, 50, 7]);
    const b = state([106, 50, 9]);
    const now = state([112, 53, 12]);
    // P = h + floor((2 (h - h2) 3 + 3) / 6): 112, 50, 11; residuals 0, 3, 1: 3 bits each
    expect([predict(106, 100, 3, 3), predict(50, 50, 3, 3), predict(9, 7, 3, 3)]).toEqual([112, 50, 11]);
    const m = wire(ctx, encodeDelta(ctx, now, 16, b, 13, undefined, undefined, true, { src: b2, tick: 10 }));
    expect(m.base2).toBe(10);
    const col = (m.vals as unknown[])[ctx.fields.findIndex((f) => f.key === 'P.x')] as [number, Uint8Array];
    // bits 0-2: 000, bits 3-5: 011, bits 6-8: 001 -> 0b01_011_000 = 0x58, then 0x00
    expect(col[0]).toBe(3);
    expect([...col[1]]).toEqual([0x58, 0x00]);
    const s2 = decodeOk(ctx, wire(ctx, encodeFull(ctx, b2, 10)), null);
    const s1 = decodeOk(ctx, wire(ctx, encodeDelta(ctx, b, 13, b2, 10)), s2);
    expectSame(ctx, decodeOk(ctx, m, s1, s2), decodeOk(ctx, wire(ctx, encodeFull(ctx, now, 16)), null));
  });

  it('bits: widths, packing and reading back every k from 1 to 8, signed', () => {
    expect([0, -1, 1, -2, 2, -3, 3, -4, 4, 127, -128].map(signedBits)).toEqual([1, 1, 2, 2, 3, 3, 3, 3, 4, 8, 8]);
    for (let k = 1; k <= 8; k++) {
      const lo = -(1 << (k - 1));
      const vals = Int32Array.from({ length: 37 }, (_, i) => lo + ((i * 5) % (1 << k)));
      const out = new Uint8Array(packedBytes(vals.length, k));
      packResiduals(vals, vals.length, k, out);
      expect(Array.from({ length: vals.length }, (_, i) => residualAt(out, i, k)), `k = ${k}`).toEqual([...vals]);
    }
  });

  describe('the decoder refuses', () => {
    const schema = defineSchema({
      components: { P: { x: { type: 'u16', networked: true }, q: { type: 'f32', networked: true, quant: { min: 0, max: 10, step: 1 } }, f: { type: 'u8', networked: true } } },
      globals: {},
      archetypes: { a: ['P'] },
    });
    const ctx = createSnapshotCodec(schema, 8);
    const fx = ctx.fields.findIndex((f) => f.key === 'P.x');
    const fq = ctx.fields.findIndex((f) => f.key === 'P.q');
    const fu = ctx.fields.findIndex((f) => f.key === 'P.f');
    const F = ctx.fields.length;
    const src = (x: number, q = 5): SnapshotSource => {
      const block = newBlock(schema, 8);
      for (let e = 1; e <= 3; e++) {
        (block.fields[0] as Uint8Array)[e] = 1;
        (block.fields[schema.fields.findIndex((f) => f.key === 'P.x')] as Uint16Array)[e] = x + e;
        (block.fields[schema.fields.findIndex((f) => f.key === 'P.q')] as Float32Array)[e] = q;
      }
      return { block, maxEid: 3 };
    };
    const s2 = decodeOk(ctx, wire(ctx, encodeFull(ctx, src(100), 10)), null);
    const s1 = decodeOk(ctx, wire(ctx, encodeDelta(ctx, src(110), 13, src(100), 10)), s2);
    /** A delta 13 -> 16 with base2 10 changing every field of entities 1..3, column `c` at field `at`. */
    const msg = (at: number, c: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => {
      const vals: unknown[] = Array.from({ length: F }, () => 0);
      vals[at] = c;
      return { type: 'snapshot', tick: 16, base: 13, base2: 10, top: 3, ch: new Uint8Array([1, 0, 2, 0, 3, 0]), mask: new Uint8Array([1 << at]), vals, ...extra };
    };
    const good = [2, new Uint8Array([0])] as const; // k = 2, residuals 0, 0, 0: x = 121, 122, 123
    const reason = (m: unknown, b2: SnapshotState | null = s2): string => {
      const r = decodeSnapshot(ctx, m, s1, undefined, b2);
      return r.ok ? 'ok' : r.reason;
    };

    it('decodes the well-formed one (the baseline of the cases below)', () => {
      const r = decodeSnapshot(ctx, msg(fx, good), s1, undefined, s2);
      expect(r.ok ? 'ok' : r.reason).toBe('ok');
      expect(r.ok && [1, 2, 3].map((e) => r.state.values[fx]![e])).toEqual([121, 122, 123]);
    });
    it.each([
      ['a width of 0', [0, new Uint8Array(0)], /residual width 0/],
      ['a width of 9', [9, new Uint8Array(4)], /residual width 9/],
      ['a width that is not an integer', [1.5, new Uint8Array(1)], /residual width 1.5/],
      ['residual bytes of the wrong length', [2, new Uint8Array(2)], /residual bytes, expected 1/],
      ['exception positions out of order', [2, new Uint8Array(1), new Uint8Array([2, 0, 1, 0]), new Uint8Array([1, 0, 1, 0])], /ascend/],
      ['exception sizes that do not match', [2, new Uint8Array(1), new Uint8Array([0, 0]), new Uint8Array([1])], /exception sizes/],
      ['a residual that takes the value out of range (121 - 128)', [8, new Uint8Array([0x80, 0x80, 0x80])], /out of range/],
    ])('%s', (_what, col, why) => {
      expect(reason(msg(fx, col))).toMatch(why);
    });
    it('a residual that takes a quantized value past its levels, or below 0', () => {
      // q holds 5 in every state: P = 5; +7 is level 12 > 10, -8 is below 0
      expect(reason(msg(fq, [4, new Uint8Array([0x77, 0x07])]))).toMatch(/out of range/);
      expect(reason(msg(fq, [4, new Uint8Array([0x88, 0x08])]))).toMatch(/out of range/);
      expect(reason(msg(fq, [4, new Uint8Array([0x11, 0x01])]))).toBe('ok');
      // an exception: whole level 11 > 10
      expect(reason(msg(fq, [4, new Uint8Array(2), new Uint8Array([0, 0]), new Uint8Array([11, 0])]))).toMatch(/exception value 11 out of range/);
    });
    it('a predicted column for a u8 field, in a message without base2, with base2 >= base, or outside vals', () => {
      expect(reason(msg(fu, [2, new Uint8Array(1)]))).toMatch(/predicted column for a u8/);
      expect(reason(msg(fx, good, { base2: undefined }))).toMatch(/without base2/);
      expect(reason(msg(fx, good, { base2: 13 }))).toMatch(/base2 must be/);
      const full = { type: 'snapshot', tick: 16, base: -1, top: 3, ids: new Uint8Array([1, 0, 2, 0, 3, 0]), cols: Array.from({ length: F }, (_, f) => (f === fx ? good : 0)) };
      expect(reason(full)).toMatch(/outside a delta's vals/);
    });
    it('a base2 the client does not hold: baseMissing, so it asks for a full snapshot', () => {
      const r = decodeSnapshot(ctx, msg(fx, good), s1, undefined, null);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.baseMissing).toBe(true);
      const wrong = decodeSnapshot(ctx, msg(fx, good, { base2: 11 }), s1, undefined, s2);
      expect(!wrong.ok && wrong.baseMissing).toBe(true);
    });
  });
});
