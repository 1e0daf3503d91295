// The serialization suite: snapshot encode and decode (src/net/protocol/snapshot/) for
// 100, 1k and 5k entities, msgpack (full, one-tick delta, quiet delta) and JSON (full), time
// and bytes. A msgpackr-records row (an array of plain objects packed with msgpackr's record
// extension, the obvious way to send a world) gives the scale of a naive encoding.
//
// The world: a bench schema with four changing f32 fields per entity, quantized the way a
// game would declare them (positions in a 1000 x 1000 px world at 1/64 px, velocities within
// +-500 px/s at 1/64 px/s: 64,000 levels each, so u16 on the wire, error <= 1/128), plus the
// engine fields (archetype, gen, owner). Rows 1..~1.05 N with ~5% holes and ~5% respawned
// rows (gen 2), owners on 1% of the entities, like a game some minutes in. A delta is one
// tick of movement of every entity (x += vx / 60, y += vy / 60); the quiet delta is between
// two identical ticks.

import { Packr, unpack } from 'msgpackr';
import { Bench } from 'tinybench';
import { blockBytes, blockViews, globalIndex, type StateBlock } from '../../src/engine/layout.js';
import { defineSchema } from '../../src/engine/schema.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  decodeSnapshotBytes,
  encodeDelta,
  encodeFull,
  newSnapshotState,
  toJsonSnapshot,
  type JsonSnapshot,
  type SnapshotCodec,
  type SnapshotSource,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';
import { median, round } from '../stats.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';

const SIZES = [100, 1_000, 5_000];
const TIME_MS = 300;
const BREAKDOWN_RUNS = 200;
/** A tick ten minutes into a session at 60 Hz (a u16 on the wire). */
const TICK = 36_000;

const POS = { min: 0, max: 1000, step: 1 / 64 };
const VEL = { min: -500, max: 500, step: 1 / 64 };

export const benchSchema = defineSchema({
  components: {
    Body: {
      x: { type: 'f32', networked: true, quant: POS },
      y: { type: 'f32', networked: true, quant: POS },
      vx: { type: 'f32', networked: true, quant: VEL },
      vy: { type: 'f32', networked: true, quant: VEL },
    },
  },
  globals: { phase: { networked: true }, level: { networked: true } },
  archetypes: { mover: ['Body'] },
});

