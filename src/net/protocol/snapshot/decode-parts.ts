// Reading the pieces of a snapshot message, validated: id sets, columns, globals. Malformed
// input throws Bad, which decodeSnapshot turns into { ok: false } (layout: see the comment
// at the top of ./index.ts).

import type { SnapshotCodec } from './codec.js';
import { diffable, idWidth } from './columns.js';
import { dequantAll, dequantize, RANGE, type CodecField } from './fields.js';
import { MAX_RESIDUAL_BITS, packedBytes, predict } from './predicted.js';
import type { SnapshotState } from './types.js';

/** A malformed message (baseMissing: the delta's base is not the client's). */
export class Bad {
  constructor(
    readonly reason: string,
    readonly baseMissing = false,
  ) {}
}

export const isBin = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
export const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function columnsOf(v: unknown, key: string, F: number): unknown[] {
  if (!Array.isArray(v) || v.length !== F) throw new Bad(`${key} must be an array of ${F} columns`);
  return v;
}

export function readGlobals(ctx: SnapshotCodec, g: unknown, s: SnapshotState, required: boolean): void {
  if (g === undefined && !required) return;
  const G = ctx.globalNames.length;
  if (!Array.isArray(g) || g.length !== G) throw new Bad(`g must be an array of ${G} numbers`);
  for (let i = 0; i < G; i++) if (typeof g[i] !== 'number') throw new Bad(`g[${i}] is not a number`);
  for (let i = 0; i < G; i++) s.globals[i] = g[i] as number;
}

/** Read the id set at `key` / `key`Bits into `out`; returns the count. */
export function readIdSet(
  ctx: SnapshotCodec,
  m: Record<string, unknown>,
  key: string,
  bitsKey: string,
  top: number,
  out: Uint32Array,
  required: boolean,
): number {
  const list = m[key];
  const bits = m[bitsKey];
  if (list !== undefined && bits !== undefined) throw new Bad(`both ${key} and ${bitsKey}`);
  if (bits !== undefined) {
    if (!isBin(bits)) throw new Bad(`${bitsKey} must be a bin`);
    if (bits.length !== (top + 7) >> 3) throw new Bad(`${bitsKey} has ${bits.length} bytes, expected ${(top + 7) >> 3}`);
    if (top & 7 && bits.length > 0 && bits[bits.length - 1]! >> (top & 7) !== 0) throw new Bad(`${bitsKey} sets ids past top`);
    let n = 0;
    for (let i = 0; i < bits.length; i++) {
      let b = bits[i]!;
      while (b !== 0) {
        const low = b & -b;
        out[n++] = i * 8 + 31 - Math.clz32(low) + 1;
        b ^= low;
      }
    }
    return n;
  }
  if (list !== undefined) {
    if (!isBin(list)) throw new Bad(`${key} must be a bin`);
    const w = idWidth(top);
    if (list.length % w !== 0) throw new Bad(`${key} length is not a multiple of ${w}`);
    const n = list.length / w;
    if (n > top) throw new Bad(`${key} lists more ids than top allows`);
    const v = ctx.decodeArena.view(list, w === 2 ? 'u16' : 'u32', n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const e = v[i]!;
      if (e <= prev || e > top) throw new Bad(`${key}: ids must ascend within 1..top`);
      out[i] = e;
      prev = e;
    }
    return n;
  }
  if (required) throw new Bad(`${key} or ${bitsKey} is required`);
  return 0;
}

/** One decoded value from a constant column, validated. */
function constantValue(f: CodecField, v: unknown): number {
  if (typeof v !== 'number') throw new Bad(`column ${f.key}: not a number, bin or [bin, bin]`);
  if (f.wire === 'f32') return Math.fround(v);
  const [lo, hi] = f.levels > 0 ? [0, f.levels] : RANGE[f.wire];
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Bad(`column ${f.key}: constant ${v} out of range`);
  return f.levels > 0 ? dequantize(f, v) : v;
}

/**
 * What a predicted column is decoded against: the client's states of the delta's base and of
 * its older base2 (null: the message names none, or the client does not hold it), and the
 * spans tick - base and base - base2.
 */
export interface DecodePrediction {
  base: SnapshotState;
  base2: SnapshotState | null;
  base2Tick: number;
  num: number;
  den: number;
}

/**
 * Decode column `col` of field f for the entities `ids` into `target`. `changed`: these are
 * changed values of entities whose current values `target` holds (a delta's `vals`, a change
 * part), where a difference column may appear; `pred` (a delta's `vals`): a predicted one too.
 */
