// Encoding columns and id sets, each in its smallest correct form: a column as a constant,
// sparse [positions, values] or raw bin; an id set as a sorted id list or a presence bitmap
// (layout: see the comment at the top of ./index.ts).

import type { FieldType } from '../../../engine/schema.js';
import { binOf } from './arena.js';
import type { SnapshotCodec } from './codec.js';
import type { CodecField, SourceView, WireArray } from './fields.js';
import type { Column, SnapshotMessage } from './types.js';
import { MAX_RESIDUAL_BITS, packedBytes, packResiduals, predict, signedBits } from './predicted.js';
import { gather } from './wire-values.js';

/** Bytes of an id on the wire: u16 while `top` fits, else u32. */
export const idWidth = (top: number): 2 | 4 => (top <= 0xffff ? 2 : 4);
/** Bytes of a set of n ids on the wire: the smaller of the bitmap and the list. */
export const idSetBytes = (n: number, top: number): number => Math.min((top + 7) >> 3, n * idWidth(top));

/** Write an id set under `key` (sorted ids) or `key + 'Bits'` (bitmap), the smaller. */
export function putIdSet(ctx: SnapshotCodec, msg: SnapshotMessage, key: 'ids' | 'rm' | 'ch' | 'add', ids: Uint32Array, n: number, top: number): void {
  const bitmapBytes = (top + 7) >> 3;
  const w = idWidth(top);
  if (bitmapBytes < n * w) {
    const bits = ctx.arena.u8(bitmapBytes);
    bits.fill(0);
    for (let i = 0; i < n; i++) {
      const b = ids[i]! - 1;
      bits[b >> 3] |= 1 << (b & 7);
    }
    msg[key === 'ids' ? 'bits' : (`${key}Bits` as 'rmBits' | 'chBits' | 'addBits')] = bits;
  } else {
    const list = w === 2 ? ctx.arena.u16(n) : ctx.arena.u32(n);
    for (let i = 0; i < n; i++) list[i] = ids[i]!;
    msg[key] = binOf(list, n);
  }
}

const f32Bits = new Uint32Array(1);
const f32Val = new Float32Array(f32Bits.buffer);

/** The msgpack number of one wire value (kept unsigned internally). */
function wireNumber(wire: FieldType, v: number): number {
  switch (wire) {
    case 'i8':
      return (v << 24) >> 24;
    case 'i16':
      return (v << 16) >> 16;
    case 'i32':
      return v | 0;
    case 'f32':
      f32Bits[0] = v;
      return f32Val[0]!;
    default:
      return v;
  }
}

/** The column of field f for the entities `ids`: constant, sparse or raw, the smallest. */
export function encodeColumn(ctx: SnapshotCodec, f: CodecField, src: SourceView, ids: Uint32Array, n: number, idW: number): Column {
  if (n === 0) return 0;
  const arr = ctx.arena.wire(f.width, n);
  return columnForm(ctx, f, arr, n, gather(f, src, ids, n, arr), idW);
}

/** Pick the form of a gathered column from its scan result (non-zero count, -1: constant). */
export function columnForm(ctx: SnapshotCodec, f: CodecField, arr: WireArray, n: number, nz: number, idW: number): Column {
  // constant column; but f32 -0 does not survive as a msgpack number (it packs as int 0)
  if (nz < 0 && !(f.wire === 'f32' && arr[0] === 0x8000_0000)) return wireNumber(f.wire, arr[0]!);
  if (nz < 0) nz = n;
  const w = f.width;
  if (nz * (idW + w) + 4 < n * w) {
    const idx = idW === 2 ? ctx.arena.u16(nz) : ctx.arena.u32(nz);
    const vals = ctx.arena.wire(w, nz);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = arr[i]!;
      if (v !== 0) {
        idx[k] = i;
        vals[k++] = v;
      }
    }
    return [binOf(idx, nz), binOf(vals, nz)];
  }
  return binOf(arr, n);
}

/**
 * Fields whose changed values may travel as differences from the base: integer wires of 2 or
 * 4 bytes, quantized ones included (a difference of a float's bits means nothing, and a
 * 1-byte value gains nothing).
 */
export const diffable = (f: CodecField): boolean => f.width > 1 && f.wire !== 'f32';

/** Entities a difference column's trial looks at before it gathers the rest of the base. */
const PROBE = 64;

/** A wire value as the signed or unsigned integer it stands for (the arena keeps them unsigned). */
function wireInt(wire: FieldType, v: number): number {
  return wire === 'i16' ? (v << 16) >> 16 : wire === 'i32' ? v | 0 : v;
}

