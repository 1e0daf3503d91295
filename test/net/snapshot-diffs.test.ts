// Difference columns (docs/snapshot-encoding.md "Columns"): a delta's changed values as i8
// differences from the base, for clients whose join asked for them. The random property
// over every wire type is in ./snapshot.test.ts; here: what they save on moving drones, the
// byte layout, the sign of 16- and 32-bit values at their wrap points, and bad input.

import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { defineSchema } from '../../src/engine/schema.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  encodeChangePart,
  encodeDelta,
  encodeFull,
  type SnapshotSource,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';
import { copyOf, decodeOk, expectSame, movingDrones, newBlock, wire } from '../helpers/snapshot.js';

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

const isDiff = (c: unknown): c is [Uint8Array] => Array.isArray(c) && c.length === 1 && c[0] instanceof Uint8Array;
const withExceptions = (c: unknown): c is [Uint8Array, Uint8Array, Uint8Array] => Array.isArray(c) && c.length === 3 && c.every((b) => b instanceof Uint8Array);

describe('snapshot difference columns', () => {
  it('moving drones: positions travel as one signed byte each, the delta shrinks by 40 % or more, and decodes to the same state', () => {
    const { capacity, game, block, sim, ctx } = movingDrones();
    sim.step([]);
    const base: SnapshotSource = { block: copyOf(game.schema, capacity, block), maxEid: sim.maxEid };
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, sim.tick)), null);
    for (let i = 0; i < 3; i++) sim.step([]); // three ticks: a 20 Hz client's base
    const now: SnapshotSource = { block, maxEid: sim.maxEid };
    const plain = ctx.pack(encodeDelta(ctx, now, sim.tick, base, sim.tick - 3));
    const diffMsg = encodeDelta(ctx, now, sim.tick, base, sim.tick - 3, undefined, undefined, true);
    const diffs = ctx.pack(diffMsg);
    const m = unpackr.unpack(diffs) as Record<string, unknown>;
    expect(m.base).toBe(sim.tick - 3);
    const vals = m.vals as unknown[];
    const x = ctx.fields.findIndex((f) => f.key === 'Position.x');
    const y = ctx.fields.findIndex((f) => f.key === 'Position.y');
    expect(isDiff(vals[x])).toBe(true);
    expect(isDiff(vals[y])).toBe(true);
    // a drone moves at most 140 px/s: 3 ticks are at most 7 px, 14 steps of 1/2 px
    for (const c of [vals[x], vals[y]] as [Uint8Array][]) {
      expect(c[0].length).toBeGreaterThan(900);
      for (const b of c[0]) expect(Math.abs((b << 24) >> 24)).toBeLessThanOrEqual(15);
    }
    expect(diffs.length).toBeLessThan(0.6 * plain.length);
    const full = decodeOk(ctx, wire(ctx, encodeFull(ctx, now, sim.tick)), null);
    expectSame(ctx, decodeOk(ctx, m, baseState), full);
    expectSame(ctx, decodeOk(ctx, unpackr.unpack(plain), baseState), full);
  });

  // a schema with a signed field of each width and an unsigned one, for their wrap points
  const schema = defineSchema({
    components: {
      S: {
        hp: { type: 'i16', networked: true },
        big: { type: 'i32', networked: true },
        word: { type: 'u16', networked: true },
        flag: { type: 'u8', networked: true },
        f: { type: 'f32', networked: true },
      },
    },
    globals: {},
    archetypes: { a: ['S'] },
  });
  const CAP = 64;
  const FI = Object.fromEntries(schema.fields.map((f, i) => [f.key, i])) as Record<string, number>;

  function world(values: (e: number) => Record<string, number>, count = 12): SnapshotSource {
    const block = newBlock(schema, CAP);
    for (let e = 1; e <= count; e++) {
      (block.fields[FI['Entity.archetype']!] as Uint8Array)[e] = 1;
      (block.fields[FI['Entity.gen']!] as Uint16Array)[e] = 1;
      for (const [k, v] of Object.entries(values(e))) block.fields[FI[k]!]![e] = v;
    }
    return { block, maxEid: count };
  }

  it('the sign of i16 and i32 values: a small step across zero is a difference, across the wrap (32767 -> -32768) is not', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const col = (key: string) => ctx.fields.findIndex((f) => f.key === key);
    const cases: [Record<string, number>, Record<string, number>, boolean][] = [
      // from, to (per entity e, plus e), difference column expected
      [{ 'S.hp': -6 }, { 'S.hp': 5 }, true],
      [{ 'S.hp': 32_760 }, { 'S.hp': -32_766 }, false], // stored 32,770 wraps: the real change is -65,526
      [{ 'S.big': -3 }, { 'S.big': 100 }, true],
      [{ 'S.big': 2_147_483_640 }, { 'S.big': -2_147_483_640 }, false],
      [{ 'S.word': 65_400 }, { 'S.word': 65_500 }, true],
      [{ 'S.word': 10 }, { 'S.word': 65_530 }, false],
    ];
    for (const [from, to, expectDiff] of cases) {
      const plus = (o: Record<string, number>, e: number) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v + e]));
      const base = world((e) => plus(from, e));
      const now = world((e) => plus(to, e));
      const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
      const m = wire(ctx, encodeDelta(ctx, now, 2, base, 1, undefined, undefined, true));
      const key = Object.keys(from)[0]!;
      expect(isDiff((m.vals as unknown[])[col(key)]), `${key} ${from[key]} -> ${to[key]}`).toBe(expectDiff);
      expectSame(ctx, decodeOk(ctx, m, baseState), decodeOk(ctx, wire(ctx, encodeFull(ctx, now, 2)), null));
    }
  });

  it('a few values that do not fit an i8 go whole at their positions: [d, positions, values], still smaller, same state', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const hp = ctx.fields.findIndex((f) => f.key === 'S.hp');
    const base = world((e) => ({ 'S.hp': 100 * e }), 60);
    // 60 entities move by -5..54, entities 4 and 9 jump by thousands (one of them across zero)
    const now = world((e) => ({ 'S.hp': e === 4 ? 9000 : e === 9 ? -3000 : 100 * e + e - 6 }), 60);
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    const m = wire(ctx, encodeDelta(ctx, now, 2, base, 1, undefined, undefined, true));
    const c = (m.vals as unknown[])[hp];
    expect(withExceptions(c)).toBe(true);
    const [d, at, whole] = c as [Uint8Array, Uint8Array, Uint8Array];
    // entity 6 (100 * 6 + 6 - 6) did not change: 59 values, entities 4 and 9 at positions 3 and 7
    expect(d.length).toBe(59);
    expect(Array.from(new Uint16Array(new Uint8Array(at).buffer))).toEqual([3, 7]);
    expect(Array.from(new Int16Array(new Uint8Array(whole).buffer))).toEqual([9000, -3000]);
    expect(d[3]).toBe(0);
    expect((d[0]! << 24) >> 24).toBe(-5);
    // 59 + 2 x 4 bytes (and headers), against 118 raw
    expect(d.length + at.length + whole.length).toBe(67);
    expectSame(ctx, decodeOk(ctx, m, baseState), decodeOk(ctx, wire(ctx, encodeFull(ctx, now, 2)), null));
    // when most do not fit, the plain column is smaller
    const far = world((e) => ({ 'S.hp': e <= 30 ? 100 * e + 1000 : 100 * e + 1 }), 60);
    expect((wire(ctx, encodeDelta(ctx, far, 2, base, 1, undefined, undefined, true)).vals as unknown[])[hp]).toBeInstanceOf(Uint8Array);
  });

  it('never for u8 or f32 fields, never without `diffs`, never for few entities', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const base = world((e) => ({ 'S.flag': e, 'S.f': e, 'S.hp': 100 * e }));
    const now = world((e) => ({ 'S.flag': e + 1, 'S.f': e + 1, 'S.hp': 100 * e + 1 }));
    const withDiffs = wire(ctx, encodeDelta(ctx, now, 2, base, 1, undefined, undefined, true));
    const vals = withDiffs.vals as unknown[];
    expect(isDiff(vals[ctx.fields.findIndex((f) => f.key === 'S.hp')])).toBe(true);
    expect(vals.filter(isDiff)).toHaveLength(1);
    expect((wire(ctx, encodeDelta(ctx, now, 2, base, 1)).vals as unknown[]).filter(isDiff)).toHaveLength(0);
    // 3 entities: raw u16 is 6 bytes, a difference column 3 + 4: not worth it
    const few = world((e) => ({ 'S.hp': e <= 3 ? 100 * e + 1 : 100 * e }));
    expect((wire(ctx, encodeDelta(ctx, few, 2, world((e) => ({ 'S.hp': 100 * e })), 1, undefined, undefined, true)).vals as unknown[]).filter(isDiff)).toHaveLength(0);
  });

  it('bad difference columns give BAD_SNAPSHOT: outside changed values, on a u8 or f32 field, wrong length, out of range', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const base = world((e) => ({ 'S.hp': 100 * e, 'S.word': 5 }));
    const now = world((e) => ({ 'S.hp': 100 * e + 1, 'S.word': 5 }));
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    const m = wire(ctx, encodeDelta(ctx, now, 2, base, 1, undefined, undefined, true));
    const hp = ctx.fields.findIndex((f) => f.key === 'S.hp');
    expect(isDiff((m.vals as unknown[])[hp])).toBe(true);
    const bad = (msg: Record<string, unknown>, b: SnapshotState | null, why: RegExp) => {
      const r = decodeSnapshot(ctx, msg, b);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe('BAD_SNAPSHOT');
        expect(r.reason).toMatch(why);
      }
    };
    const withVal = (f: number, c: unknown) => ({ ...m, vals: (m.vals as unknown[]).map((v, i) => (i === f ? c : v)) });
    const d12 = [new Uint8Array(12).fill(1)];
    // in a full snapshot's columns (no base value to add to)
    const full = wire(ctx, encodeFull(ctx, now, 2));
    bad({ ...full, cols: (full.cols as unknown[]).map((c, i) => (i === hp ? d12 : c)) }, null, /outside changed values/);
    // on fields whose values are not differences of integers
    const flag = ctx.fields.findIndex((f) => f.key === 'S.flag');
    const fl = ctx.fields.findIndex((f) => f.key === 'S.f');
    const mask = new Uint8Array(m.mask as Uint8Array);
    mask[0]! |= (1 << flag) | (1 << fl);
    bad({ ...withVal(flag, d12), mask }, baseState, /u8 field/);
    bad({ ...withVal(fl, d12), mask }, baseState, /f32 field/);
    bad(withVal(hp, [new Uint8Array(11)]), baseState, /11 differences, expected 12/);
    // S.word is 5 in the base: 5 - 6 is below 0
    const word = ctx.fields.findIndex((f) => f.key === 'S.word');
    const m2 = { ...withVal(word, [new Uint8Array(12).fill(0xfa)]), mask: Uint8Array.of((m.mask as Uint8Array)[0]! | (1 << word)) };
    bad(m2, baseState, /out of range/);
    // and in range it decodes: 5 + 3
    const ok = decodeOk(ctx, { ...withVal(word, [new Uint8Array(12).fill(3)]), mask: m2.mask }, baseState);
    expect(ok.values[word]![7]).toBe(8);
    // exceptions: positions not ascending, past n, not whole ids, sizes apart, a value out of range
    const d = new Uint8Array(12).fill(1);
    const u16 = (...v: number[]) => new Uint8Array(Uint16Array.from(v).buffer);
    const exc = (at: Uint8Array, whole: Uint8Array) => ({ ...withVal(word, [d, at, whole]), mask: m2.mask });
    bad(exc(u16(5, 2), u16(1, 2)), baseState, /ascend/);
    bad(exc(u16(12), u16(1)), baseState, /ascend within 0..n-1/);
    bad(exc(new Uint8Array(3), u16(1)), baseState, /multiple of 2/);
    bad(exc(u16(1, 2), u16(1)), baseState, /sizes do not match/);
    const okExc = decodeOk(ctx, exc(u16(2, 7), u16(1000, 2000)), baseState);
    expect([okExc.values[word]![3], okExc.values[word]![8], okExc.values[word]![1]]).toEqual([1000, 2000, 6]);
  });

  it('an exception of a quantized field over its levels gives BAD_SNAPSHOT', () => {
    const qs = defineSchema({ components: { P: { x: { type: 'f32', networked: true, quant: { min: 0, max: 10, step: 0.5 } } } }, globals: {}, archetypes: { a: ['P'] } });
    const ctx = createSnapshotCodec(qs, 16);
    const mk = (x: (e: number) => number): SnapshotSource => {
      const block = newBlock(qs, 16);
      for (let e = 1; e <= 10; e++) {
        (block.fields[0] as Uint8Array)[e] = 1;
        (block.fields[1] as Uint16Array)[e] = 1;
        (block.fields[3] as Float32Array)[e] = x(e);
      }
      return { block, maxEid: 10 };
    };
    const base = mk((e) => e * 0.5);
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    const m = wire(ctx, encodeDelta(ctx, mk((e) => e * 0.5 + 1), 2, base, 1, undefined, undefined, true));
    expect(isDiff((m.vals as unknown[])[3])).toBe(true);
    const vals = [...(m.vals as unknown[])];
    vals[3] = [new Uint8Array(10).fill(2), new Uint8Array(Uint16Array.of(4).buffer), new Uint8Array(Uint16Array.of(21).buffer)]; // 20 levels
    const r = decodeSnapshot(ctx, { ...m, vals }, baseState);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/exception value 21 out of range/);
    vals[3] = [new Uint8Array(10).fill(2), new Uint8Array(Uint16Array.of(4).buffer), new Uint8Array(Uint16Array.of(20).buffer)];
    expect(decodeOk(ctx, { ...m, vals }, baseState).values[3]![5]).toBe(10);
  });

  it('a change part may carry difference columns too: applied to the values the entities hold at that point', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const base = world((e) => ({ 'S.hp': 100 * e }));
    const now = world((e) => ({ 'S.hp': 100 * e - 7 }));
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    const keep = Uint32Array.from({ length: 12 }, (_, i) => i + 1);
    const part = unpackr.unpack(encodeChangePart(ctx, now, base, keep, 12, null)!) as unknown[];
    expect(part[0]).toBe(1);
    expect(part[3]).toHaveLength(1); // hp only
    const asDiff = [part[0], part[1], part[2], [[new Uint8Array(12).fill(0xf9)]]]; // -7 each
    const got = decodeOk(ctx, { type: 'snapshot', tick: 2, base: 1, parts: [asDiff] }, baseState);
    expectSame(ctx, got, decodeOk(ctx, wire(ctx, encodeFull(ctx, now, 2)), null));
  });
});