export function decodeColumn(
  ctx: SnapshotCodec,
  f: CodecField,
  col: unknown,
  ids: Uint32Array,
  n: number,
  idW: number,
  target: Float64Array,
  changed = false,
  pred: DecodePrediction | null = null,
): void {
  const w = f.width;
  if (typeof col === 'number') {
    const v = constantValue(f, col);
    for (let i = 0; i < n; i++) target[ids[i]!] = v;
    return;
  }
  if (isBin(col)) {
    if (col.length !== n * w) throw new Bad(`column ${f.key}: ${col.length} bytes, expected ${n * w}`);
    const tmp = ctx.decodeArena.f64(n);
    tmp.set(ctx.decodeArena.view(col, f.wire, n));
    if (f.levels > 0) checkLevels(f, tmp, n);
    for (let i = 0; i < n; i++) target[ids[i]!] = tmp[i]!;
    return;
  }
  if (Array.isArray(col) && col.length === 2 && isBin(col[0]) && isBin(col[1])) {
    const [ib, vb] = col as [Uint8Array, Uint8Array];
    if (ib.length % idW !== 0) throw new Bad(`column ${f.key}: sparse positions length is not a multiple of ${idW}`);
    const k = ib.length / idW;
    if (k > n || vb.length !== k * w) throw new Bad(`column ${f.key}: sparse sizes do not match`);
    const idx = ctx.decodeArena.view(ib, idW === 2 ? 'u16' : 'u32', k);
    const tmp = ctx.decodeArena.f64(k);
    tmp.set(ctx.decodeArena.view(vb, f.wire, k));
    if (f.levels > 0) checkLevels(f, tmp, k);
    let prev = -1;
    for (let j = 0; j < k; j++) {
      const p = idx[j]!;
      if (p <= prev || p >= n) throw new Bad(`column ${f.key}: sparse positions must ascend within 0..n-1`);
      prev = p;
    }
    const zero = f.levels > 0 ? dequantize(f, 0) : 0;
    for (let i = 0; i < n; i++) target[ids[i]!] = zero;
    for (let j = 0; j < k; j++) target[ids[idx[j]!]!] = tmp[j]!;
    return;
  }
  if (Array.isArray(col) && (col.length === 1 || col.length === 3) && col.every(isBin)) {
    return void decodeDifferences(ctx, f, col as Uint8Array[], ids, n, idW, target, changed);
  }
  if (Array.isArray(col) && (col.length === 2 || col.length === 4) && typeof col[0] === 'number' && col.slice(1).every(isBin)) {
    return void decodePredicted(ctx, f, col as [number, ...Uint8Array[]], ids, n, idW, target, pred);
  }
  throw new Bad(`column ${f.key}: not a number, bin, [bin, bin], a difference or a predicted column`);
}

/** Validated exception lists of a difference or predicted column: positions and whole values. */
function exceptions(ctx: SnapshotCodec, f: CodecField, ib: Uint8Array, vb: Uint8Array, n: number, idW: number): { at: ArrayLike<number>; whole: ArrayLike<number>; k: number } {
  const [lo, hi] = f.levels > 0 ? [0, f.levels] : RANGE[f.wire];
  if (ib.length % idW !== 0) throw new Bad(`column ${f.key}: exception positions length is not a multiple of ${idW}`);
  const k = ib.length / idW;
  if (k > n || vb.length !== k * f.width) throw new Bad(`column ${f.key}: exception sizes do not match`);
  const at = ctx.decodeArena.view(ib, idW === 2 ? 'u16' : 'u32', k);
  const whole = ctx.decodeArena.view(vb, f.wire, k);
  for (let j = 0; j < k; j++) {
    if (at[j]! >= n || (j > 0 && at[j]! <= at[j - 1]!)) throw new Bad(`column ${f.key}: exception positions must ascend within 0..n-1`);
    if (whole[j]! < lo || whole[j]! > hi) throw new Bad(`column ${f.key}: exception value ${whole[j]} out of range`);
  }
  return { at, whole, k };
}

/**
 * A predicted column (./predicted.ts): each entity's new wire value is its prediction from
 * the base and base2 states plus a k-bit residual, except at the positions of the optional
 * exceptions, whose whole new wire values are given.
 */
