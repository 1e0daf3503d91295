// Reading host states: typed views of a block's networked fields, the row bound of a
// source, visibility, live rows and globals.

import type { StateBlock } from '../../../engine/layout.js';
import type { SnapshotCodec } from './codec.js';
import { FieldKind, type SourceView } from './fields.js';
import type { SnapshotSource, Visibility } from './types.js';

/** Unsigned (or f32 for quantized fields) views of a block's networked fields, cached. */
export function viewsOf(ctx: SnapshotCodec, block: StateBlock): SourceView[] {
  let v = ctx.views.get(block);
  if (v) return v;
  v = ctx.fields.map((f) => {
    const a = block.fields[f.index]!;
    if (f.kind === FieldKind.Q16 || f.kind === FieldKind.Q32) return a as Float32Array;
    if (f.kind === FieldKind.G8) return a as Uint16Array;
    const w = a.BYTES_PER_ELEMENT;
    return w === 1
      ? new Uint8Array(a.buffer, a.byteOffset, a.length)
      : w === 2
        ? new Uint16Array(a.buffer, a.byteOffset, a.length)
        : new Uint32Array(a.buffer, a.byteOffset, a.length);
  });
  ctx.views.set(block, v);
  return v;
}

/** Byte views of a block's networked fields (for memcmp), cached. */
function bytesOf(ctx: SnapshotCodec, block: StateBlock): Buffer[] {
  let b = ctx.bytes.get(block);
  if (b) return b;
  b = ctx.fields.map((f) => {
    const a = block.fields[f.index]!;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  });
  ctx.bytes.set(block, b);
  return b;
}

/** Rows 1..rows of field f hold the same bytes in both blocks (one native memcmp). */
export function sameRows(ctx: SnapshotCodec, a: StateBlock, b: StateBlock, f: number, rows: number): boolean {
  const w = ctx.schema.fields[ctx.fields[f]!.index]!.bytes;
  const x = bytesOf(ctx, a)[f]!;
  const y = bytesOf(ctx, b)[f]!;
  return Buffer.compare(x.subarray(w, w * (rows + 1)), y.subarray(w, w * (rows + 1))) === 0;
}

/** Rows 1..bound of a source to encode: its maxEid, within the capacity and the block. */
export function rowBound(ctx: SnapshotCodec, src: SnapshotSource): number {
  const m = Math.floor(src.maxEid);
  const rows = src.block.fields[0]!.length - 1;
  return m > 0 ? Math.min(m, ctx.capacity, rows) : 0;
}

/**
 * Visibility as a byte per eid (or null: all visible), materialized for rows 1..hi into the
 * codec's visibility scratch `which` (0: now, 1: base) when it is a predicate.
 */
export function visBytes(ctx: SnapshotCodec, which: 0 | 1, visible: Visibility | undefined, hi: number): Uint8Array | null {
  if (visible === undefined) return null;
  if (typeof visible !== 'function') return visible;
  const scratch = ctx.vis(which, hi);
  for (let e = 1; e <= hi; e++) scratch[e] = visible(e) ? 1 : 0;
  return scratch;
}

/** Live (and visible) rows of a source into `out`, ascending; returns the count. */
export function collectLive(ctx: SnapshotCodec, src: SnapshotSource, vis: Uint8Array | null, out: Uint32Array): number {
  const max = rowBound(ctx, src);
  const arch = src.block.fields[ctx.archIndex] as Uint8Array;
  let n = 0;
  if (vis === null) {
    for (let e = 1; e <= max; e++) if (arch[e] !== 0) out[n++] = e;
  } else {
    for (let e = 1; e <= max; e++) if (arch[e] !== 0 && vis[e]) out[n++] = e;
  }
  return n;
}

export function globalsChanged(ctx: SnapshotCodec, now: StateBlock, was: StateBlock): boolean {
  for (const i of ctx.globalIndex) {
    const x = now.globals[i]!;
    const y = was.globals[i]!;
    if (x !== y && !(x !== x && y !== y)) return true;
  }
  return false;
}

export function globalsOf(ctx: SnapshotCodec, block: StateBlock): number[] {
  const g: number[] = [];
  for (const i of ctx.globalIndex) g.push(block.globals[i]!);
  return g;
}