/**
 * The column of field f's changed values for the entities `ids` (live in both states), as
 * encodeColumn, or, when `was` (the base's values) is given, the field is diffable and it is
 * smaller, as a difference column: `[d]`, one i8 per entity, its new wire value minus the one
 * in the base; or `[d, positions, values]` when some differences do not fit an i8 (a laser
 * among drones, a teleport): those entities' new wire values, whole, at those positions
 * (their bytes in d are 0). Moving things move a few steps a tick, so a 2-byte position
 * becomes 1 byte. `pred` (a client that takes predicted columns, and an older acked state):
 * a predicted column too where that is the smallest (see predictedColumn).
 */
export function changedColumn(
  ctx: SnapshotCodec,
  f: CodecField,
  now: SourceView,
  was: SourceView | null,
  ids: Uint32Array,
  n: number,
  idW: number,
  pred: FieldPrediction | null = null,
): Column {
  if (n === 0) return 0;
  const a = ctx.arena.wire(f.width, n);
  const plain = columnForm(ctx, f, a, n, gather(f, now, ids, n, a), idW);
  if (was === null || typeof plain === 'number' || !diffable(f)) return plain;
  // columnForm gives a constant (handled above), raw bin or sparse [positions, values]
  const sparse = plain as [Uint8Array, Uint8Array];
  const plainBytes = plain instanceof Uint8Array ? plain.length : sparse[0].length + sparse[1].length;
  if (pred !== null) return predictedColumn(ctx, f, a, was, ids, n, idW, pred, plain, plainBytes);
  // [bin8 of n] costs n + 3 bytes (n + 4 from 256 on): only worth it when that is smaller
  if (n + 4 >= plainBytes) return plain;
  const b = ctx.arena.wire(f.width, n);
  const wire = f.wire;
  // each value that does not fit costs a position and a whole value, plus the two bins' headers
  const perMiss = idW + f.width;
  // a probe of the first PROBE entities: where that many of them miss, the whole column would
  // be larger than the plain one, so the rest is not gathered (entities far faster than the
  // quantization step: every delta would pay the trial)
  const probe = Math.min(n, PROBE);
  gather(f, was, ids, probe, b);
  let probeMisses = 0;
  for (let i = 0; i < probe; i++) {
    const x = wireInt(wire, a[i]!) - wireInt(wire, b[i]!);
    if (x < -128 || x > 127) probeMisses++;
  }
  if (probeMisses > 0 && n + 10 + Math.ceil((probeMisses * n) / probe) * perMiss >= plainBytes) return plain;
  if (n > probe) gather(f, was, ids.subarray(probe), n - probe, b.subarray(probe) as WireArray);
  // the most exceptions that still leave the column smaller than the plain one
  const maxMisses = Math.max(0, Math.ceil((plainBytes - n - 10) / perMiss) - 1);
  return differences(ctx, f, a, b, n, idW, maxMisses) ?? plain;
}

/**
 * The difference column of new values `a` from held values `b`: null when it would need
 * more than `maxMisses` exceptions.
 */
function differences(ctx: SnapshotCodec, f: CodecField, a: WireArray, b: WireArray, n: number, idW: number, maxMisses: number): Column | null {
  const wire = f.wire;
  const d = ctx.arena.u8(n);
  const at = idW === 2 ? ctx.arena.u16(maxMisses) : ctx.arena.u32(maxMisses);
  let misses = 0;
  for (let i = 0; i < n; i++) {
    const x = wireInt(wire, a[i]!) - wireInt(wire, b[i]!);
    if (x >= -128 && x <= 127) d[i] = x & 0xff;
    else {
      if (misses === maxMisses) return null;
      d[i] = 0;
      at[misses++] = i;
    }
  }
  if (misses === 0) return [d];
  const whole = ctx.arena.wire(f.width, misses);
  for (let k = 0; k < misses; k++) whole[k] = a[at[k]!]!;
  return [d, binOf(at, misses), binOf(whole, misses)];
}

/**
 * What a predicted column of one field needs of the client's older acked state, base2
 * (./predicted.ts): that state's values of the field, which entities can be predicted, and
 * the two spans.
 */
export interface FieldPrediction {
  /** The base2 block's values of this field. */
  was2: SourceView;
  /** By eid: 1 when live in base2 with the gen byte it has in base (else P is the held value). */
  ok: Uint8Array;
  /** tick - base. */
  num: number;
  /** base - base2. */
  den: number;
}

