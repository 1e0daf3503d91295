// Wire values of host fields, one monomorphic loop per field kind over a list of ids:
// gathering (host values -> wire values: quantized, Entity.gen & 0xff) and comparing two host
// states on wire values (the delta's changed fields). Both call quantOne per entity, so they
// live in one module with it.

import { FieldKind, type CodecField, type SourceView, type WireArray } from './fields.js';

// One monomorphic loop per kind (a single loop over every typed-array type would go
// megamorphic). Each gathers the wire values of `ids` into `out` and, in the same pass,
// returns how many are non-zero, or -1 when all equal the first (a constant column). n > 0.
// These serve the delta's per-field value lists; full snapshots and added entities, where
// every field covers the same entities, use the per-schema compiled loops (compileGathers).

/** round((v - min) / step) clamped to [0, levels]; NaN -> 0. floor(x + 0.5) by truncation. */
function quantOne(v: number, min: number, inv: number, levels: number): number {
  const x = (v - min) * inv + 0.5;
  return x > 0 ? (x < levels ? x >>> 0 : levels) : 0;
}
/** quantOne for levels <= 65535: the result fits a small integer (faster to count). */
function quantOne16(v: number, min: number, inv: number, levels: number): number {
  const x = (v - min) * inv + 0.5;
  return x > 0 ? (x < levels ? x | 0 : levels) : 0;
}

function gq16(src: Float32Array, ids: Uint32Array, n: number, out: Uint16Array, min: number, inv: number, levels: number): number {
  const first = quantOne16(src[ids[0]!]!, min, inv, levels);
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const q = quantOne16(src[ids[i]!]!, min, inv, levels);
    out[i] = q;
    if (q === 0) zeros++;
    diff |= q ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function gq32(src: Float32Array, ids: Uint32Array, n: number, out: Uint32Array, min: number, inv: number, levels: number): number {
  const first = quantOne(src[ids[0]!]!, min, inv, levels);
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const q = quantOne(src[ids[i]!]!, min, inv, levels);
    out[i] = q;
    if (q === 0) zeros++;
    diff |= q ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function g8(src: Uint8Array, ids: Uint32Array, n: number, out: Uint8Array): number {
  const first = src[ids[0]!]!;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]!;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function g16(src: Uint16Array, ids: Uint32Array, n: number, out: Uint16Array): number {
  const first = src[ids[0]!]!;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]!;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function g32(src: Uint32Array, ids: Uint32Array, n: number, out: Uint32Array): number {
  const first = src[ids[0]!]!;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]!;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function gGen8(src: Uint16Array, ids: Uint32Array, n: number, out: Uint8Array): number {
  const first = src[ids[0]!]! & 0xff;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]! & 0xff;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}

/** Gather + scan (see above); n > 0. */
export function gather(f: CodecField, src: SourceView, ids: Uint32Array, n: number, out: WireArray): number {
  switch (f.kind) {
    case FieldKind.Q16:
      return gq16(src as Float32Array, ids, n, out as Uint16Array, f.min, f.inv, f.levels);
    case FieldKind.Q32:
      return gq32(src as Float32Array, ids, n, out as Uint32Array, f.min, f.inv, f.levels);
    case FieldKind.C8:
      return g8(src as Uint8Array, ids, n, out as Uint8Array);
    case FieldKind.C16:
      return g16(src as Uint16Array, ids, n, out as Uint16Array);
    case FieldKind.C32:
      return g32(src as Uint32Array, ids, n, out as Uint32Array);
    default:
      return gGen8(src as Uint16Array, ids, n, out as Uint8Array);
  }
}

// ---- comparing two host states -----------------------------------------------------------

/** Set bit `bit` of byte `byte` of the masks of the kept entities whose wire value differs; count them. */
export function diffField(
  f: CodecField,
  now: SourceView,
  was: SourceView,
  keep: Uint32Array,
  n: number,
  masks: Uint8Array,
  mb: number,
  byte: number,
  bit: number,
): number {
  switch (f.kind) {
    case FieldKind.Q16:
    case FieldKind.Q32:
      return diffQ(now as Float32Array, was as Float32Array, keep, n, masks, mb, byte, bit, f.min, f.inv, f.levels);
    case FieldKind.C8:
      return diff8(now as Uint8Array, was as Uint8Array, keep, n, masks, mb, byte, bit);
    case FieldKind.C16:
      return diff16(now as Uint16Array, was as Uint16Array, keep, n, masks, mb, byte, bit);
    case FieldKind.C32:
      return diff32(now as Uint32Array, was as Uint32Array, keep, n, masks, mb, byte, bit);
    default:
      return 0; // Entity.gen: a kept entity has the same gen by definition
  }
}

function diffQ(
  now: Float32Array,
  was: Float32Array,
  keep: Uint32Array,
  n: number,
  masks: Uint8Array,
  mb: number,
  byte: number,
  bit: number,
  min: number,
  inv: number,
  levels: number,
): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    const a = now[e]!;
    const b = was[e]!;
    // equal floats quantize equally: only differing ones are quantized (jitter below a step is free)
    if (a !== b && quantOne(a, min, inv, levels) !== quantOne(b, min, inv, levels)) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}
function diff8(now: Uint8Array, was: Uint8Array, keep: Uint32Array, n: number, masks: Uint8Array, mb: number, byte: number, bit: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    if (now[e] !== was[e]) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}
function diff16(now: Uint16Array, was: Uint16Array, keep: Uint32Array, n: number, masks: Uint8Array, mb: number, byte: number, bit: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    if (now[e] !== was[e]) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}
function diff32(now: Uint32Array, was: Uint32Array, keep: Uint32Array, n: number, masks: Uint8Array, mb: number, byte: number, bit: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    if (now[e] !== was[e]) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}
