// Encoding a full snapshot (base -1): the live (visible) ids, every networked field's column
// and the networked globals (layout: see the comment at the top of ./index.ts).

import type { SnapshotCodec } from './codec.js';
import { columnForm, idWidth, putIdSet } from './columns.js';
import type { WireArray } from './fields.js';
import { globalsOf, rowBound, viewsOf, visBytes } from './source.js';
import type { Column, SnapshotMessage, SnapshotSource, Visibility } from './types.js';

/** A full snapshot of `src` (optionally only the entities `visible` allows). */
export function encodeFull(ctx: SnapshotCodec, src: SnapshotSource, tick: number, visible?: Visibility): SnapshotMessage {
  const max = rowBound(ctx, src);
  ctx.arena.reset((max + 1) * ctx.encodeRowBytes);
  const vis = visBytes(ctx, 0, visible, max);
  const ids = ctx.ids(max)[0]!;
  const F = ctx.fields.length;
  // one pass over the rows: ids, bitmap, every field's wire values (arrays sized for max)
  const bits = ctx.arena.u8((max + 7) >> 3);
  const outs: WireArray[] = [];
  for (let f = 0; f < F; f++) outs.push(ctx.arena.wire(ctx.fields[f]!.width, max));
  const scan = ctx.scan;
  const views = viewsOf(ctx, src.block);
  const n = ctx.collectAll(src.block.fields[ctx.archIndex] as Uint8Array, vis, max, ids, bits, views, outs, scan);
  const top = n > 0 ? ids[n - 1]! : 0;
  const idW = idWidth(top);
  const msg: SnapshotMessage = { type: 'snapshot', tick, base: -1, top };
  // the bitmap is built already (bytes past top are 0); an id list when that is smaller
  if ((top + 7) >> 3 < n * idW) msg.bits = bits.subarray(0, (top + 7) >> 3);
  else putIdSet(ctx, msg, 'ids', ids, n, top);
  const cols: Column[] = [];
  for (let f = 0; f < F; f++) {
    cols.push(n === 0 ? 0 : columnForm(ctx, ctx.fields[f]!, outs[f]!, n, scan[2 * f + 1] === 0 ? -1 : n - scan[2 * f]!, idW));
  }
  msg.cols = cols;
  msg.g = globalsOf(ctx, src.block);
  return msg;
}