/** Residuals wider than any k (|r| > 127) count in this bucket of the width histogram. */
const WIDE = MAX_RESIDUAL_BITS + 1;

/**
 * changedColumn for a client that takes predicted columns: the smallest of the plain column,
 * the difference column (from the held values) and the predicted one, `[k, r]` or
 * `[k, r, positions, values]`: each new wire value minus its prediction in k bits, those
 * that do not fit k bits whole at their positions. The sizes of all three come from one pass.
 */
function predictedColumn(
  ctx: SnapshotCodec,
  f: CodecField,
  a: WireArray,
  was: SourceView,
  ids: Uint32Array,
  n: number,
  idW: number,
  pred: FieldPrediction,
  plain: Column,
  plainBytes: number,
): Column {
  const wire = f.wire;
  const b = ctx.arena.wire(f.width, n);
  const c = ctx.arena.wire(f.width, n);
  gather(f, was, ids, n, b);
  gather(f, pred.was2, ids, n, c);
  const u = ctx.arena.u32(n);
  const r = new Int32Array(u.buffer, u.byteOffset, n);
  const hist = ctx.widths;
  hist.fill(0);
  let heldMisses = 0;
  const { ok, num, den } = pred;
  for (let i = 0; i < n; i++) {
    const x = wireInt(wire, a[i]!);
    const h = wireInt(wire, b[i]!);
    const dh = x - h;
    if (dh < -128 || dh > 127) heldMisses++;
    const res = ok[ids[i]!] === 1 ? x - predict(h, wireInt(wire, c[i]!), num, den) : dh;
    if (res >= -128 && res <= 127) {
      r[i] = res;
      hist[signedBits(res)]!++;
    } else {
      r[i] = WIDE_MARK;
      hist[WIDE]!++;
    }
  }
  // each form's msgpack bytes, headers included
  const excBytes = (misses: number): number => (misses === 0 ? 0 : binBytes(misses * idW) + binBytes(misses * f.width));
  const plainCost = plain instanceof Uint8Array ? binBytes(plainBytes) : 1 + binBytes(plainBytes) + 2;
  const heldBytes = 1 + binBytes(n) + excBytes(heldMisses);
  let k = 0;
  let kBytes = Infinity;
  let misses = 0;
  for (let w = MAX_RESIDUAL_BITS, over = hist[WIDE]!; w >= 1; over += hist[w]!, w--) {
    const bytes = 2 + binBytes(packedBytes(n, w)) + excBytes(over);
    if (bytes <= kBytes) {
      k = w;
      kBytes = bytes;
      misses = over;
    }
  }
  if (plainCost <= heldBytes && plainCost <= kBytes) return plain;
  if (heldBytes < kBytes) return differences(ctx, f, a, b, n, idW, heldMisses) ?? plain;
  const lo = -(1 << (k - 1));
  const hi = (1 << (k - 1)) - 1;
  const at = idW === 2 ? ctx.arena.u16(misses) : ctx.arena.u32(misses);
  const whole = ctx.arena.wire(f.width, misses);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const res = r[i]!;
    if (res < lo || res > hi) {
      r[i] = 0;
      at[m] = i;
      whole[m++] = a[i]!;
    }
  }
  const packed = ctx.arena.u8(packedBytes(n, k));
  packResiduals(r, n, k, packed);
  return m === 0 ? [k, packed] : [k, packed, binOf(at, m), binOf(whole, m)];
}

/** msgpack bytes of a bin of `n` bytes (bin8, bin16, bin32 header). */
const binBytes = (n: number): number => n + (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/** A residual wider than an i8, in the residual scratch: out of every k's range. */
const WIDE_MARK = 1 << 30;

/** Every field's column for the same entities (full snapshots, added entities). */
export function encodeColumns(ctx: SnapshotCodec, views: SourceView[], ids: Uint32Array, n: number, idW: number): Column[] {
  const F = ctx.fields.length;
  if (n === 0) return ctx.fields.map(() => 0);
  const outs: WireArray[] = [];
  for (let f = 0; f < F; f++) outs.push(ctx.arena.wire(ctx.fields[f]!.width, n));
  const scan = ctx.scan;
  ctx.gatherAll(views, ids, n, outs, scan);
  const cols: Column[] = [];
  for (let f = 0; f < F; f++) {
    const nz = scan[2 * f + 1] === 0 ? -1 : n - scan[2 * f]!;
    cols.push(columnForm(ctx, ctx.fields[f]!, outs[f]!, n, nz, idW));
  }
  return cols;
}
