import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { shooterSchema } from '../../src/engine/games/shooter/index.js';
import { blockBytes, blockViews, globalIndex, type StateBlock } from '../../src/engine/layout.js';
import { defineSchema, type Schema } from '../../src/engine/schema.js';
import { SnapshotRing } from '../../src/engine/snapshot-ring.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  decodeSnapshotBytes,
  encodeDelta,
  encodeFromRing,
  encodeFull,
  liveIds,
  newSnapshotState,
  schemaDescriptor,
  stateField,
  toJsonSnapshot,
  type SnapshotCodec,
  type SnapshotMessage,
  type SnapshotSource,
  type SnapshotState,
  type Visibility,
} from '../../src/net/protocol/snapshot/index.js';
import { scriptedCommands, shooterSim } from '../helpers/shooter-sim.js';

// ---- a small schema exercising every wire type ------------------------------------------

const schema = defineSchema({
  components: {
    P: {
      x: { type: 'f32', networked: true, quant: { min: -10, max: 10, step: 0.25 } }, // 80 levels: u16
      y: { type: 'f32', networked: true }, // raw f32
      z: { type: 'f32', networked: true, quant: { min: 0, max: 1e6, step: 0.01 } }, // 1e8 levels: u32
    },
    S: {
      hp: { type: 'i16', networked: true },
      flag: { type: 'u8', networked: true },
      big: { type: 'i32', networked: true },
      word: { type: 'u16', networked: true },
      tiny: { type: 'i8', networked: true },
      secret: { type: 'u32' }, // not networked
    },
  },
  globals: { phase: { networked: true }, hidden: {}, level: { networked: true } },
  archetypes: { a: ['P', 'S'], b: ['P'] },
});
const CAP = 24;
const G = globalIndex(schema);
const FI = Object.fromEntries(schema.fields.map((f, i) => [f.key, i])) as Record<string, number>;

function newBlock(s: Schema, cap: number): StateBlock {
  return blockViews(s, cap, new SharedArrayBuffer(blockBytes(s, cap)), 0);
}

function copyOf(s: Schema, cap: number, src: StateBlock): StateBlock {
  const b = newBlock(s, cap);
  b.globals.set(src.globals);
  src.fields.forEach((f, i) => (b.fields[i] as Uint8Array).set(f as Uint8Array));
  return b;
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });
/** Through real msgpack bytes, as a client receives it. */
const wire = (ctx: SnapshotCodec, m: SnapshotMessage): unknown => unpackr.unpack(ctx.pack(m));

function decodeOk(ctx: SnapshotCodec, msg: unknown, base: SnapshotState | null): SnapshotState {
  const r = decodeSnapshot(ctx, msg, base);
  if (!r.ok) throw new Error(`decode failed: ${r.reason}`);
  return r.state;
}

/** Two decoded states hold the same entities, values and globals (exactly). */
function expectSameState(a: SnapshotState, b: SnapshotState, what = ''): void {
  expect(liveIds(a), `${what} live ids`).toEqual(liveIds(b));
  expect(a.count, `${what} count`).toBe(b.count);
  for (let f = 0; f < a.values.length; f++) {
    for (const e of liveIds(a)) {
      if (!Object.is(a.values[f]![e], b.values[f]![e])) {
        throw new Error(`${what}: field ${f} of entity ${e}: ${a.values[f]![e]} vs ${b.values[f]![e]}`);
      }
    }
  }
  expect(Array.from(a.globals), `${what} globals`).toEqual(Array.from(b.globals));
}

const isVisible = (vis: Visibility | undefined, e: number) =>
  vis === undefined ? true : typeof vis === 'function' ? vis(e) : !!vis[e];

/** A decoded state matches the host block: same (visible) entities, values within each field's bound. */
function expectHostState(ctx: SnapshotCodec, s: SnapshotState, src: SnapshotSource, vis?: Visibility): void {
  const arch = src.block.fields[0] as Uint8Array;
  const want: number[] = [];
  for (let e = 1; e <= src.maxEid; e++) if (arch[e] !== 0 && isVisible(vis, e)) want.push(e);
  expect(liveIds(s)).toEqual(want);
  const sch = ctx.schema;
  for (const e of want) {
    ctx.fields.forEach((f, i) => {
      const host = src.block.fields[f.index]![e]!;
      const got = s.values[i]![e]!;
      const q = sch.fields[f.index]!.quant;
      if (q) {
        const clamped = Number.isNaN(host) ? q.min : Math.min(q.max, Math.max(q.min, host));
        if (!(Math.abs(got - clamped) <= q.step / 2 + 1e-9 * Math.max(1, Math.abs(clamped)))) {
          throw new Error(`${f.key}[${e}] decoded ${got}, host ${host} (step ${q.step})`);
        }
      } else if (f.key === 'Entity.gen') {
        expect(got).toBe(host & 0xff);
      } else if (!Object.is(got, host)) {
        throw new Error(`${f.key}[${e}] decoded ${got}, host ${host}`);
      }
    });
  }
  ctx.globalIndex.forEach((gi, i) => expect(s.globals[i]).toBe(src.block.globals[gi]));
}

/** A little host world over one block, with spawn/despawn like the engine's. */
function host(cap = CAP) {
  const block = newBlock(schema, cap);
  let maxEid = 0;
  const arch = block.fields[FI['Entity.archetype']!] as Uint8Array;
  const gen = block.fields[FI['Entity.gen']!] as Uint16Array;
  return {
    block,
    get maxEid() {
      return maxEid;
    },
    src(): SnapshotSource {
      return { block, maxEid };
    },
    spawn(row: number, archetype: number): void {
      if (arch[row] !== 0) this.despawn(row);
      arch[row] = archetype + 1;
      gen[row] = (gen[row]! + 1) & 0xffff;
      if (row > maxEid) maxEid = row;
    },
    despawn(row: number): void {
      if (arch[row] === 0) return;
      block.fields.forEach((f, i) => {
        if (i !== FI['Entity.gen']) f[row] = 0;
      });
    },
    set(key: string, row: number, v: number): void {
      block.fields[FI[key]!]![row] = v;
    },
  };
}

