// The parts of a snapshot on the wire (src/net/protocol/snapshot/fragments.ts, format 2):
// the byte layout of docs/snapshot-encoding.md's example, Rice-coded id lists of any spacing, and
// the decoder's handling of malformed parts: always a BAD_SNAPSHOT with a reason, never a
// throw, whatever the bytes.

import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { blockBytes, blockViews, globalIndex, type StateBlock } from '../../src/engine/layout.js';
import { defineSchema } from '../../src/engine/schema.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  decodeSnapshotBytes,
  encodeChangePart,
  encodeFull,
  encodeListDelta,
  encodeRowsPart,
  frameWithParts,
  liveIds,
  newSnapshotState,
  PartOp,
  schemaDescriptor,
  type SnapshotCodec,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';
import { readRiceIds, riceSize, writeRiceIds } from '../../src/net/protocol/snapshot/rice-ids.js';

// the schema of the docs' worked example: F = 5, G = 1
const schema = defineSchema({
  components: { Pos: { x: { type: 'f32', networked: true, quant: { min: 0, max: 100, step: 0.5 } }, hp: { type: 'i16', networked: true } } },
  globals: { phase: { networked: true } },
  archetypes: { unit: ['Pos'] },
});
const FI = Object.fromEntries(schema.fields.map((f, i) => [f.key, i])) as Record<string, number>;

function block(cap: number): StateBlock {
  return blockViews(schema, cap, new SharedArrayBuffer(blockBytes(schema, cap)), 0);
}

