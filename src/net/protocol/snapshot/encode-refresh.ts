// Encoding a "refresh": a delta that carries only the entities a byte budget chose, against
// the state the host knows the client holds (the budgeted path, src/net/server/budget.ts).
// It is an ordinary delta on the wire (layout: the comment at the top of ./index.ts), so
// every decoder reads it: `rm` for what the client must drop, `ch` with every field for
// refreshed entities it holds (one shared mask), `add` with full rows for new ones.

import type { SnapshotCodec } from './codec.js';
import { encodeColumns, idWidth, putIdSet } from './columns.js';
import { globalsOf, viewsOf } from './source.js';
import type { SnapshotMessage, SnapshotSource } from './types.js';

/**
 * A delta from the client's state of `baseTick` to it with `rm` removed, `ch` overwritten
 * (every field) and `add` added, all read from `src` (ids sorted ascending, disjoint).
 * Globals go along when `globals` is true.
 */
export function encodeRefresh(
  ctx: SnapshotCodec,
  src: SnapshotSource,
  tick: number,
  baseTick: number,
  rm: Uint32Array,
  nRm: number,
  ch: Uint32Array,
  nCh: number,
  add: Uint32Array,
  nAdd: number,
  globals: boolean,
): SnapshotMessage {
  const rows = nRm + nCh + nAdd;
  ctx.arena.reset((rows + 1) * ctx.encodeRowBytes + 64);
  const msg: SnapshotMessage = { type: 'snapshot', tick, base: baseTick };
  const top = Math.max(nRm ? rm[nRm - 1]! : 0, nCh ? ch[nCh - 1]! : 0, nAdd ? add[nAdd - 1]! : 0);
  if (top > 0) msg.top = top;
  const idW = idWidth(top);
  const views = viewsOf(ctx, src.block);
  if (nRm) putIdSet(ctx, msg, 'rm', rm, nRm, top);
  if (nCh) {
    putIdSet(ctx, msg, 'ch', ch, nCh, top);
    const mask = ctx.arena.u8(ctx.maskBytes);
    mask.fill(0);
    for (let f = 0; f < ctx.fields.length; f++) mask[f >> 3]! |= 1 << (f & 7);
    msg.mask = mask; // one mask for all: every field of a refreshed entity
    msg.vals = encodeColumns(ctx, views, ch, nCh, idW);
  }
  if (nAdd) {
    putIdSet(ctx, msg, 'add', add, nAdd, top);
    msg.addCols = encodeColumns(ctx, views, add, nAdd, idW);
  }
  if (globals) msg.g = globalsOf(ctx, src.block);
  return msg;
}