// ---- schema ------------------------------------------------------------------------------

describe('snapshot encoding', () => {
  it('schema: quant is validated and names the field (non-f32, step <= 0, max <= min)', () => {
    const make = (f: object) => () =>
      defineSchema({ components: { C: { v: f as never } }, globals: {}, archetypes: { a: ['C'] } });
    expect(make({ type: 'i16', quant: { min: 0, max: 1, step: 0.1 } })).toThrow(/C\.v.*only for f32/);
    expect(make({ type: 'f32', quant: { min: 0, max: 1, step: 0 } })).toThrow(/C\.v.*step must be > 0/);
    expect(make({ type: 'f32', quant: { min: 0, max: 1, step: -1 } })).toThrow(TypeError);
    expect(make({ type: 'f32', quant: { min: 1, max: 1, step: 0.1 } })).toThrow(/C\.v.*max must be > min/);
    expect(make({ type: 'f32', quant: { min: 0, max: Infinity, step: 0.1 } })).toThrow(/C\.v/);
    expect(make({ type: 'f32', quant: { min: 0, max: 1, step: 0.1 } })).not.toThrow();
  });

  it('schema: a quantized field goes on the wire as u16 up to 65535 levels, else u32; others as their own type', () => {
    const s = defineSchema({
      components: {
        C: {
          a: { type: 'f32', quant: { min: 0, max: 65535, step: 1 } },
          b: { type: 'f32', quant: { min: 0, max: 65536, step: 1 } },
          c: { type: 'f32' },
          d: { type: 'i16' },
        },
      },
      globals: {},
      archetypes: { k: ['C'] },
    });
    const byKey = Object.fromEntries(s.fields.map((f) => [f.key, f]));
    expect(byKey['C.a']!.wire).toBe('u16');
    expect(byKey['C.a']!.quant).toEqual({ min: 0, max: 65535, step: 1, levels: 65535 });
    expect(byKey['C.b']!.wire).toBe('u32');
    expect(byKey['C.c']!.wire).toBe('f32');
    expect(byKey['C.c']!.quant).toBeUndefined();
    expect(byKey['C.d']!.wire).toBe('i16');
    expect(byKey['Entity.gen']!.wire).toBe('u16');
  });

  it('snapshot: the schema descriptor lists networked fields with wire types and quant, networked globals, archetypes and the fields of each', () => {
    const d = schemaDescriptor(schema);
    expect(d.fields.map((f) => f.key)).toEqual([
      'Entity.archetype',
      'Entity.gen',
      'Entity.owner',
      'P.x',
      'P.y',
      'P.z',
      'S.hp',
      'S.flag',
      'S.big',
      'S.word',
      'S.tiny',
    ]);
    expect(d.fields.map((f) => f.wire)).toEqual(['u8', 'u8', 'u32', 'u16', 'f32', 'u32', 'i16', 'u8', 'i32', 'u16', 'i8']);
    expect(d.fields[3]!.quant).toEqual({ min: -10, max: 10, step: 0.25, levels: 80 });
    expect(d.globals).toEqual(['phase', 'level']);
    expect(d.archetypes).toEqual(['a', 'b']);
    // a: P and S; b: P only (S.hp ... S.tiny are not b's)
    expect(d.archetypeFields).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [0, 1, 2, 3, 4, 5],
    ]);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d); // plain data, sendable in a welcome
  });

  // ---- full snapshots ----------------------------------------------------------------------

  it('snapshot: a full snapshot written then read equals the host state within each field quant bound', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    const rnd = lcg(3);
    for (let e = 1; e <= 20; e++) {
      if (e % 4 === 0) continue;
      h.spawn(e, e % 3 === 0 ? 1 : 0);
      h.set('P.x', e, (rnd() - 0.5) * 20);
      h.set('P.y', e, (rnd() - 0.5) * 1e5);
      h.set('P.z', e, rnd() * 1e6);
      h.set('S.hp', e, Math.round((rnd() - 0.5) * 60000));
      h.set('S.flag', e, e % 5 === 0 ? 7 : 0);
      h.set('S.big', e, -123456789 * e);
      h.set('S.word', e, 65535 - e);
      h.set('S.tiny', e, -e);
      h.set('S.secret', e, 99);
      h.set('Entity.owner', e, e === 5 ? 4_000_000_000 : 0);
    }
    h.block.globals[G.phase] = 2;
    h.block.globals[G.level] = 1.5;
    h.block.globals[G.hidden] = 77;
    const msg = encodeFull(ctx, h.src(), 10);
    expect(msg.base).toBe(-1);
    const back = wire(ctx, msg) as Record<string, unknown>;
    // bin columns are plain msgpack bin (Buffer / Uint8Array), never typed-array extensions
    for (const c of back.cols as unknown[]) {
      if (typeof c === 'number') continue;
      for (const b of Array.isArray(c) ? c : [c]) expect(Object.getPrototypeOf(b) === Buffer.prototype || b.constructor === Uint8Array).toBe(true);
    }
    const s = decodeOk(ctx, back, null);
    expectHostState(ctx, s, h.src());
    expect(s.tick).toBe(10);
    expect(Array.from(s.globals)).toEqual([2, 1.5]);
    expect(stateField(ctx, s, 'S.secret')).toBeUndefined();
    expect(stateField(ctx, s, 'S.big')![3]).toBe(-123456789 * 3);
  });

  it('snapshot: the wire layout is bin columns of little-endian wire values, presence as bitmap or id list', () => {
    const ctx = createSnapshotCodec(schema, 1000);
    const h = host(1000);
    h.spawn(1, 0);
    h.spawn(3, 0);
    h.set('S.hp', 1, -2); // i16 LE: fe ff
    h.set('S.hp', 3, 0x0102); //        02 01
    h.set('P.x', 1, -10); // q 0
    h.set('P.x', 3, 10); // q 80 = 0x50
    h.set('S.word', 1, 5); // 0 / 5: sparse is not smaller than raw for 2 values
    const m = encodeFull(ctx, h.src(), 7);
    expect(m.top).toBe(3);
    expect(Array.from(m.bits!)).toEqual([0b101]); // 1 byte bitmap beats 2 u16 ids
    expect(m.ids).toBeUndefined();
    const col = (k: string) => m.cols![ctx.fields.findIndex((f) => f.key === k)];
    expect(col('Entity.archetype')).toBe(1); // constant
    expect(col('Entity.gen')).toBe(1);
    expect(col('Entity.owner')).toBe(0);
    expect(Array.from(col('S.hp') as Uint8Array)).toEqual([0xfe, 0xff, 0x02, 0x01]);
    expect(Array.from(col('P.x') as Uint8Array)).toEqual([0x00, 0x00, 0x50, 0x00]);
    expect(Array.from(col('S.word') as Uint8Array)).toEqual([5, 0, 0, 0]);

    // far apart ids: a sorted id list is smaller than the bitmap
    h.spawn(900, 1);
    const m2 = encodeFull(ctx, h.src(), 8);
    expect(m2.top).toBe(900);
    expect(m2.bits).toBeUndefined();
    expect(Array.from(m2.ids!)).toEqual([1, 0, 3, 0, 0x84, 0x03]);

    // sparse: many entities, few non-zero values -> [positions, values]
    for (let e = 10; e < 60; e++) h.spawn(e, 0);
    h.set('S.flag', 20, 9);
    const m3 = encodeFull(ctx, h.src(), 9);
    const flag = m3.cols![ctx.fields.findIndex((f) => f.key === 'S.flag')] as [Uint8Array, Uint8Array];
    expect(Array.isArray(flag)).toBe(true);
    // live ids: 1, 3, 10..59, 900 -> entity 20 is at position 2 + 10 = 12
    expect(Array.from(flag[0])).toEqual([12, 0]);
    expect(Array.from(flag[1])).toEqual([9]);
    const s = decodeOk(ctx, wire(ctx, m3), null);
    expectHostState(ctx, s, h.src());
  });

  it('snapshot: quantization error is within step/2 and values outside [min, max] are clamped', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    const xs = [-10, 10, 0, 0.1, 0.124, 0.126, -3.37, 9.99, 1e9, -1e9, Infinity, -Infinity, NaN, 10.2, -10.2];
    xs.forEach((x, i) => {
      h.spawn(i + 1, 1);
      h.set('P.x', i + 1, x);
      h.set('P.z', i + 1, Math.abs(x) * 1000);
    });
    const s = decodeOk(ctx, wire(ctx, encodeFull(ctx, h.src(), 1)), null);
    const x = stateField(ctx, s, 'P.x')!;
    xs.forEach((v, i) => {
      const f32 = Math.fround(v);
      const clamped = Number.isNaN(f32) ? -10 : Math.min(10, Math.max(-10, f32));
      expect(Math.abs(x[i + 1]! - clamped)).toBeLessThanOrEqual(0.125 + 1e-12);
      expect(x[i + 1]! >= -10 && x[i + 1]! <= 10).toBe(true);
    });
    expect(x[9]).toBe(10); // 1e9 -> max
    expect(x[10]).toBe(-10); // -1e9 -> min
    expect(x[13]).toBe(-10); // NaN -> min
    expect(x[5]).toBe(0); // 0.124 -> 0 (step 0.25)
    expect(x[6]).toBe(0.25); // 0.126 -> 0.25
    expectHostState(ctx, s, h.src());
    // decoded values print as the step's decimals (0.01 steps do not carry float noise)
    const z = stateField(ctx, s, 'P.z')!;
    expect(String(z[4])).toBe(String(Math.round(Math.fround(100) * 100) / 100));
  });

  it('snapshot: the JSON snapshot holds the same content as the decoded msgpack full snapshot', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 10; e++) {
      h.spawn(e, 0);
      h.set('P.x', e, e * 0.3 - 1);
      h.set('P.y', e, e / 3);
      h.set('P.z', e, e * 1234.567);
      h.set('S.hp', e, -e);
    }
    h.block.globals[G.phase] = 1;
    const j = JSON.parse(JSON.stringify(toJsonSnapshot(ctx, h.src(), 5)));
    const s = decodeOk(ctx, wire(ctx, encodeFull(ctx, h.src(), 5)), null);
    expect(j.type).toBe('snapshot');
    expect(j.tick).toBe(5);
    expect(j.base).toBe(-1);
    expect(j.ids).toEqual(liveIds(s));
    ctx.fields.forEach((f, i) => expect(j.fields[f.key]).toEqual(j.ids.map((e: number) => s.values[i]![e])));
    expect(j.globals).toEqual({ phase: 1, level: 0 });
    expect(JSON.stringify(j.fields['P.z'])).not.toMatch(/0000000/); // no float noise
  });

  // ---- deltas --------------------------------------------------------------------------

  it('snapshot: a delta applied to its base equals the full snapshot (random spawns, despawns, changes, visibility)', () => {
    const F32 = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true }).map(Math.fround);
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ k: fc.constant('spawn' as const), row: fc.integer({ min: 1, max: CAP }), arch: fc.integer({ min: 0, max: 1 }) }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('despawn' as const), row: fc.integer({ min: 1, max: CAP }) }) },
      {
        weight: 8,
        arbitrary: fc.record({
          k: fc.constant('set' as const),
          row: fc.integer({ min: 1, max: CAP }),
          key: fc.constantFrom('P.x', 'P.y', 'P.z', 'S.hp', 'S.flag', 'S.big', 'S.word', 'S.tiny', 'S.secret', 'Entity.owner'),
          v: fc.oneof(F32(-12, 12), F32(-1e6, 2e6), fc.integer({ min: -70000, max: 70000 }), fc.constantFrom(0, -0, NaN, 1e9)),
        }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('jitter' as const), row: fc.integer({ min: 1, max: CAP }), d: fc.double({ min: -0.01, max: 0.01, noNaN: true }) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('global' as const), which: fc.constantFrom('phase', 'level', 'hidden'), v: fc.integer({ min: 0, max: 5 }) }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('vis' as const), row: fc.integer({ min: 1, max: CAP }) }) },
      // every live row's field moves by about d steps: what difference columns are for
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant('drift' as const),
          key: fc.constantFrom('P.x', 'P.z', 'S.hp', 'S.big', 'S.word', 'Entity.owner'),
          d: fc.integer({ min: -140, max: 140 }),
          // one row (if live) jumps 300 steps more: a value that must travel whole
          jump: fc.integer({ min: 0, max: CAP }),
        }),
      },
      // every live row's field moves at its own constant speed (e's): what predicted columns are for
      { weight: 4, arbitrary: fc.record({ k: fc.constant('glide' as const), key: fc.constantFrom('P.x', 'P.z', 'S.hp', 'S.big', 'S.word') }) },
    );
    let diffColumns = 0;
    let predictedColumns = 0;
    const script = fc.record({
      useVis: fc.boolean(),
      ticks: fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 40 }),
    });
    fc.assert(
      fc.property(script, ({ useVis, ticks }) => {
        const ctx = createSnapshotCodec(schema, CAP);
        const h = host();
        const vis = new Uint8Array(CAP + 1).fill(1);
        const history: { src: SnapshotSource; vis: Uint8Array | undefined; state: SnapshotState }[] = [];
        ticks.forEach((ops, t) => {
          for (const o of ops) {
            if (o.k === 'spawn') h.spawn(o.row, o.arch);
            else if (o.k === 'despawn') h.despawn(o.row);
            else if (o.k === 'set') {
              if ((h.block.fields[0] as Uint8Array)[o.row] !== 0) h.set(o.key, o.row, o.v);
            } else if (o.k === 'jitter') {
              const x = h.block.fields[FI['P.x']!]!;
              x[o.row] = x[o.row]! + o.d;
            } else if (o.k === 'global') h.block.globals[G[o.which]] = o.v;
            else if (o.k === 'drift') {
              const q = schema.fields[FI[o.key]!]!.quant;
              const col = h.block.fields[FI[o.key]!]!;
              for (let e = 1; e <= h.maxEid; e++) {
                if ((h.block.fields[0] as Uint8Array)[e] !== 0) col[e] = col[e]! + (o.d + (e % 3) - 1 + (e === o.jump ? 300 : 0)) * (q ? q.step : 1);
              }
            } else if (o.k === 'glide') {
              const q = schema.fields[FI[o.key]!]!.quant;
              const col = h.block.fields[FI[o.key]!]!;
              for (let e = 1; e <= h.maxEid; e++) if ((h.block.fields[0] as Uint8Array)[e] !== 0) col[e] = col[e]! + (((e * 7) % 11) - 5) * (q ? q.step : 1);
            } else vis[o.row] = vis[o.row] ? 0 : 1;
          }
          const src = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
          const v = useVis ? vis.slice() : undefined;
          const state = decodeOk(ctx, wire(ctx, encodeFull(ctx, src, t, v)), null);
          expectHostState(ctx, state, src, v);
          for (let k = 1; k <= Math.min(31, history.length); k++) {
            const b = history[history.length - k]!;
            const d = encodeDelta(ctx, src, t, b.src, t - k, v, b.vis);
            const r = decodeSnapshot(ctx, wire(ctx, d), b.state);
            if (!r.ok) throw new Error(`delta ${t - k} -> ${t}: ${r.reason}`);
            expect(r.full).toBe(d.base === -1);
            expectSameState(r.state, state, `delta ${t - k} -> ${t}`);
            // the same with difference columns (a client whose join asked for them)
            const dd = encodeDelta(ctx, src, t, b.src, t - k, v, b.vis, true);
            diffColumns += (dd.vals ?? []).filter((c) => Array.isArray(c) && c.length !== 2).length;
            const rd = decodeSnapshot(ctx, wire(ctx, dd), b.state);
            if (!rd.ok) throw new Error(`diff delta ${t - k} -> ${t}: ${rd.reason}`);
            expectSameState(rd.state, state, `diff delta ${t - k} -> ${t}`);
            if (d.base >= 0) expect(ctx.pack(dd).length).toBeLessThanOrEqual(ctx.pack(d).length);
            // and with predicted columns, from an older state the client also holds (base2)
            for (let k2 = k + 1; k2 <= Math.min(31, history.length, k + 3); k2++) {
              const b2 = history[history.length - k2]!;
              const dp = encodeDelta(ctx, src, t, b.src, t - k, v, b.vis, true, { src: b2.src, tick: t - k2 });
              if (v === undefined && dp.base >= 0) expect(dp.base2).toBe(t - k2);
              predictedColumns += (dp.vals ?? []).filter((c) => Array.isArray(c) && typeof c[0] === 'number').length;
              const rp = decodeSnapshot(ctx, wire(ctx, dp), b.state, undefined, b2.state);
              if (!rp.ok) throw new Error(`predicted delta ${t - k2}, ${t - k} -> ${t}: ${rp.reason}`);
              expectSameState(rp.state, state, `predicted delta ${t - k2}, ${t - k} -> ${t}`);
              // never larger than without base2 but for naming it (6 bytes of key, its value): the encoder weighs every form
              if (d.base >= 0) expect(ctx.pack(dp).length).toBeLessThanOrEqual(ctx.pack(dd).length + 6 + ctx.pack(t - k2 as never).length);
            }
          }
          history.push({ src, vis: v, state });
        });
      }),
      { numRuns: 150 },
    );
    // the property met difference and predicted columns, not only their absence (exceptions: snapshot-diffs.test.ts)
    expect(diffColumns).toBeGreaterThan(100);
    expect(predictedColumns).toBeGreaterThan(100);
  });

  it('snapshot: deltas over a long scripted shooter game equal the full state at every tick, with bases 1..31 ticks old', () => {
    const TICKS = 3000;
    const capacity = 2000;
    const sim = shooterSim({ capacity, seed: 11 });
    const ring = SnapshotRing.create(shooterSchema, capacity);
    const ctx = createSnapshotCodec(shooterSchema, capacity);
    const yIdx = shooterSchema.fields.findIndex((f) => f.key === 'Position.y');
    // client A sees everything; client B only entities in the top half (interest management)
    // decoded states by tick % 32 (their memory is reused, as a client would)
    const poolA = Array.from({ length: 32 }, () => newSnapshotState(ctx));
    const poolB = Array.from({ length: 32 }, () => newSnapshotState(ctx));
    const clientA: (SnapshotState | undefined)[] = [];
    const clientB: { state: SnapshotState; vis: Uint8Array }[] = [];
    const fullOut = newSnapshotState(ctx);
    const decodeInto = (m: unknown, base: SnapshotState | null, out: SnapshotState) => {
      const r = decodeSnapshot(ctx, m, base, out);
      if (!r.ok) throw new Error(`tick ${t}: ${r.reason}`);
      return r.state;
    };
    const totals = { rm: 0, add: 0, ch: 0, fallbacks: 0, bytes: 0, fullBytes: 0 };
    let t = 0;
    for (const cmds of scriptedCommands(TICKS)) {
      sim.step(cmds);
      t = sim.tick;
      ring.publish(t, sim.world.block, { maxEid: sim.maxEid, aliveCount: sim.aliveCount, hashHi: 0, hashLo: 0 });
      const src = { block: ring.blockOf(t), maxEid: sim.maxEid };

      const full = encodeFull(ctx, src, t);
      const fullBytes = ctx.pack(full);
      const fullState = decodeInto(unpackr.unpack(fullBytes), null, fullOut);
      expectHostState(ctx, fullState, { block: sim.world.block, maxEid: sim.maxEid });

      const age = 1 + (t % 31);
      const baseState = clientA[(t - age) % 32];
      let stateA: SnapshotState;
      if (!(baseState && baseState.tick === t - age)) stateA = decodeInto(unpackr.unpack(fullBytes), null, poolA[t % 32]!);
      else {
        const d = encodeFromRing(ctx, ring, t, t - age)!;
        expect(d).not.toBeNull();
        const bytes = ctx.pack(d);
        totals.bytes += bytes.length;
        totals.fullBytes += fullBytes.length;
        if (d.base === -1) totals.fallbacks++;
        const m = unpackr.unpack(bytes) as SnapshotMessage;
        totals.rm += countIds(m.rm, m.rmBits, m.top);
        totals.add += countIds(m.add, m.addBits, m.top);
        totals.ch += countIds(m.ch, m.chBits, m.top);
        stateA = decodeInto(m, baseState, poolA[t % 32]!); // the client chains: decoded deltas become bases
        expectSameState(stateA, fullState, `A tick ${t} base ${t - age}`);
      }
      clientA[t % 32] = stateA;

      const y = src.block.fields[yIdx] as Float32Array;
      const visB = new Uint8Array(capacity + 1);
      for (let e = 1; e <= src.maxEid; e++) visB[e] = y[e]! < 375 ? 1 : 0;
      const fullMsgB = wire(ctx, encodeFull(ctx, src, t, visB));
      const fullB = decodeInto(fullMsgB, null, fullOut);
      expectHostState(ctx, fullB, src, visB);
      const bB = clientB[(t - age) % 32];
      let stateB: SnapshotState;
      if (!(bB && bB.state.tick === t - age)) stateB = decodeInto(fullMsgB, null, poolB[t % 32]!);
      else {
        const d = encodeFromRing(ctx, ring, t, t - age, visB, bB.vis)!;
        stateB = decodeInto(wire(ctx, d), bB.state, poolB[t % 32]!);
        expectSameState(stateB, fullB, `B tick ${t} base ${t - age}`);
      }
      clientB[t % 32] = { state: stateB, vis: visB };
    }
    // the game really spawned, killed and moved things, and deltas paid off
    expect(totals.rm).toBeGreaterThan(100);
    expect(totals.add).toBeGreaterThan(100);
    expect(totals.ch).toBeGreaterThan(10_000);
    expect(totals.bytes).toBeLessThan(totals.fullBytes);
  });

  it('snapshot: a quiet world encodes to at most 32 bytes, and sub-step jitter of a quantized field costs nothing', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 20; e++) {
      h.spawn(e, 0);
      h.set('P.x', e, 1);
      h.set('P.y', e, e);
    }
    h.block.globals[G.phase] = 1;
    const base = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 60_000)), null);
    const quiet = encodeDelta(ctx, { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid }, 60_001, base, 60_000);
    expect(Object.keys(quiet)).toEqual(['type', 'tick', 'base']);
    expect(ctx.pack(quiet).length).toBeLessThanOrEqual(32);
    expectSameState(decodeOk(ctx, wire(ctx, quiet), baseState), baseState);

    // jitter below half a step on every x: nothing to send
    for (let e = 1; e <= 20; e++) h.set('P.x', e, 1 + (e % 2 ? 0.1 : -0.1));
    const jitter = encodeDelta(ctx, { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid }, 60_001, base, 60_000);
    expect(ctx.pack(jitter).length).toBeLessThanOrEqual(32);

    // a changed global alone: still tiny
    h.block.globals[G.phase] = 2;
    const g = encodeDelta(ctx, { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid }, 60_001, base, 60_000);
    expect(g.g).toEqual([2, 0]);
    expect(ctx.pack(g).length).toBeLessThanOrEqual(40);
    // a non-networked global changing is not sent
    h.block.globals[G.phase] = 1;
    h.block.globals[G.hidden] = 9;
    expect(encodeDelta(ctx, { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid }, 60_001, base, 60_000).g).toBeUndefined();
  });

  it('snapshot: a delta lists only the changed fields of changed entities', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 20; e++) h.spawn(e, 0);
    const base = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    h.set('S.hp', 4, 50);
    h.set('S.hp', 9, 60);
    h.set('S.big', 9, 70_000);
    const d = encodeDelta(ctx, h.src(), 2, base, 1);
    expect(d.base).toBe(1);
    expect(d.rm ?? d.rmBits).toBeUndefined();
    expect(d.add ?? d.addBits).toBeUndefined();
    expect(d.top).toBe(9);
    expect(idsOf(d, 'ch')).toEqual([4, 9]);
    const hp = ctx.fields.findIndex((f) => f.key === 'S.hp');
    const big = ctx.fields.findIndex((f) => f.key === 'S.big');
    // 11 networked fields: 2 mask bytes per entity; hp is field 6 (byte 0), big field 8 (byte 1).
    // One mask for both would cost entity 4's big, 4 bytes, more than the 2 of a second mask.
    expect([hp, big]).toEqual([6, 8]);
    expect(Array.from(d.mask!)).toEqual([1 << 6, 0, 1 << 6, 1 << 0]);
    // S.tiny (field 10) -> byte 1, bit 2
    h.set('S.tiny', 4, -1);
    const d2 = encodeDelta(ctx, h.src(), 3, base, 1);
    expect(Array.from(d2.mask!)).toEqual([1 << 6, 1 << 2, 1 << 6, 1 << 0]);
    expectHostState(ctx, decodeOk(ctx, wire(ctx, d2), baseState), h.src());
    h.set('S.tiny', 4, 0);
    expect(Array.from(d.vals![hp] as Uint8Array)).toEqual([50, 0, 60, 0]);
    expect(d.vals![big]).toBe(70_000);
    expect(d.vals![0]).toBe(0); // no values: an empty constant column
    const s = decodeOk(ctx, wire(ctx, d), baseState);
    expectHostState(ctx, s, h.src());
  });

  it('snapshot: when one mask for all costs less than a mask each, the changed entities share the union and carry its fields', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 20; e++) h.spawn(e, 0);
    const base = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    // 12 entities change hp and word, one only hp: a mask each is 26 bytes, the union adds
    // that one's word (2 bytes)
    for (let e = 1; e <= 13; e++) {
      h.set('S.hp', e, 10 * e);
      if (e !== 5) h.set('S.word', e, 1000 + e);
    }
    const d = encodeDelta(ctx, h.src(), 2, base, 1);
    const hp = ctx.fields.findIndex((f) => f.key === 'S.hp');
    const word = ctx.fields.findIndex((f) => f.key === 'S.word');
    expect(Array.from(d.mask!)).toEqual([1 << hp, 1 << (word - 8)]);
    const words = new Uint16Array(new Uint8Array(d.vals![word] as Uint8Array).buffer);
    expect(Array.from(words)).toEqual(Array.from({ length: 13 }, (_, i) => (i === 4 ? 0 : 1001 + i)));
    expectHostState(ctx, decodeOk(ctx, wire(ctx, d), baseState), h.src());
  });

  it('snapshot: a respawned row (new gen) is a remove plus an add; a despawned one a remove', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 12; e++) h.spawn(e, 0);
    const base = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    h.despawn(5);
    h.spawn(5, 1); // same row, gen 2, other archetype
    h.despawn(7);
    const d = encodeDelta(ctx, h.src(), 2, base, 1);
    expect(idsOf(d, 'rm')).toEqual([5, 7]);
    expect(idsOf(d, 'add')).toEqual([5]);
    const s = decodeOk(ctx, wire(ctx, d), baseState);
    expectHostState(ctx, s, h.src());
    expect(stateField(ctx, s, 'Entity.gen')![5]).toBe(2);

    // 256 respawns later the low byte is the same, but the host still sees the new entity
    const g = h.block.fields[FI['Entity.gen']!]!;
    g[5] = g[5]! + 256;
    const d2 = encodeDelta(ctx, h.src(), 3, { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid }, 2);
    expect(idsOf(d2, 'add')).toEqual([]);
    const base3 = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    g[5] = g[5]! + 256;
    const d3 = encodeDelta(ctx, h.src(), 4, base3, 3);
    expect(idsOf(d3, 'add')).toEqual([5]);
    expect(idsOf(d3, 'rm')).toEqual([5]);
  });

  it('snapshot: an entity outside the visible filter is absent; entering and leaving appear as add and remove', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 10; e++) h.spawn(e, 0);
    const visA = (e: number) => e <= 5; // predicate form
    const full = encodeFull(ctx, h.src(), 1, visA);
    const sA = decodeOk(ctx, wire(ctx, full), null);
    expect(liveIds(sA)).toEqual([1, 2, 3, 4, 5]);

    const visB = new Uint8Array(CAP + 1); // bitmap form
    for (const e of [2, 3, 4, 5, 6, 7]) visB[e] = 1;
    const base = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const d = encodeDelta(ctx, h.src(), 2, base, 1, visB, visA);
    expect(idsOf(d, 'rm')).toEqual([1]);
    expect(idsOf(d, 'add')).toEqual([6, 7]);
    const sB = decodeOk(ctx, wire(ctx, d), sA);
    expect(liveIds(sB)).toEqual([2, 3, 4, 5, 6, 7]);
    expectSameState(sB, decodeOk(ctx, wire(ctx, encodeFull(ctx, h.src(), 2, visB)), null));

    // ids past the bitmap's end are not visible
    expect(liveIds(decodeOk(ctx, wire(ctx, encodeFull(ctx, h.src(), 3, new Uint8Array([0, 1, 1]))), null))).toEqual([1, 2]);
  });

  it('snapshot: a delta larger than the full snapshot is sent as a full snapshot (base -1)', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 20; e++) h.spawn(e, 0);
    const base = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const baseState = decodeOk(ctx, wire(ctx, encodeFull(ctx, base, 1)), null);
    // every entity respawned with every field different: remove + add of everything
    for (let e = 1; e <= 20; e++) {
      h.spawn(e, 1);
      h.set('P.y', e, e * 7.5);
      h.set('S.big', e, e * 1000);
    }
    const d = encodeDelta(ctx, h.src(), 2, base, 1);
    expect(d.base).toBe(-1);
    const r = decodeSnapshot(ctx, wire(ctx, d), baseState);
    expect(r.ok && r.full).toBe(true);
    if (r.ok) expectHostState(ctx, r.state, h.src());
  });

  it('snapshot: encodeFromRing reads slots under their seqlock, null when the tick is gone, full when the base is', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const ring = SnapshotRing.create(schema, CAP);
    const h = host();
    h.spawn(1, 0);
    for (let t = 0; t < 40; t++) {
      h.set('S.hp', 1, t);
      ring.publish(t, h.block, { maxEid: h.maxEid, aliveCount: 1, hashHi: 0, hashLo: 0 });
    }
    expect(encodeFromRing(ctx, ring, 3)).toBeNull(); // overwritten
    expect(encodeFromRing(ctx, ring, 39, 38)!.base).toBe(38);
    expect(encodeFromRing(ctx, ring, 39, 2)!.base).toBe(-1); // base slot overwritten
    expect(encodeFromRing(ctx, ring, 39)!.base).toBe(-1);
  });

  // ---- malformed input -----------------------------------------------------------------

  it('snapshot: specific malformed messages give BAD_SNAPSHOT, an unknown base says baseMissing', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 6; e++) h.spawn(e, 0);
    const full = wire(ctx, encodeFull(ctx, h.src(), 1)) as Record<string, unknown>;
    const base = decodeOk(ctx, full, null);
    const baseSrc = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    h.set('S.hp', 2, 5);
    h.despawn(3);
    h.spawn(9, 1);
    const delta = wire(ctx, encodeDelta(ctx, h.src(), 2, baseSrc, 1)) as Record<string, unknown>;
    expect(delta.rm).toBeDefined();
    expect(delta.ch).toBeDefined();
    expect(delta.add).toBeDefined();
    const bad = (m: unknown, b: SnapshotState | null = null) => {
      const r = decodeSnapshot(ctx, m, b);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe('BAD_SNAPSHOT');
      return r as { ok: false; reason: string; baseMissing: boolean };
    };
    bad(null);
    bad([1, 2]);
    bad('snapshot');
    bad({ ...full, type: 'welcome' });
    bad({ ...full, tick: -1 });
    bad({ ...full, tick: 1.5 });
    bad({ ...full, top: CAP + 1 }); // ids out of range
    bad({ ...full, cols: (full.cols as unknown[]).slice(1) });
    bad({ ...full, g: [1] });
    bad({ ...full, g: ['a', 'b'] });
    bad({ ...full, bits: undefined }); // no presence
    bad({ ...full, ids: new Uint8Array([1, 0]) }); // both ids and bits
    bad({ ...full, bits: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }); // oversized bitmap
    bad({ ...full, top: 3 }); // bitmap bits past top
    bad({ ...full, bits: undefined, ids: new Uint8Array([2, 0, 1, 0]) }); // not ascending
    bad({ ...full, bits: undefined, ids: new Uint8Array([2, 0, 1]) }); // truncated
    bad({ ...full, cols: (full.cols as unknown[]).map(() => new Uint8Array(3)) }); // truncated columns
    bad({ ...full, cols: (full.cols as unknown[]).map(() => 1e12) }); // constants out of range
    bad({ ...full, cols: (full.cols as unknown[]).map(() => [new Uint8Array([9, 0]), new Uint8Array(4)]) }); // sparse position past n
    const x = ctx.fields.findIndex((f) => f.key === 'P.x');
    const cols = [...(full.cols as unknown[])];
    cols[x] = new Uint8Array(12).fill(0xff); // quantized values over levels
    bad({ ...full, cols });
    expect(bad(delta, null).baseMissing).toBe(true);
    expect(bad({ ...delta, base: 0 }, base).baseMissing).toBe(true);
    bad({ ...delta, rm: new Uint8Array([7, 0]) }, base); // not in base
    bad({ ...delta, add: new Uint8Array([1, 0]) }, base); // already live
    bad({ ...delta, mask: new Uint8Array([0, 0, 0]) }, base);
    bad({ ...delta, mask: new Uint8Array([0, 0xf0]) }, base); // bit past the last field
    bad({ ...delta, vals: [] }, base);
    bad({ ...delta, top: undefined }, base);
    // the reused output state stays usable after an error
    const out = newSnapshotState(ctx);
    expect(decodeSnapshot(ctx, { ...full, g: 1 }, null, out).ok).toBe(false);
    const r = decodeSnapshot(ctx, full, null, out);
    expect(r.ok).toBe(true);
    if (r.ok) expectSameState(r.state, base);
    expect(decodeSnapshot(ctx, delta, base, base).ok).toBe(false); // out must not be the base
    // and the good ones decode
    expect(decodeSnapshot(ctx, delta, base).ok).toBe(true);
  });

  it('snapshot: random objects, mutated messages and random bytes never make the decoder throw', () => {
    const ctx = createSnapshotCodec(schema, CAP);
    const h = host();
    for (let e = 1; e <= 15; e++) {
      h.spawn(e, e % 2);
      h.set('P.x', e, e - 7);
      h.set('S.hp', e, e * 3);
    }
    const baseSrc = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const fullMsg = wire(ctx, encodeFull(ctx, baseSrc, 1)) as Record<string, unknown>;
    const base = decodeOk(ctx, fullMsg, null);
    h.despawn(2);
    h.spawn(20, 0);
    h.set('S.hp', 4, 99);
    h.set('P.x', 5, 3);
    const deltaMsg = wire(ctx, encodeDelta(ctx, h.src(), 2, baseSrc, 1)) as Record<string, unknown>;
    // a delta with predicted columns: tick 3 against 2, base2 1 (every kept entity keeps moving)
    const src2 = { block: copyOf(schema, CAP, h.block), maxEid: h.maxEid };
    const state2 = decodeOk(ctx, deltaMsg, base);
    for (let e = 1; e <= h.maxEid; e++) h.set('P.x', e, (h.block.fields[FI['P.x']!] as Float32Array)[e]! + 0.5 * (e % 3));
    const predMsg = wire(ctx, encodeDelta(ctx, h.src(), 3, src2, 2, undefined, undefined, true, { src: baseSrc, tick: 1 })) as Record<string, unknown>;
    expect(predMsg.base2).toBe(1);
    expect((predMsg.vals as unknown[]).some((c) => Array.isArray(c) && typeof c[0] === 'number')).toBe(true);
    expect(decodeSnapshot(ctx, predMsg, state2, undefined, base).ok).toBe(true);
    const packed = [ctx.pack(encodeFull(ctx, baseSrc, 1)), packr.pack(deltaMsg), packr.pack(predMsg)];
    const keys = ['type', 'tick', 'base', 'base2', 'top', 'ids', 'bits', 'cols', 'g', 'rm', 'rmBits', 'ch', 'chBits', 'mask', 'vals', 'add', 'addBits', 'addCols'];
    const value = fc.oneof(
      fc.anything(),
      fc.uint8Array({ maxLength: 64 }),
      fc.integer(),
      fc.double(),
      fc.array(
        fc.oneof(
          fc.integer({ min: -2, max: 300 }),
          fc.uint8Array({ maxLength: 40 }),
          fc.tuple(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 })),
          // predicted-column shapes: a width, residuals, maybe exceptions
          fc.tuple(fc.integer({ min: -1, max: 10 }), fc.uint8Array({ maxLength: 8 })),
          fc.tuple(fc.integer({ min: -1, max: 10 }), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 })),
        ),
        { maxLength: 12 },
      ),
    );
    const noThrow = (m: unknown, b: SnapshotState | null, b2: SnapshotState | null = null) => {
      const r = decodeSnapshot(ctx, m, b, undefined, b2);
      if (!r.ok) expect(r.code).toBe('BAD_SNAPSHOT');
    };
    fc.assert(
      fc.property(fc.anything(), fc.boolean(), (v, withBase) => noThrow(v, withBase ? base : null)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.array(fc.tuple(fc.constantFrom(...keys), fc.option(value)), { minLength: 1, maxLength: 3 }), (which, edits) => {
        const m: Record<string, unknown> = { ...[fullMsg, deltaMsg, predMsg][which]! };
        for (const [k, v] of edits) {
          if (v === null) delete m[k];
          else m[k] = v;
        }
        if (which === 2) noThrow(m, state2, base);
        else noThrow(m, base);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = decodeSnapshotBytes(ctx, bytes, base);
        if (!r.ok) expect(r.code).toBe('BAD_SNAPSHOT');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (which, flips, cut) => {
          const bytes = Uint8Array.from(packed[which]!);
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          const r = which === 2 ? decodeSnapshotBytes(ctx, bytes.subarray(0, bytes.length - (cut % 4)), state2, undefined, base) : decodeSnapshotBytes(ctx, bytes.subarray(0, bytes.length - (cut % 4)), base);
          if (!r.ok) expect(r.code).toBe('BAD_SNAPSHOT');
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---- helpers -------------------------------------------------------------------------------

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** The ids of an id set of a message, whichever form (list or bitmap) it was sent in. */
function idsOf(m: SnapshotMessage, key: 'ids' | 'rm' | 'ch' | 'add'): number[] {
  const list = m[key];
  const bits = m[key === 'ids' ? 'bits' : (`${key}Bits` as const)];
  const w = (m.top ?? 0) <= 0xffff ? 2 : 4;
  const out: number[] = [];
  if (list) {
    const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
    for (let i = 0; i < list.length; i += w) out.push(w === 2 ? dv.getUint16(i, true) : dv.getUint32(i, true));
  } else if (bits) {
    for (let e = 1; e <= (m.top ?? 0); e++) if (bits[(e - 1) >> 3]! & (1 << ((e - 1) & 7))) out.push(e);
  }
  return out;
}

/** How many ids an id set of a delta holds (either form). */
function countIds(list: Uint8Array | undefined, bits: Uint8Array | undefined, top: number | undefined): number {
  if (list) return list.length / ((top ?? 0) <= 0xffff ? 2 : 4);
  if (!bits) return 0;
  let n = 0;
  for (const b of bits) for (let v = b; v; v &= v - 1) n++;
  return n;
}