function put(b: StateBlock, e: number, x: number, hp: number, owner = 0, gen = 1): void {
  b.fields[FI['Entity.archetype']!]![e] = 1;
  b.fields[FI['Entity.gen']!]![e] = gen;
  b.fields[FI['Entity.owner']!]![e] = owner;
  b.fields[FI['Pos.x']!]![e] = x;
  b.fields[FI['Pos.hp']!]![e] = hp;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The docs' example: tick 300 (entities 1, 2, 4) and tick 301 (2 gone, 1 moved, 4 hit, 5 new). */
function example(ctx: SnapshotCodec) {
  const was = block(16);
  put(was, 1, 10, 100);
  put(was, 2, 20.3, 100, 7);
  put(was, 4, 99.9, -5);
  was.globals[globalIndex(schema).phase] = 1;
  const now = block(16);
  now.globals.set(was.globals);
  put(now, 1, 10.6, 100);
  put(now, 4, 99.9, -6);
  put(now, 5, 50, 100);
  const base = { block: was, maxEid: 4 };
  const src = { block: now, maxEid: 5 };
  // parts first: the own message holds views of the codec's scratch until it is framed
  const change = encodeChangePart(ctx, src, base, Uint32Array.of(1, 4), 2, null)!;
  const add = encodeRowsPart(ctx, PartOp.ADD, src, Uint32Array.of(5), 1)!;
  const own = encodeListDelta(ctx, src, 301, base, 300, { rm: Uint32Array.of(2), nRm: 1, keep: new Uint32Array(0), nKeep: 0, add: new Uint32Array(0), nAdd: 0 }, false);
  const frame = frameWithParts(ctx, own, [change, add], 2);
  const held = decodeSnapshotBytes(ctx, ctx.pack(encodeFull(ctx, base, 300)), null);
  if (!held.ok) throw new Error(held.reason);
  return { change, add, frame, held: held.state, src };
}

describe('snapshot parts on the wire', () => {
  it('parts: the docs example, byte for byte: own sets, then a change part and an add part spliced after "parts"', () => {
    const ctx = createSnapshotCodec(schema, 16);
    expect(schemaDescriptor(schema).snapshot).toBe(2);
    const { change, add, frame, held } = example(ctx);
    expect(hex(change)).toBe('9401' + 'c403000260' + 'c4020810' + '9215fa');
    expect(hex(add)).toBe('9302' + 'c4030101c0' + '95010100' + '6464');
    const payload = frame.subarray(4);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0, true)).toBe(payload.length);
    expect(hex(payload)).toBe(
      '86' +
        'a474797065a8736e617073686f74' +
        'a47469636bcd012d' +
        'a462617365cd012c' +
        'a3746f7002' +
        'a6726d42697473c40102' +
        'a5706172747392' +
        hex(change) +
        hex(add),
    );
    expect(payload.length).toBe(80);
    const r = decodeSnapshotBytes(ctx, payload, held);
    if (!r.ok) throw new Error(r.reason);
    expect(liveIds(r.state)).toEqual([1, 4, 5]);
    const v = (k: string) => r.state.values[ctx.fields.findIndex((f) => f.key === k)]!;
    expect([v('Pos.x')[1], v('Pos.hp')[4], v('Pos.x')[5], v('Pos.hp')[5], v('Entity.gen')[5]]).toEqual([10.5, -6, 50, 100, 1]);
    expect(r.state.count).toBe(3);
  });

  it('parts: the docs example of an id list, byte for byte: ids 5, 6, 300 with k = 6', () => {
    const ids = [5, 6, 300];
    const { k, bytes } = riceSize(ids, 3);
    expect(k).toBe(6);
    const out = new Uint8Array(bytes);
    expect(writeRiceIds(ids, 3, k, out)).toBe(6);
    expect(hex(out)).toBe('06030803d280');
    const back = new Uint32Array(48);
    expect(readRiceIds(out, 1000, back)).toBe(3);
    expect(Array.from(back.subarray(0, 3))).toEqual(ids);
    expect(readRiceIds(out, 299, back)).toBe('ids: id 300 over 299');
  });

  it('parts: ids of any spacing round-trip through their Rice-coded gaps, as add and set parts', () => {
    const cap = 100_000;
    const ctx = createSnapshotCodec(schema, cap);
    const src = block(cap);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: cap }), { minLength: 1, maxLength: 40 }), fc.boolean(), (raw, set) => {
        const ids = Uint32Array.from(raw).sort();
        for (const e of ids) put(src, e, e % 100, e & 0x7fff);
        const part = encodeRowsPart(ctx, set ? PartOp.SET : PartOp.ADD, { block: src, maxEid: cap }, ids, ids.length)!;
        const own = encodeListDelta(ctx, { block: src, maxEid: cap }, 2, { block: src, maxEid: cap }, 1, { rm: new Uint32Array(0), nRm: 0, keep: new Uint32Array(0), nKeep: 0, add: new Uint32Array(0), nAdd: 0 }, false);
        const base = decodeSnapshot(ctx, { type: 'snapshot', tick: 1, base: -1, top: 0, ids: new Uint8Array(0), cols: [0, 0, 0, 0, 0], g: [0] }, null);
        if (!base.ok) throw new Error(base.reason);
        const r = decodeSnapshotBytes(ctx, frameWithParts(ctx, own, [part], 1).subarray(4), base.state);
        if (!r.ok) throw new Error(r.reason);
        expect(liveIds(r.state)).toEqual(Array.from(ids));
        const hp = r.state.values[ctx.fields.findIndex((f) => f.key === 'Pos.hp')]!;
        for (const e of ids) expect(hp[e]).toBe(e & 0x7fff);
      }),
      { numRuns: 100 },
    );
  });

  it('parts: a set part adds what the client lacks and overwrites what it holds; an add part of a held entity is refused', () => {
    const ctx = createSnapshotCodec(schema, 16);
    const { held, src } = example(ctx);
    const set = encodeRowsPart(ctx, PartOp.SET, src, Uint32Array.of(1, 5), 2)!;
    const quiet = { type: 'snapshot', tick: 301, base: 300 } as const;
    const r = decodeSnapshotBytes(ctx, frameWithParts(ctx, { ...quiet }, [set], 1).subarray(4), held);
    if (!r.ok) throw new Error(r.reason);
    expect(liveIds(r.state)).toEqual([1, 2, 4, 5]);
    expect(r.state.count).toBe(4);
    expect(r.state.values[ctx.fields.findIndex((f) => f.key === 'Pos.x')]![1]).toBe(10.5);
    const add = encodeRowsPart(ctx, PartOp.ADD, src, Uint32Array.of(1, 5), 2)!;
    const bad = decodeSnapshotBytes(ctx, frameWithParts(ctx, { ...quiet }, [add], 1).subarray(4), held);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/added entity 1 is already live/);
  });
});

