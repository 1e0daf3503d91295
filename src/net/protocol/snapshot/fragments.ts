// Shared fragments ("parts") of snapshots: pieces encoded once per tick (or per tick and
// base) and spliced, as they are, into the snapshots of every client that needs them. A
// columnar message cannot be cut into pieces after the fact (its columns run over all its
// entities), so a part is a small columnar block of its own, and a snapshot carries its parts
// in one more key of its map (format 2; docs/snapshot-encoding.md, "Parts"):
//
//   { type, tick, base, ...the message's own sets..., g?, parts: [part, part, ...] }
//
//   part = [1, ids, mask, [column x k]]   change: entities live on the client; mask as in a
//                                         delta (one, or one per entity); one column per field
//                                         whose bit is set in some mask (k of them), in field
//                                         order, holding the values of the entities with the bit
//        | [2, ids, [column x F]]         add: entities the client does not hold, full rows
//        | [3, ids, [column x F]]         set: full rows, whether the client holds them or not
//
//   ids  = bin: the ids ascending, as Rice-coded gaps (./rice-ids.ts)
//   columns as everywhere (constant, raw bin, sparse); a sparse column's positions are u16
//   when the part lists at most 65535 ids, else u32
//
// A decoder applies the message's own sets (rm, ch, add as in any delta, or a full snapshot's
// entities), then each part in order, against the state the previous one left.
//
// Splicing: msgpack has no length prefix on maps or arrays beyond their element count, so a
// message with parts is written as its own map (msgpackr) with one more key in the header,
// then "parts", an array header and the pre-encoded parts' bytes back to back.

import type { SnapshotCodec } from './codec.js';
import { encodeColumns, idWidth } from './columns.js';
import { changedColumns, diffKept, maskOf } from './encode-lists.js';
import { riceSize, writeRiceIds } from './rice-ids.js';
import { viewsOf } from './source.js';
import type { SnapshotMessage, SnapshotSource } from './types.js';

export const PartOp = { CHANGE: 1, ADD: 2, SET: 3 } as const;
export type PartOp = (typeof PartOp)[keyof typeof PartOp];

/** The key of the parts array in a snapshot map. */
export const PARTS_KEY = 'parts';
const PARTS_KEY_BYTES = new Uint8Array([0xa5, 0x70, 0x61, 0x72, 0x74, 0x73]);
const LENGTH_BYTES = 4;

/**
 * A plain Uint8Array view of packed bytes (msgpackr returns Node Buffers). Measured: copying
 * many Buffer parts into a frame with `set` took ten times as long as copying plain views of
 * the same memory, once the parts came from many msgpackr buffers.
 */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

/** The ascending ids[0..n) as a Rice-coded id list (./rice-ids.ts; arena memory). */
export function idsBin(ctx: SnapshotCodec, ids: Uint32Array, n: number): Uint8Array {
  const { k, bytes } = riceSize(ids, n);
  const out = ctx.arena.u8(bytes);
  return out.subarray(0, writeRiceIds(ids, n, k, out));
}

/**
 * A change part: those of `keep` (ids live in both states with the same generation,
 * ascending) whose wire values differ between `was` and `now`, with the fields that did.
 * `same[f]` true: field f is byte-identical in both blocks (skipped). Null when none changed.
 * `diffs`: for clients that take difference columns (where they are smaller).
 */
export function encodeChangePart(
  ctx: SnapshotCodec,
  now: SnapshotSource,
  was: SnapshotSource,
  keep: Uint32Array,
  nKeep: number,
  same: readonly boolean[] | null,
  diffs = false,
): Uint8Array | null {
  if (nKeep === 0) return null;
  ctx.arena.reset((nKeep + 1) * ctx.encodeRowBytes + 64);
  const ids = ctx.ids(keep[nKeep - 1]!);
  const ch = ids[3]!;
  const views = viewsOf(ctx, now.block);
  const viewsB = viewsOf(ctx, was.block);
  const c = diffKept(ctx, views, viewsB, keep, nKeep, same, ch);
  if (c.n === 0) return null;
  const cols = changedColumns(ctx, c, ch, views, idWidth(c.n), ids[4]!, true, diffs ? viewsB : null);
  return plain(ctx.packr.pack([PartOp.CHANGE, idsBin(ctx, ch, c.n), maskOf(ctx, c), cols]));
}

/** An add or set part: full rows of ids[0..n) (ascending, live in `src`); null when n is 0. */
export function encodeRowsPart(ctx: SnapshotCodec, op: typeof PartOp.ADD | typeof PartOp.SET, src: SnapshotSource, ids: Uint32Array, n: number): Uint8Array | null {
  if (n === 0) return null;
  ctx.arena.reset((n + 1) * ctx.encodeRowBytes + 64);
  const cols = encodeColumns(ctx, viewsOf(ctx, src.block), ids, n, idWidth(n));
  return plain(ctx.packr.pack([op, idsBin(ctx, ids, n), cols]));
}

/**
 * The framed msgpack bytes (length prefix, payload) of `own` followed by parts[0..n):
 * ready to write. Without parts it is just the framed message. `own` holds views of the
 * codec's scratch (encoders return such messages): encode the parts before it, not between.
 */
export function frameWithParts(ctx: SnapshotCodec, own: SnapshotMessage, parts: readonly Uint8Array[], n: number): Uint8Array {
  const head = plain(ctx.packr.pack(own));
  let size = head.length;
  if (n > 0) {
    // a fixmap (the most keys a snapshot has is 11): its count is the header's low nibble
    if ((head[0]! & 0xf0) !== 0x80 || (head[0]! & 0x0f) === 0x0f) throw new Error('frameWithParts: the message is not a small map');
    size += PARTS_KEY_BYTES.length + (n < 16 ? 1 : n < 0x10000 ? 3 : 5);
    for (let i = 0; i < n; i++) size += parts[i]!.length;
  }
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + size);
  frame.writeUInt32LE(size, 0);
  frame.set(head, LENGTH_BYTES);
  if (n === 0) return frame;
  frame[LENGTH_BYTES] = head[0]! + 1;
  let at = LENGTH_BYTES + head.length;
  frame.set(PARTS_KEY_BYTES, at);
  at += PARTS_KEY_BYTES.length;
  if (n < 16) frame[at++] = 0x90 | n;
  else if (n < 0x10000) {
    frame[at] = 0xdc;
    frame.writeUInt16BE(n, at + 1);
    at += 3;
  } else {
    frame[at] = 0xdd;
    frame.writeUInt32BE(n, at + 1);
    at += 5;
  }
  for (let i = 0; i < n; i++) {
    frame.set(parts[i]!, at);
    at += parts[i]!.length;
  }
  return frame;
}