export const info: SuiteInfo = {
  name: 'serialization',
  title: 'snapshot encode / decode (msgpack full + delta, JSON full)',
  description: [
    'The snapshot codec of `src/net/protocol/snapshot/` (wire format: docs/snapshot-encoding.md) on a ' +
      'bench schema of four changing f32 fields per entity (x, y, vx, vy) plus the engine fields ' +
      '(archetype, gen, owner). The four fields are quantized the way a game would declare them: ' +
      'x, y in [0, 1000] px at 1/64 px, vx, vy in [-500, 500] px/s at 1/64 (64,000 levels: u16 on the ' +
      'wire, error <= 1/128). Rows 1..~1.05 N with ~5% holes and ~5% respawned rows, owners on 1% of ' +
      'the entities. `delta`: one tick of movement of every entity (x += vx/60, y += vy/60); `delta-diffs`: the ' +
      'same delta for a client that takes difference columns (changed values as one signed byte each from the base, ' +
      'those that do not fit sent whole as exceptions): here an entity moves up to 533 steps of 1/64 px a tick, most do not ' +
      'fit, the plain column is smaller and the row shows what trying costs (the load bench\'s drones, at 1/2 px, fit); ' +
      '`delta-pred`: the same delta for a client that takes predicted columns and holds the tick before the base too ' +
      '(x -= vx/60): each changed value is sent as its difference from the linear extrapolation of the two, in a few bits; ' +
      'these entities move in straight lines, so most differences are rounding; ' +
      '`quiet`: a delta between two identical ticks.',
    '`encode` is the message build plus msgpackr `pack` (one reused `Packr({ useRecords: false, ' +
      'variableMapSize: true })`), or `toJsonSnapshot` plus `JSON.stringify`; `decode` is `unpack` plus ' +
      '`decodeSnapshot` into a reused client state, or `JSON.parse`. `bytes`: the encoded message. ' +
      'Median and p99 from tinybench; the breakdown below times the two halves separately (medians of ' +
      `${BREAKDOWN_RUNS} runs). After timing, every decode is checked against the host state.`,
    'For scale: the Colyseus schema encoder publishes 0.89 ms and 137 KB for 5k entities (74.6 KB ' +
      'quantized); a plain array of msgpackr records is ~1 ms / 200 KB for 5k entities. The `records` ' +
      'rows measure the latter in the same run: the same entities as an array of plain objects packed ' +
      'with a msgpackr records `Packr` (`useRecords: true`), built from the block each time. They also ' +
      'show how busy the machine was: on a shared machine every timing here moves with its load.',
  ],
  columns: [
    { key: 'entities', label: 'entities' },
    { key: 'mode', label: 'mode' },
    { key: 'kind', label: 'kind' },
    { key: 'op', label: 'op' },
    { key: 'median_ms', label: 'median ms' },
    { key: 'p99_ms', label: 'p99 ms' },
    { key: 'bytes', label: 'bytes' },
    { key: 'samples', label: 'samples' },
  ],
  labelKeys: ['entities', 'mode', 'kind', 'op'],
  targets: [
    {
      label: '5k entities: full msgpack encode median <= 0.25 ms',
      where: { match: { mode: 'msgpack', kind: 'full', op: 'encode', entities: 5_000 } },
      metric: 'median_ms',
      max: 0.25,
    },
    {
      label: '5k entities: full msgpack snapshot <= 64 KB',
      where: { match: { mode: 'msgpack', kind: 'full', op: 'encode', entities: 5_000 } },
      metric: 'bytes',
      max: 65_536,
    },
    {
      label: '5k entities: quiet delta <= 32 bytes',
      where: { match: { mode: 'msgpack', kind: 'quiet', op: 'encode', entities: 5_000 } },
      metric: 'bytes',
      max: 32,
    },
  ],
  breakdownKey: 'breakdown_ms',
};

// ---- the world --------------------------------------------------------------------------

export interface World {
  n: number;
  capacity: number;
  ctx: SnapshotCodec;
  base: SnapshotSource;
  now: SnapshotSource;
  quiet: SnapshotSource;
  /** One tick before `base` (x -= vx/60): a client's older ack, for predicted columns. */
  prev: SnapshotSource;
}

function newBlock(capacity: number): StateBlock {
  return blockViews(benchSchema, capacity, new SharedArrayBuffer(blockBytes(benchSchema, capacity)), 0);
}

function copyBlock(src: StateBlock, dst: StateBlock): void {
  dst.globals.set(src.globals);
  src.fields.forEach((f, i) => (dst.fields[i] as Uint8Array).set(f as Uint8Array));
}

