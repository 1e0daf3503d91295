// Shared fragments (src/net/server/tick-fragments.ts) against the per-client encoder they
// replace (src/net/server/view-encode.ts): for random worlds, movements, respawns, cameras,
// bases and base ranges, the fragment-built snapshot decoded on the client's base state gives
// exactly the state the per-client snapshot gives, which is exactly what the client should
// see (checked against the host block too). Also the budgeted path: the same plan sent as set
// parts or as one per-client message decodes to the same state, tick after tick.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InterestDef } from '../../src/engine/game.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import { defineSchema } from '../../src/engine/schema.js';
import { SnapshotRing } from '../../src/engine/snapshot-ring.js';
import {
  createSnapshotCodec,
  decodeSnapshotBytes,
  encodeFull,
  liveIds,
  type SnapshotCodec,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';
import { BudgetClient, changesPerCell, Scratch } from '../../src/net/server/budget.js';
import { CellRect, CellTransition, TickCells } from '../../src/net/server/cell-index.js';
import { InterestIndex } from '../../src/net/server/interest.js';
import { SnapshotFragments } from '../../src/net/server/tick-fragments.js';
import { encodeViewMessage } from '../../src/net/server/view-encode.js';

const schema = defineSchema({
  components: {
    Position: {
      x: { type: 'f32', networked: true, quant: { min: -2000, max: 6000, step: 0.5 } },
      y: { type: 'f32', networked: true, quant: { min: -2000, max: 6000, step: 0.5 } },
    },
    Stats: { hp: { type: 'i16', networked: true }, flag: { type: 'u8', networked: true }, secret: { type: 'u32' } },
  },
  globals: { phase: { networked: true } },
  archetypes: { mover: ['Position', 'Stats'], beacon: ['Position'], ship: ['Position', 'Stats'] },
});
const FI = Object.fromEntries(schema.fields.map((f, i) => [f.key, i])) as Record<string, number>;
const CAP = 300;
const B = 100; // the base tick
const T = 103; // the tick sent

interface World {
  cell: number;
  width: number;
  height: number;
  camera: number;
  /** Entities whose id is a multiple of this have a camera that does not follow them (0: none). */
  strayCamera: number;
}

function interestOf(w: World): InterestDef {
  return {
    width: w.width,
    height: w.height,
    cell: w.cell,
    always: ['beacon'],
    view(view, self, out) {
      const cam = Math.min(w.camera, w.width);
      if (w.strayCamera > 0 && self % w.strayCamera === 0) {
        out.x = 0;
        out.y = 0;
      } else {
        out.x = Math.min(Math.max(view.field('Position.x')[self]! - cam / 2, 0), w.width - cam);
        out.y = Math.min(Math.max(view.field('Position.y')[self]! - cam / 2, 0), w.height - cam);
      }
      out.width = cam;
      out.height = Math.min(w.camera, w.height);
    },
  };
}

const newBlock = (): StateBlock => blockViews(schema, CAP, new SharedArrayBuffer(blockBytes(schema, CAP)), 0);

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** A host world: rows 1..maxEid, some free; positions in and around the world (a few NaN). */
class Host {
  readonly block = newBlock();
  maxEid = 0;
  constructor(
    readonly w: World,
    readonly rnd: () => number,
  ) {}
  private f(key: string) {
    return this.block.fields[FI[key]!]!;
  }
  spawn(e: number): void {
    const r = this.rnd;
    this.f('Entity.archetype')[e] = r() < 0.05 ? 2 : r() < 0.1 ? 3 : 1;
    this.f('Entity.gen')[e] = (this.f('Entity.gen')[e]! + 1) & 0xffff;
    this.place(e, r() * (this.w.width + 400) - 200, r() * (this.w.height + 400) - 200);
    if (r() < 0.02) this.f('Position.x')[e] = NaN;
    this.f('Stats.hp')[e] = Math.floor(r() * 200) - 100;
    this.f('Stats.flag')[e] = r() < 0.3 ? 1 : 0;
    if (e > this.maxEid) this.maxEid = e;
  }
  despawn(e: number): void {
    for (let i = 0; i < this.block.fields.length; i++) if (i !== FI['Entity.gen']) this.block.fields[i]![e] = 0;
  }
  place(e: number, x: number, y: number): void {
    this.f('Position.x')[e] = x;
    this.f('Position.y')[e] = y;
  }
  live(e: number): boolean {
    return e <= this.maxEid && this.f('Entity.archetype')[e] !== 0;
  }
  /** One step of the world: moves (mostly small), hp changes, deaths, respawns, births. */
  step(moveScale: number): void {
    const r = this.rnd;
    const x = this.f('Position.x');
    const y = this.f('Position.y');
    for (let e = 1; e <= this.maxEid; e++) {
      if (!this.live(e)) {
        if (r() < 0.05) this.spawn(e);
        continue;
      }
      const p = r();
      if (p < 0.03) this.despawn(e);
      else if (p < 0.05) this.spawn(e); // respawned in the same row
      else if (p < 0.85) this.place(e, x[e]! + (r() - 0.5) * moveScale, y[e]! + (r() - 0.5) * moveScale);
      else if (p < 0.9) this.place(e, x[e]! + 0.01, y[e]!); // below one step: no wire change
      if (r() < 0.1) this.f('Stats.hp')[e] = Math.floor(r() * 200) - 100;
    }
    const born = Math.floor(r() * 4);
    for (let i = 0; i < born && this.maxEid < CAP; i++) this.spawn(this.maxEid + 1);
    if (r() < 0.3) this.block.globals[schema.globalNames.indexOf('phase')] = Math.floor(r() * 3);
  }
  publish(ring: SnapshotRing, tick: number): void {
    ring.publish(tick, this.block, { maxEid: this.maxEid, aliveCount: 0, hashHi: 0, hashLo: 0 });
  }
}

function decode(ctx: SnapshotCodec, bytes: Uint8Array, base: SnapshotState | null, what: string): SnapshotState {
  const r = decodeSnapshotBytes(ctx, bytes, base);
  if (!r.ok) throw new Error(`${what}: ${r.reason}`);
  return r.state;
}

/** Two decoded states hold the same entities, values (exactly) and globals. */
function sameState(a: SnapshotState, b: SnapshotState, what: string): void {
  const ids = liveIds(a);
  expect(liveIds(b), `${what}: live ids`).toEqual(ids);
  expect(b.count, `${what}: count`).toBe(a.count);
  for (let f = 0; f < a.values.length; f++) {
    for (const e of ids) {
      if (!Object.is(a.values[f]![e], b.values[f]![e])) throw new Error(`${what}: field ${f} of entity ${e}: ${a.values[f]![e]} vs ${b.values[f]![e]}`);
    }
  }
  expect(Array.from(b.globals), `${what}: globals`).toEqual(Array.from(a.globals));
}

const worldArb = fc.record({
  cell: fc.constantFrom(50, 100, 125),
  cols: fc.integer({ min: 1, max: 9 }),
  rows: fc.integer({ min: 1, max: 9 }),
  camera: fc.integer({ min: 40, max: 700 }),
  strayCamera: fc.constantFrom(0, 0, 7),
  entities: fc.integer({ min: 0, max: 250 }),
  moveScale: fc.constantFrom(4, 40, 300),
  seed: fc.integer(),
  shareMin: fc.constantFrom(1, 3, 8, 1000),
});

describe('shared snapshot fragments', () => {
  it('fragments: the spliced snapshot decodes on the base to exactly the per-client snapshot, for random worlds, cameras, bases and moves', () => {
    let diffFrames = 0;
    fc.assert(
      fc.property(worldArb, (p) => {
        const w: World = { cell: p.cell, width: p.cols * p.cell - (p.seed & 1 ? 0 : 13), height: p.rows * p.cell, camera: p.camera, strayCamera: p.strayCamera };
        const rnd = lcg(p.seed);
        const host = new Host(w, rnd);
        for (let e = 1; e <= p.entities; e++) host.spawn(e);
        for (let e = 1; e <= p.entities; e++) if (rnd() < 0.1) host.despawn(e);
        const ring = SnapshotRing.create(schema, CAP, { slots: 8 });
        host.publish(ring, B);
        const baseHost = { block: newBlock(), maxEid: host.maxEid };
        host.block.fields.forEach((f, i) => (baseHost.block.fields[i] as Uint8Array).set(f as Uint8Array));
        baseHost.block.globals.set(host.block.globals);
        for (let t = B + 1; t <= T; t++) {
          host.step(p.moveScale);
          host.publish(ring, t);
        }
        const def = interestOf(w);
        const interest = new InterestIndex(schema, def, CAP);
        const ctx = createSnapshotCodec(schema, CAP);
        const frags = new SnapshotFragments(ctx, interest, CAP, { shareMin: p.shareMin });
        const visNow = new Uint8Array(CAP + 1);
        const visBase = new Uint8Array(CAP + 1);
        // clients: own entities live now, at the base only, not at all; bases and base ranges
        const selves = [0, CAP, ...Array.from({ length: 6 }, () => 1 + Math.floor(rnd() * Math.max(1, host.maxEid)))];
        for (const self of selves) {
          for (const mode of ['full', 'delta', 'delta-random-range', 'unknown-range'] as const) {
            const Q = new Int32Array(4);
            interest.rangeOf(ring.blockOf(B), B, baseHost.maxEid, self, Q);
            if (mode === 'delta-random-range') {
              const x0 = Math.floor(rnd() * interest.cols);
              const y0 = Math.floor(rnd() * interest.rows);
              Q.set([x0, y0, x0 + Math.floor(rnd() * (interest.cols - x0)), y0 + Math.floor(rnd() * (interest.rows - y0))]);
            }
            if (mode === 'unknown-range') Q[0] = -1;
            const base = mode === 'full' ? -1 : B;
            // what the client holds: what it was sent at the base
            let held: SnapshotState | null = null;
            if (base >= 0) {
              const q = Q[0]! < 0 ? new Int32Array([0, 0, interest.cols - 1, interest.rows - 1]) : Q;
              interest.visible(baseHost.block, B, baseHost.maxEid, q, self, visBase);
              held = decode(ctx, ctx.pack(encodeFull(ctx, baseHost, B, visBase)), null, 'base');
              interest.release();
            }
            // the reference: encoded for this client alone
            const R = new Int32Array(4);
            interest.rangeOf(ring.blockOf(T), T, host.maxEid, self, R);
            const ref = encodeViewMessage(ctx, ring, interest, T, R, base, Q, self, visNow, visBase);
            interest.release();
            expect(ref).not.toBeNull();
            const want = decode(ctx, ctx.pack(ref!), held, `reference (${mode}, self ${self})`);
            // the same client through the shared fragments
            const t = frags.begin(ring, T)!;
            const got = new Int32Array(4);
            const frame = t.frameFor(self, base, Q, got);
            expect(t.end()).toBe(true);
            expect(t.intact(base)).toBe(true);
            expect(Array.from(got)).toEqual(Array.from(R));
            expect(frame).not.toBeNull();
            expect(new DataView(frame!.buffer, frame!.byteOffset).getUint32(0, true)).toBe(frame!.length - 4);
            const state = decode(ctx, frame!.subarray(4), held, `fragments (${mode}, self ${self})`);
            sameState(want, state, `${mode}, self ${self}, shareMin ${p.shareMin}`);
            // a client taking difference columns: its own frame (and change parts), the same state
            const td = frags.begin(ring, T)!;
            const frameD = td.frameFor(self, base, Q, new Int32Array(4), true);
            expect(td.end()).toBe(true);
            if (base >= 0 && Q[0]! >= 0) diffFrames += frameD === frame ? 0 : 1;
            sameState(want, decode(ctx, frameD!.subarray(4), held, `fragments with diffs (${mode}, self ${self})`), `diffs: ${mode}, self ${self}`);
            // and that is what the client should see: the host's entities in its view now
            interest.visible(ring.blockOf(T), T, host.maxEid, R, self, visNow);
            interest.release();
            const visible: number[] = [];
            for (let e = 1; e <= host.maxEid; e++) if (host.live(e) && visNow[e]) visible.push(e);
            expect(liveIds(state)).toEqual(visible);
          }
        }
      }),
      { numRuns: 120 },
    );
    // difference columns made other (smaller) frames often enough to be tested, not only skipped
    expect(diffFrames).toBeGreaterThan(50);
  });

  it('fragments: clients seeing the same cells from the same base share one frame, and a busy world is cut into parts', () => {
    const w: World = { cell: 100, width: 1000, height: 1000, camera: 450, strayCamera: 0 };
    const host = new Host(w, lcg(5));
    for (let e = 1; e <= 280; e++) host.spawn(e);
    const ring = SnapshotRing.create(schema, CAP, { slots: 8 });
    host.publish(ring, B);
    for (let t = B + 1; t <= T; t++) {
      host.step(6);
      host.publish(ring, t);
    }
    const interest = new InterestIndex(schema, interestOf(w), CAP);
    const ctx = createSnapshotCodec(schema, CAP);
    const frags = new SnapshotFragments(ctx, interest, CAP, { shareMin: 2 });
    const t = frags.begin(ring, T)!;
    const Q = new Int32Array([2, 2, 6, 6]);
    const a = t.frameFor(0, B, Q, new Int32Array(4)); // no entity: the whole world
    const b = t.frameFor(CAP, B, Q, new Int32Array(4));
    expect(a).toBe(b);
    expect(t.end()).toBe(true);
    const msg = ctx.unpackr.unpack(a!.subarray(4)) as { parts?: unknown[] };
    expect(msg.parts?.length).toBeGreaterThan(20);
  });

  it('fragments: a frame made while the tick slot is rewritten is reported torn by end()', () => {
    const w: World = { cell: 100, width: 500, height: 500, camera: 300, strayCamera: 0 };
    const host = new Host(w, lcg(9));
    for (let e = 1; e <= 50; e++) host.spawn(e);
    const ring = SnapshotRing.create(schema, CAP, { slots: 4 });
    host.publish(ring, B);
    host.publish(ring, B + 1);
    const interest = new InterestIndex(schema, interestOf(w), CAP);
    const frags = new SnapshotFragments(createSnapshotCodec(schema, CAP), interest, CAP);
    const t = frags.begin(ring, B + 1)!;
    t.frameFor(1, B, new Int32Array([0, 0, 4, 4]), new Int32Array(4));
    // the writer laps the ring: both the tick's slot and its base's are rewritten
    for (let k = 2; k <= 5; k++) host.publish(ring, B + k);
    expect(t.end()).toBe(false);
    expect(t.intact(B)).toBe(false);
    expect(frags.begin(ring, B + 1)).toBeNull();
  });
});

describe('fragment memory', () => {
  it('fragments: a small world on a host of capacity 100,000 keeps its cell index and transitions small (sized by need)', () => {
    const cap = 100_000;
    const w: World = { cell: 100, width: 500, height: 500, camera: 300, strayCamera: 0 };
    const big = defineSchema(schema.spec);
    const host = { block: blockViews(big, cap, new SharedArrayBuffer(blockBytes(big, cap)), 0) };
    const ring = SnapshotRing.create(big, cap, { slots: 4 });
    const rnd = lcg(3);
    for (let tick = 1; tick <= 3; tick++) {
      for (let e = 1; e <= 50; e++) {
        host.block.fields[FI['Entity.archetype']!]![e] = 1;
        host.block.fields[FI['Position.x']!]![e] = rnd() * 500;
        host.block.fields[FI['Position.y']!]![e] = rnd() * 500;
      }
      ring.publish(tick, host.block, { maxEid: 50, aliveCount: 50, hashHi: 0, hashLo: 0 });
    }
    const interest = new InterestIndex(big, interestOf(w), cap);
    const frags = new SnapshotFragments(createSnapshotCodec(big, cap), interest, cap, { shareMin: 5 });
    const t = frags.begin(ring, 3)!;
    const frame = t.frameFor(1, 2, Int32Array.of(0, 0, 2, 2), new Int32Array(4));
    expect(t.end()).toBe(true);
    expect(frame).not.toBeNull();
    const cells = frags.cellsOf(ring, 3, ring.beginRead(3), -1);
    expect(cells.cellOf.length).toBeLessThanOrEqual(64);
    expect(cells.byCell.items.length).toBeLessThanOrEqual(64);
    const tr = new CellTransition(cells.cells);
    tr.build(frags.codec, cells, ring.blockOf(3), frags.cellsOf(ring, 2, ring.beginRead(2), -1), ring.blockOf(2));
    for (const b of [tr.kept, tr.fresh, tr.gone, tr.moversIn, tr.moversOut]) expect(b.items.length).toBeLessThanOrEqual(64);
  });
});

describe('budgeted fragments', () => {
  it('budget fragments: the same plans sent as shared set parts or per client decode to the same state, tick after tick', () => {
    fc.assert(
      fc.property(worldArb, fc.integer({ min: 2_000, max: 40_000 }), (p, budget) => {
        const w: World = { cell: p.cell, width: p.cols * p.cell, height: p.rows * p.cell, camera: p.camera, strayCamera: 0 };
        const host = new Host(w, lcg(p.seed));
        for (let e = 1; e <= p.entities; e++) host.spawn(e);
        const ring = SnapshotRing.create(schema, CAP, { slots: 8 });
        const interest = new InterestIndex(schema, interestOf(w), CAP);
        const ctx = createSnapshotCodec(schema, CAP);
        const frags = new SnapshotFragments(ctx, interest, CAP);
        const cells = interest.cols * interest.rows;
        const scratch = new Scratch(cells);
        const index = new TickCells(cells);
        const rect = new CellRect(interest.cols, cells);
        const self = 1 + (p.seed >>> 0) % Math.max(1, p.entities);
        const viaParts = new BudgetClient(CAP, cells, budget);
        const perClient = new BudgetClient(CAP, cells, budget);
        let a: SnapshotState | null = null;
        let b: SnapshotState | null = null;
        const changed = new Int32Array(cells);
        const range = new Int32Array(4);
        for (let tick = 1; tick <= 40; tick++) {
          host.step(p.moveScale);
          host.publish(ring, tick);
          const t = frags.begin(ring, tick)!;
          const frame = t.budgetFrameFor(viaParts, self, 60);
          expect(t.end()).toBe(true);
          // the reference: the same decisions (same bucket), encoded for this client alone
          const block = ring.blockOf(tick);
          index.build(interest.gridOf(block, tick, host.maxEid), block.fields[FI['Entity.archetype']!] as Uint8Array, tick, 0);
          changesPerCell(ring, tick, index, interest.xIndex, interest.yIndex, changed);
          interest.rangeOf(block, tick, host.maxEid, self, range);
          const globals = [block.globals[schema.globalNames.indexOf('phase')]!];
          const plan = perClient.plan(ctx, tick, index, changed, rect.set(range), self, 60, scratch, globals);
          const msg = perClient.refreshMessage(ctx, block, tick, index, plan, scratch);
          perClient.commit(tick);
          interest.release();
          a = decode(ctx, frame.subarray(4), a, `parts, tick ${tick}`);
          b = decode(ctx, ctx.pack(msg), b, `per client, tick ${tick}`);
          sameState(b, a, `tick ${tick}`);
          expect(Array.from(viaParts.held)).toEqual(Array.from(perClient.held));
          perClient.bucket = viaParts.bucket; // charged by its own frame's size: decide alike next tick
        }
      }),
      { numRuns: 60 },
    );
  });
});
