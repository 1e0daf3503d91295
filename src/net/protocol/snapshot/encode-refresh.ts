// Encoding a "refresh": a delta that carries only the entities a byte budget chose, against
// the state the host knows the client holds (the budgeted path, src/net/server/budget.ts).
// It is an ordinary delta on the wire (layout: the comment at the top of ./index.ts), so
// every decoder reads it: `rm` for what the client must drop, `ch` with every field for
// refreshed entities it holds (one shared mask), `add` with full rows for new ones.

import type { SnapshotCodec } from './codec.js';
import { encodeColumns } from './columns.js';
import { assemble } from './encode-lists.js';
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
  ctx.arena.reset((nRm + nCh + nAdd + 1) * ctx.encodeRowBytes + 64);
  return assemble(ctx, src, tick, baseTick, rm, nRm, ch, nCh, add, nAdd, globals, (msg, views, idW) => {
    const mask = ctx.arena.u8(ctx.maskBytes);
    mask.fill(0);
    for (let f = 0; f < ctx.fields.length; f++) mask[f >> 3]! |= 1 << (f & 7);
    msg.mask = mask; // one mask for all: every field of a refreshed entity
    msg.vals = encodeColumns(ctx, views, ch, nCh, idW);
  });
}