/** A tiny LCG: the same world on every run. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** The bench world of n entities (exported for ad-hoc profiling of the codec). */
export function world(n: number): World {
  const extra = Math.max(1, Math.round(n * 0.05));
  const rows = n + extra;
  const capacity = Math.ceil(rows * 1.1);
  const block = newBlock(capacity);
  const [arch, gen, owner, x, y, vx, vy] = block.fields as [Uint8Array, Uint16Array, Uint32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const rnd = lcg(n);
  const spawnAt = (e: number) => {
    arch[e] = 1;
    gen[e]! += 1;
    x[e] = rnd() * 1000;
    y[e] = rnd() * 1000;
    vx[e] = (rnd() - 0.5) * 400;
    vy[e] = (rnd() - 0.5) * 400;
  };
  for (let e = 1; e <= rows; e++) spawnAt(e);
  // 2 * extra despawned, extra of them respawned (gen 2): `extra` holes, n live
  const killed: number[] = [];
  while (killed.length < 2 * extra) {
    const e = 1 + Math.floor(rnd() * rows);
    if (arch[e] === 0) continue;
    arch[e] = 0;
    x[e] = y[e] = vx[e] = vy[e] = 0;
    killed.push(e);
  }
  for (let i = 0; i < extra; i++) spawnAt(killed[i]!);
  // owners (client ids 1..players) on ~1% of the entities, spread over the rows
  const players = Math.max(1, Math.round(n / 100));
  const stride = Math.floor(rows / players);
  let client = 0;
  for (let e = 1; e <= rows && client < players; e += stride) if (arch[e] !== 0) owner[e] = ++client;
  const G = globalIndex(benchSchema);
  block.globals[G.phase] = 1;
  block.globals[G.level] = 3;
  let live = 0;
  for (let e = 1; e <= rows; e++) live += arch[e] !== 0 ? 1 : 0;
  if (live !== n) throw new Error(`serialization: built ${live} entities, wanted ${n}`);

  const next = newBlock(capacity);
  copyBlock(block, next);
  const [a2, , , x2, y2, vx2, vy2] = next.fields as [Uint8Array, Uint16Array, Uint32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let e = 1; e <= rows; e++) {
    if (a2[e] === 0) continue;
    x2[e] = (x2[e]! + vx2[e]! / 60 + 1000) % 1000;
    y2[e] = (y2[e]! + vy2[e]! / 60 + 1000) % 1000;
  }
  const same = newBlock(capacity);
  copyBlock(block, same);
  const before = newBlock(capacity);
  copyBlock(block, before);
  const [a0, , , x0, y0, vx0, vy0] = before.fields as [Uint8Array, Uint16Array, Uint32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let e = 1; e <= rows; e++) {
    if (a0[e] === 0) continue;
    x0[e] = (x0[e]! - vx0[e]! / 60 + 1000) % 1000;
    y0[e] = (y0[e]! - vy0[e]! / 60 + 1000) % 1000;
  }
  return {
    n,
    capacity,
    ctx: createSnapshotCodec(benchSchema, capacity),
    base: { block, maxEid: rows },
    now: { block: next, maxEid: rows },
    quiet: { block: same, maxEid: rows },
    prev: { block: before, maxEid: rows },
  };
}

// ---- measuring --------------------------------------------------------------------------

interface Op {
  mode: string;
  kind: string;
  op: string;
  bytes: number;
  run: () => unknown;
  /** The op in two halves, for the breakdown. */
  parts: Record<string, () => unknown>;
}

async function time(name: string, fn: () => unknown): Promise<{ median: number; p99: number; samples: number }> {
  const bench = new Bench({ time: TIME_MS, iterations: 64, warmupTime: 50, warmupIterations: 32, throws: true });
  bench.add(name, fn, { async: false });
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`serialization ${name}: tinybench task ${r.state}`);
  return { median: r.latency.p50, p99: r.latency.p99, samples: r.latency.samplesCount };
}

function breakdown(parts: Record<string, () => unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  const samples: Record<string, number[]> = {};
  for (const k of Object.keys(parts)) samples[k] = [];
  for (let i = 0; i < BREAKDOWN_RUNS; i++) {
    for (const [k, fn] of Object.entries(parts)) {
      const t0 = performance.now();
      fn();
      samples[k]!.push(performance.now() - t0);
    }
  }
  for (const [k, v] of Object.entries(samples)) out[k] = round(median(v));
  return out;
}

