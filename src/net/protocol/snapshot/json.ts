// JSON mode: a full snapshot as plain arrays keyed by field key, for clients that do not
// speak msgpack.

import type { SnapshotCodec } from './codec.js';
import { dequantAll, type CodecField, type WireArray } from './fields.js';
import { collectLive, rowBound, viewsOf, visBytes } from './source.js';
import type { JsonSnapshot, SnapshotSource, Visibility } from './types.js';
import { gather } from './wire-values.js';

/**
 * A full snapshot for JSON-mode clients: the same content a msgpack client decodes (values
 * quantized then dequantized, Entity.gen & 0xff), as plain arrays keyed by field key.
 * Built once per tick and shared by every JSON client (JSON mode has no deltas).
 */
export function toJsonSnapshot(ctx: SnapshotCodec, src: SnapshotSource, tick: number, visible?: Visibility): JsonSnapshot {
  const max = rowBound(ctx, src);
  ctx.arena.reset((max + 1) * ctx.encodeRowBytes);
  const vis = visBytes(ctx, 0, visible, max);
  const idsArr = ctx.ids(max)[0]!;
  const n = collectLive(ctx, src, vis, idsArr);
  const views = viewsOf(ctx, src.block);
  const fields: Record<string, number[]> = {};
  const tmp = ctx.arena.f64(n);
  for (let i = 0; i < ctx.fields.length; i++) {
    const f = ctx.fields[i]!;
    const arr = ctx.arena.wire(f.width, n);
    if (n > 0) gather(f, views[i]!, idsArr, n, arr);
    decodeWire(f, arr, n, tmp);
    fields[f.key] = Array.from(tmp);
  }
  const globals: Record<string, number> = {};
  ctx.globalNames.forEach((g, i) => (globals[g] = src.block.globals[ctx.globalIndex[i]!]!));
  return { type: 'snapshot', tick, base: -1, ids: Array.from(idsArr.subarray(0, n)), fields, globals };
}

/** Unsigned wire values -> decoded numbers (sign, float bits, dequantization). */
function decodeWire(f: CodecField, arr: WireArray, n: number, out: Float64Array): void {
  switch (f.wire) {
    case 'i8':
      out.set(new Int8Array(arr.buffer, arr.byteOffset, n));
      return;
    case 'i16':
      out.set(new Int16Array(arr.buffer, arr.byteOffset, n));
      return;
    case 'i32':
      out.set(new Int32Array(arr.buffer, arr.byteOffset, n));
      return;
    case 'f32':
      out.set(new Float32Array(arr.buffer, arr.byteOffset, n));
      return;
    default:
      out.set(arr.subarray(0, n));
      if (f.levels > 0) dequantAll(out, n, f);
  }
}