describe('malformed parts', () => {
  const ctx = createSnapshotCodec(schema, 16);
  const { frame, held } = example(ctx);
  const good = ctx.unpackr.unpack(frame.subarray(4)) as Record<string, unknown> & { parts: unknown[][] };
  const [change, add] = good.parts as [unknown[], unknown[]];
  const withParts = (...parts: unknown[]) => ({ ...good, parts });

  const bad = (m: unknown, reason: RegExp) => {
    const r = decodeSnapshot(ctx, m, held);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('BAD_SNAPSHOT');
      expect(r.reason).toMatch(reason);
    }
  };

  it('parts: each malformed part is refused with BAD_SNAPSHOT and a reason that says what is wrong', () => {
    expect(decodeSnapshot(ctx, good, held).ok).toBe(true);
    bad({ ...good, parts: 5 }, /parts must be an array/);
    bad(withParts(7), /parts\[0\] must be an array/);
    bad(withParts([1, new Uint8Array([1])]), /must be an array \[op, ids/);
    bad(withParts([9, change[1], change[2], change[3]]), /unknown part op 9/);
    bad(withParts(['1', change[1], change[2], change[3]]), /unknown part op/);
    bad(withParts([1, new Uint8Array(0), change[2], change[3]]), /ids must hold k, n and the codes/);
    bad(withParts([1, [1, 3], change[2], change[3]]), /ids must be a bin/);
    bad(withParts([1, new Uint8Array([25, 1, 0]), change[2], change[3]]), /k 25 over 24/);
    bad(withParts([1, new Uint8Array([0, 0x80]), change[2], change[3]]), /n is not a number/);
    bad(withParts([1, new Uint8Array([0, 0, 0]), change[2], change[3]]), /0 ids cannot be/);
    bad(withParts([1, new Uint8Array([0, 9, 0]), change[2], change[3]]), /9 ids cannot be in 3 bytes/);
    bad(withParts([1, new Uint8Array([3, 1, 0xff]), change[2], change[3]]), /ids end inside a code/);
    bad(withParts([2, new Uint8Array([4, 1, 0x80]), add[2]]), /id 17 over 16/);
    bad(withParts([2, new Uint8Array([0, 1, 0, 0]), add[2]]), /bytes after the last code/);
    bad(withParts([2, new Uint8Array([0, 1, 0x40]), add[2]]), /padding bits are not zero/);
    bad(withParts([1, new Uint8Array([0, 1, 0xc0]), new Uint8Array([8]), [21]]), /changed entity 3 is not live/);
    bad(withParts([1, change[1], new Uint8Array([8, 16, 0]), change[3]]), /mask has 3 bytes/);
    bad(withParts([1, change[1], new Uint8Array([0x20, 0x10]), change[3]]), /mask sets a bit past the last field/);
    bad(withParts([1, change[1], change[2], [21]]), /expected 2 columns/);
    bad(withParts([1, change[1], change[2]]), /a change part is \[1, ids, mask, columns\]/);
    bad(withParts([1, change[1], change[2], [new Uint8Array(3), -6]]), /Pos\.x: 3 bytes, expected 2/);
    bad(withParts([1, change[1], change[2], [201, -6]]), /Pos\.x: constant 201 out of range/);
    bad(withParts([2, add[1], [1, 1, 0, 100]]), /expected 5 columns/);
    bad(withParts([2, add[1]]), /must be an array \[op, ids/);
    bad(withParts([2, add[1], add[2], 'more']), /an add or set part is \[op, ids, columns\]/);
    bad(withParts([2, add[1], [1, 1, 0, [new Uint8Array([1, 0]), new Uint8Array(2)], 100]]), /sparse positions must ascend within 0..n-1/);
    bad(withParts(add, add), /added entity 5 is already live/);
    bad(withParts([1, add[1], new Uint8Array([8, 0]), [1]]), /changed entity 5 is not live/); // before its add
  });

  it('parts: random values in place of parts and their elements, and random byte flips, never make the decoder throw', () => {
    const noThrow = (m: unknown) => {
      const r = decodeSnapshot(ctx, m, held);
      if (!r.ok) expect(r.code).toBe('BAD_SNAPSHOT');
    };
    const value = fc.oneof(
      fc.anything(),
      fc.integer({ min: -2, max: 300 }),
      fc.uint8Array({ maxLength: 24 }),
      fc.array(fc.oneof(fc.integer({ min: -2, max: 300 }), fc.uint8Array({ maxLength: 12 }), fc.tuple(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 6 }))), { maxLength: 7 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4 }), value), { minLength: 1, maxLength: 4 }), (edits) => {
        const parts = [[...change], [...add]];
        for (const [p, i, v] of edits) parts[p]![i] = v;
        noThrow(withParts(...parts));
      }),
      { numRuns: 1500 },
    );
    fc.assert(fc.property(fc.array(value, { maxLength: 4 }), (parts) => noThrow(withParts(...parts))), { numRuns: 500 });
    const packr = new Packr({ useRecords: false });
    const bytes = packr.pack(good);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (flips, cut) => {
        const b = Uint8Array.from(bytes);
        for (const [at, v] of flips) b[bytes.length - 1 - (at % 32)] = v; // "parts" and the parts: the last 31 bytes
        const r = decodeSnapshotBytes(ctx, b.subarray(0, b.length - (cut % 3)), held);
        if (!r.ok) expect(r.code).toBe('BAD_SNAPSHOT');
      }),
      { numRuns: 1500 },
    );
  });

  it('parts: a state reused after a malformed part decodes the next good snapshot correctly', () => {
    const out: SnapshotState = newSnapshotState(ctx);
    expect(decodeSnapshot(ctx, withParts(add, add), held, out).ok).toBe(false);
    const r = decodeSnapshot(ctx, good, held, out);
    if (!r.ok) throw new Error(r.reason);
    expect(liveIds(r.state)).toEqual([1, 4, 5]);
    expect(r.state.count).toBe(3);
  });
});