function decodePredicted(
  ctx: SnapshotCodec,
  f: CodecField,
  col: [number, ...Uint8Array[]],
  ids: Uint32Array,
  n: number,
  idW: number,
  target: Float64Array,
  pred: DecodePrediction | null,
): void {
  if (pred === null) throw new Bad(`column ${f.key}: a predicted column outside a delta's vals`);
  if (pred.base2Tick < 0) throw new Bad(`column ${f.key}: a predicted column in a delta without base2`);
  const base2 = pred.base2;
  if (base2 === null || base2.tick !== pred.base2Tick) throw new Bad(`predicted column against tick ${pred.base2Tick}, which is not held`, true);
  if (!diffable(f)) throw new Bad(`column ${f.key}: a predicted column for a ${f.wire} field`);
  const [bits, packed] = col as [number, Uint8Array];
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_RESIDUAL_BITS) throw new Bad(`column ${f.key}: residual width ${bits} not in 1..${MAX_RESIDUAL_BITS}`);
  if (packed.length !== packedBytes(n, bits)) throw new Bad(`column ${f.key}: ${packed.length} residual bytes, expected ${packedBytes(n, bits)}`);
  const { at, whole, k } = col.length === 4 ? exceptions(ctx, f, col[2]!, col[3]!, n, idW) : { at: [], whole: [], k: 0 };
  const q = f.levels > 0;
  const [lo, hi] = q ? [0, f.levels] : RANGE[f.wire];
  const fi = ctx.fields.indexOf(f);
  const held2 = base2.values[fi]!;
  const gen = pred.base.values[ctx.genField]!;
  const gen2 = base2.values[ctx.genField]!;
  const { num, den } = pred;
  const live2 = base2.live;
  const { min, step } = f;
  // the residuals in stream order: a bit accumulator, refilled a byte at a time (b <= 8)
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  let acc = 0;
  let accBits = 0;
  let byte = 0;
  for (let i = 0, j = 0; i < n; i++) {
    if (accBits < bits) {
      acc |= packed[byte++]! << accBits;
      accBits += 8;
    }
    const r = ((acc & mask) << shift) >> shift;
    acc >>>= bits;
    accBits -= bits;
    const e = ids[i]!;
    let v: number;
    if (j < k && at[j] === i) v = whole[j++]!;
    else {
      // the wire values held: a quantized value is dequantize(q), so this gives q back exactly
      const h = q ? Math.round((target[e]! - min) / step) : target[e]!;
      if (e < live2.length && live2[e] === 1 && gen2[e] === gen[e]) {
        const h2 = q ? Math.round((held2[e]! - min) / step) : held2[e]!;
        v = predict(h, h2, num, den) + r;
      } else v = h + r;
      if (v < lo || v > hi) throw new Bad(`column ${f.key}: a residual takes the value out of range`);
    }
    target[e] = q ? dequantize(f, v) : v;
  }
}

/**
 * A difference column: each entity's wire value now is the one it holds plus an i8, except
 * at the positions of the optional exceptions, whose whole new wire values are given.
 */
function decodeDifferences(
  ctx: SnapshotCodec,
  f: CodecField,
  col: Uint8Array[],
  ids: Uint32Array,
  n: number,
  idW: number,
  target: Float64Array,
  changed: boolean,
): void {
  if (!changed) throw new Bad(`column ${f.key}: a difference column outside changed values`);
  if (!diffable(f)) throw new Bad(`column ${f.key}: a difference column for a ${f.wire} field`);
  const d = col[0]!;
  if (d.length !== n) throw new Bad(`column ${f.key}: ${d.length} differences, expected ${n}`);
  const q = f.levels > 0;
  const [lo, hi] = q ? [0, f.levels] : RANGE[f.wire];
  const { at, whole, k } = col.length === 3 ? exceptions(ctx, f, col[1]!, col[2]!, n, idW) : { at: [], whole: [], k: 0 };
  for (let i = 0, j = 0; i < n; i++) {
    const e = ids[i]!;
    let v: number;
    if (j < k && at[j] === i) v = whole[j++]!;
    else {
      // the wire value held: a quantized value is dequantize(q), so this gives q back exactly
      const was = q ? Math.round((target[e]! - f.min) / f.step) : target[e]!;
      v = was + ((d[i]! << 24) >> 24);
      if (v < lo || v > hi) throw new Bad(`column ${f.key}: difference takes the value out of range`);
    }
    target[e] = q ? dequantize(f, v) : v;
  }
}

function checkLevels(f: CodecField, v: Float64Array, n: number): void {
  const L = f.levels;
  for (let i = 0; i < n; i++) if (v[i]! > L) throw new Bad(`column ${f.key}: quantized value ${v[i]} over ${L}`);
  dequantAll(v, n, f);
}