export async function run(): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const n of SIZES) {
    const w = world(n);
    const { ctx } = w;
    const check = checker(w);
    const baseState = newSnapshotState(ctx);
    const r0 = decodeSnapshotBytes(ctx, ctx.pack(encodeFull(ctx, w.base, TICK - 1)), null, baseState);
    if (!r0.ok) throw new Error(`serialization ${n}: base decode failed: ${r0.reason}`);
    const out = newSnapshotState(ctx);
    const prevState = newSnapshotState(ctx);
    const rp = decodeSnapshotBytes(ctx, ctx.pack(encodeFull(ctx, w.prev, TICK - 2)), null, prevState);
    if (!rp.ok) throw new Error(`serialization ${n}: prev decode failed: ${rp.reason}`);

    const fullBytes = ctx.pack(encodeFull(ctx, w.now, TICK));
    const deltaBytes = ctx.pack(encodeDelta(ctx, w.now, TICK, w.base, TICK - 1));
    // for a client whose join asked for difference columns (the reference clients do)
    const diffsDelta = () => encodeDelta(ctx, w.now, TICK, w.base, TICK - 1, undefined, undefined, true);
    const diffsBytes = ctx.pack(diffsDelta());
    // for a client that also takes predicted columns (the reference clients do) and holds the tick before
    const predDelta = () => encodeDelta(ctx, w.now, TICK, w.base, TICK - 1, undefined, undefined, true, { src: w.prev, tick: TICK - 2 });
    const predBytes = ctx.pack(predDelta());
    const quietBytes = ctx.pack(encodeDelta(ctx, w.quiet, TICK, w.base, TICK - 1));
    const jsonText = JSON.stringify(toJsonSnapshot(ctx, w.now, TICK));
    const recordsPackr = new Packr({ useRecords: true });
    const records = () => recordsOf(w.now);
    const recordsBytes = recordsPackr.pack(records());

    let msgFull: ReturnType<typeof encodeFull> = encodeFull(ctx, w.now, TICK);
    let msgDelta = encodeDelta(ctx, w.now, TICK, w.base, TICK - 1);
    let msgDiffs = diffsDelta();
    let msgPred = predDelta();
    let msgQuiet = encodeDelta(ctx, w.quiet, TICK, w.base, TICK - 1);
    let jsonObj: JsonSnapshot = toJsonSnapshot(ctx, w.now, TICK);
    let recs = records();
    const ops: Op[] = [
      {
        mode: 'msgpack',
        kind: 'full',
        op: 'encode',
        bytes: fullBytes.length,
        run: () => ctx.pack(encodeFull(ctx, w.now, TICK)),
        parts: { build: () => (msgFull = encodeFull(ctx, w.now, TICK)), pack: () => ctx.pack(msgFull) },
      },
      {
        mode: 'msgpack',
        kind: 'full',
        op: 'decode',
        bytes: fullBytes.length,
        run: () => decodeSnapshotBytes(ctx, fullBytes, null, out),
        parts: unpackDecode(ctx, fullBytes, null, out),
      },
      {
        mode: 'msgpack',
        kind: 'delta',
        op: 'encode',
        bytes: deltaBytes.length,
        run: () => ctx.pack(encodeDelta(ctx, w.now, TICK, w.base, TICK - 1)),
        parts: {
          build: () => (msgDelta = encodeDelta(ctx, w.now, TICK, w.base, TICK - 1)),
          pack: () => ctx.pack(msgDelta),
        },
      },
      {
        mode: 'msgpack',
        kind: 'delta',
        op: 'decode',
        bytes: deltaBytes.length,
        run: () => decodeSnapshotBytes(ctx, deltaBytes, baseState, out),
        parts: unpackDecode(ctx, deltaBytes, baseState, out),
      },
      {
        mode: 'msgpack',
        kind: 'delta-diffs',
        op: 'encode',
        bytes: diffsBytes.length,
        run: () => ctx.pack(diffsDelta()),
        parts: { build: () => (msgDiffs = diffsDelta()), pack: () => ctx.pack(msgDiffs) },
      },
      {
        mode: 'msgpack',
        kind: 'delta-diffs',
        op: 'decode',
        bytes: diffsBytes.length,
        run: () => decodeSnapshotBytes(ctx, diffsBytes, baseState, out),
        parts: unpackDecode(ctx, diffsBytes, baseState, out),
      },
      {
        mode: 'msgpack',
        kind: 'delta-pred',
        op: 'encode',
        bytes: predBytes.length,
        run: () => ctx.pack(predDelta()),
        parts: { build: () => (msgPred = predDelta()), pack: () => ctx.pack(msgPred) },
      },
      {
        mode: 'msgpack',
        kind: 'delta-pred',
        op: 'decode',
        bytes: predBytes.length,
        run: () => decodeSnapshotBytes(ctx, predBytes, baseState, out, prevState),
        parts: unpackDecode(ctx, predBytes, baseState, out, prevState),
      },
      {
        mode: 'msgpack',
        kind: 'quiet',
        op: 'encode',
        bytes: quietBytes.length,
        run: () => ctx.pack(encodeDelta(ctx, w.quiet, TICK, w.base, TICK - 1)),
        parts: {
          build: () => (msgQuiet = encodeDelta(ctx, w.quiet, TICK, w.base, TICK - 1)),
          pack: () => ctx.pack(msgQuiet),
        },
      },
      {
        mode: 'msgpack',
        kind: 'quiet',
        op: 'decode',
        bytes: quietBytes.length,
        run: () => decodeSnapshotBytes(ctx, quietBytes, baseState, out),
        parts: unpackDecode(ctx, quietBytes, baseState, out),
      },
      {
        mode: 'json',
        kind: 'full',
        op: 'encode',
        bytes: Buffer.byteLength(jsonText),
        run: () => JSON.stringify(toJsonSnapshot(ctx, w.now, TICK)),
        parts: { build: () => (jsonObj = toJsonSnapshot(ctx, w.now, TICK)), stringify: () => JSON.stringify(jsonObj) },
      },
      {
        mode: 'json',
        kind: 'full',
        op: 'decode',
        bytes: Buffer.byteLength(jsonText),
        run: () => JSON.parse(jsonText),
        parts: { parse: () => JSON.parse(jsonText) },
      },
      {
        mode: 'records',
        kind: 'full',
        op: 'encode',
        bytes: recordsBytes.length,
        run: () => recordsPackr.pack(records()),
        parts: { build: () => (recs = records()), pack: () => recordsPackr.pack(recs) },
      },
      {
        mode: 'records',
        kind: 'full',
        op: 'decode',
        bytes: recordsBytes.length,
        run: () => recordsPackr.unpack(recordsBytes),
        parts: { unpack: () => recordsPackr.unpack(recordsBytes) },
      },
    ];

    for (const op of ops) {
      const name = `${op.mode} ${op.kind} ${op.op} ${n}`;
      process.stdout.write(`serialization: ${name} ... `);
      const t = await time(name, op.run);
      console.log(`median ${round(t.median)} ms, ${op.bytes.toLocaleString('en-US')} bytes`);
      rows.push({
        mode: op.mode,
        kind: op.kind,
        op: op.op,
        entities: n,
        median_ms: round(t.median),
        p99_ms: round(t.p99),
        bytes: op.bytes,
        samples: t.samples,
        breakdown_ms: breakdown(op.parts),
      });
    }

    // the timed code produced the right thing
    check.full(decodeSnapshotBytes(ctx, ctx.pack(encodeFull(ctx, w.now, TICK)), null, out), w.now, 'full');
    check.full(decodeSnapshotBytes(ctx, ctx.pack(encodeDelta(ctx, w.now, TICK, w.base, TICK - 1)), baseState, out), w.now, 'delta');
    check.full(decodeSnapshotBytes(ctx, ctx.pack(diffsDelta()), baseState, out), w.now, 'delta with difference columns');
    const pd = decodeSnapshotBytes(ctx, ctx.pack(predDelta()), baseState, out, prevState);
    check.full(pd, w.now, 'delta with predicted columns');
    if (!pd.ok || pd.full) throw new Error(`serialization ${n}: the predicted delta fell back to a full snapshot`);
    const dq = decodeSnapshotBytes(ctx, quietBytes, baseState, out);
    check.full(dq, w.base, 'quiet delta');
    if (!dq.ok || dq.full) throw new Error(`serialization ${n}: the quiet delta is not a delta`);
    const dd = decodeSnapshotBytes(ctx, deltaBytes, baseState, out);
    if (!dd.ok || dd.full) throw new Error(`serialization ${n}: the movement delta fell back to a full snapshot`);
    check.json(JSON.parse(jsonText) as JsonSnapshot, decodeSnapshotBytes(ctx, fullBytes, null, newSnapshotState(ctx)));
    const back = unpack(recordsBytes) as unknown[];
    if (!Array.isArray(back) || back.length !== n) throw new Error(`serialization ${n}: records round trip lost entities`);
  }
  return { rows };
}

function unpackDecode(ctx: SnapshotCodec, bytes: Uint8Array, base: SnapshotState | null, out: SnapshotState, base2: SnapshotState | null = null): Record<string, () => unknown> {
  let msg: unknown = ctx.unpackr.unpack(bytes);
  return {
    unpack: () => (msg = ctx.unpackr.unpack(bytes)),
    decode: () => decodeSnapshot(ctx, msg, base, out, base2),
  };
}

/** The naive encoding: one plain object per entity. */
function recordsOf(src: SnapshotSource): object[] {
  const [arch, gen, owner, x, y, vx, vy] = src.block.fields as [Uint8Array, Uint16Array, Uint32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const out: object[] = [];
  for (let e = 1; e <= src.maxEid; e++) {
    if (arch[e] === 0) continue;
    out.push({ id: e, archetype: arch[e], gen: gen[e], owner: owner[e], x: x[e], y: y[e], vx: vx[e], vy: vy[e] });
  }
  return out;
}

/** Decoded states against the host blocks: same entities, values within each field's bound. */
function checker(w: World) {
  const { ctx } = w;
  const fail = (what: string) => {
    throw new Error(`serialization ${w.n}: ${what}`);
  };
  return {
    full(r: ReturnType<typeof decodeSnapshotBytes>, src: SnapshotSource, what: string) {
      if (!r.ok) return fail(`${what} did not decode: ${r.reason}`);
      const s = r.state;
      const arch = src.block.fields[0] as Uint8Array;
      let live = 0;
      for (let e = 1; e <= src.maxEid; e++) {
        const isLive = arch[e] !== 0;
        if ((s.live[e] === 1) !== isLive) fail(`${what}: entity ${e} live ${s.live[e]} on the client, ${isLive} on the host`);
        if (!isLive) continue;
        live++;
        ctx.fields.forEach((f, i) => {
          const host = src.block.fields[f.index]![e]!;
          const want = f.key === 'Entity.gen' ? host & 0xff : host;
          const bound = f.levels > 0 ? f.step / 2 + 1e-6 : 0;
          if (!(Math.abs(s.values[i]![e]! - want) <= bound)) fail(`${what}: ${f.key}[${e}] = ${s.values[i]![e]}, host ${host}`);
        });
      }
      if (s.count !== live) fail(`${what}: ${s.count} entities decoded, ${live} on the host`);
      ctx.globalIndex.forEach((gi, i) => {
        if (s.globals[i] !== src.block.globals[gi]) fail(`${what}: global ${ctx.globalNames[i]} differs`);
      });
    },
    json(j: JsonSnapshot, r: ReturnType<typeof decodeSnapshotBytes>) {
      if (!r.ok) return fail('full did not decode');
      if (j.ids.length !== r.state.count) fail('JSON snapshot entity count differs from the msgpack one');
      ctx.fields.forEach((f, i) => {
        const col = j.fields[f.key]!;
        j.ids.forEach((e, k) => {
          if (col[k] !== r.state.values[i]![e]) fail(`JSON ${f.key}[${e}] = ${col[k]}, msgpack ${r.state.values[i]![e]}`);
        });
      });
    },
  };
}
