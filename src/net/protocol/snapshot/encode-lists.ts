// Deltas from explicit entity lists: which kept entities changed (compared on wire values)
// and the message pieces that carry them. encodeDelta finds its lists by scanning two states;
// the shared-fragment path (./fragments.ts) knows them from the interest cells and uses the
// same pieces, so a value gets the same bytes on every path (layout: the comment at the top
// of ./index.ts).

import type { SnapshotCodec } from './codec.js';
import { changedColumn, encodeColumns, idWidth, putIdSet, type FieldPrediction } from './columns.js';
import type { SourceView } from './fields.js';
import { globalsOf, viewsOf } from './source.js';
import type { Column, SnapshotMessage, SnapshotSource } from './types.js';
import { diffField } from './wire-values.js';

/** The changed entities among a kept list: ids in `ch`, masks, values per field. */
export interface Changes {
  /** How many of the kept entities changed (their ids are ch[0..n)). */
  n: number;
  /** Their masks, maskBytes each, in `ch` order (arena memory). */
  masks: Uint8Array;
  /** Every changed entity has the same mask. */
  sameMask: boolean;
  /** Per field: how many changed entities have its bit. */
  counts: number[];
  /** Bytes of the changed values on the wire (raw columns). */
  valBytes: number;
}

/**
 * Which of `keep` (ids live in both states, same generation, ascending) have a field whose
 * wire value differs; writes their ids to `ch`. `same[f]` true means field f is byte-identical
 * in both blocks (no need to compare); null compares every field. Uses the codec's arena:
 * reset it before.
 */
export function diffKept(
  ctx: SnapshotCodec,
  viewsN: SourceView[],
  viewsB: SourceView[],
  keep: Uint32Array,
  nKeep: number,
  same: readonly boolean[] | null,
  ch: Uint32Array,
): Changes {
  const F = ctx.fields.length;
  const mb = ctx.maskBytes;
  const masks = ctx.arena.u8(nKeep * mb);
  masks.fill(0);
  const counts: number[] = [];
  let valBytes = 0;
  for (let f = 0; f < F; f++) {
    const cf = ctx.fields[f]!;
    const c = nKeep === 0 || same?.[f] === true ? 0 : diffField(cf, viewsN[f]!, viewsB[f]!, keep, nKeep, masks, mb, f >> 3, 1 << (f & 7));
    counts.push(c);
    valBytes += c * cf.width;
  }
  // changed entities (eids) and their masks, compacted
  const chMasks = ctx.arena.u8(nKeep * mb);
  let n = 0;
  let sameMask = true;
  if (mb === 1) {
    for (let i = 0; i < nKeep; i++) {
      const m = masks[i]!;
      if (m !== 0) {
        ch[n] = keep[i]!;
        chMasks[n++] = m;
        if (m !== chMasks[0]) sameMask = false;
      }
    }
  } else {
    for (let i = 0; i < nKeep; i++) {
      let any = 0;
      for (let j = 0; j < mb; j++) any |= masks[i * mb + j]!;
      if (any === 0) continue;
      for (let j = 0; j < mb; j++) {
        const m = masks[i * mb + j]!;
        chMasks[n * mb + j] = m;
        if (m !== chMasks[j]) sameMask = false;
      }
      ch[n++] = keep[i]!;
    }
  }
  if (!sameMask) {
    const added = oneMask(ctx, chMasks, n, counts);
    if (added >= 0) {
      sameMask = true;
      valBytes += added;
    }
  }
  return { n, masks: chMasks, sameMask, counts, valBytes };
}

/**
 * Per-entity masks cost maskBytes an entity; one mask, the union of them all, costs the
 * values it adds (each entity then carries every field any of them changed, the unchanged
 * ones with their current value, which a decoder writes over itself). Drones whose speed is
 * near 0 on one axis make the masks differ: 2 bytes an entity for the shooter, where the
 * union adds a value for the few drones still on that axis. When the union is cheaper, every
 * mask becomes it and `counts` the union's, and this returns the value bytes it adds; else
 * -1, and nothing changes.
 */
function oneMask(ctx: SnapshotCodec, masks: Uint8Array, n: number, counts: number[]): number {
  const mb = ctx.maskBytes;
  const union = ctx.arena.u8(mb);
  union.fill(0);
  for (let i = 0; i < n * mb; i++) union[i % mb]! |= masks[i]!;
  let added = 0;
  for (let f = 0; f < counts.length; f++) if (union[f >> 3]! & (1 << (f & 7))) added += (n - counts[f]!) * ctx.fields[f]!.width;
  if (added >= (n - 1) * mb) return -1;
  for (let i = 0; i < n; i++) masks.set(union, i * mb);
  for (let f = 0; f < counts.length; f++) if (union[f >> 3]! & (1 << (f & 7))) counts[f] = n;
  return added;
}

/** The mask bytes to send: one mask when all are the same, else one per changed entity. */
export const maskOf = (ctx: SnapshotCodec, c: Changes): Uint8Array =>
  c.sameMask ? c.masks.subarray(0, ctx.maskBytes) : c.masks.subarray(0, c.n * ctx.maskBytes);

/**
 * The value columns of the changed entities: column f lists, in `ch` order, the new wire
 * values of those whose mask has bit f. Every field's column (`vals` of a delta), or with
 * `onlyChanged` only those of fields some mask has (a change part). `sub` is scratch ids.
 * `viewsB`: the base's values, for difference columns where they are smaller (null: none).
 */
export function changedColumns(
  ctx: SnapshotCodec,
  c: Changes,
  ch: Uint32Array,
  viewsN: SourceView[],
  idW: number,
  sub: Uint32Array,
  onlyChanged: boolean,
  viewsB: SourceView[] | null = null,
  pred: Prediction | null = null,
): Column[] {
  const mb = ctx.maskBytes;
  const vals: Column[] = [];
  const fp: FieldPrediction | null = pred && { was2: pred.views2[0]!, ok: pred.ok, num: pred.num, den: pred.den };
  for (let f = 0; f < ctx.fields.length; f++) {
    const k = c.counts[f]!;
    if (k === 0 && onlyChanged) continue;
    let j = 0;
    if (k === c.n) sub.set(ch.subarray(0, c.n));
    else if (k > 0) {
      const byte = f >> 3;
      const bit = 1 << (f & 7);
      for (let i = 0; i < c.n; i++) if (c.masks[i * mb + byte]! & bit) sub[j++] = ch[i]!;
    }
    if (fp) fp.was2 = pred!.views2[f]!;
    vals.push(changedColumn(ctx, ctx.fields[f]!, viewsN[f]!, viewsB?.[f] ?? null, sub, k, idW, fp));
  }
  return vals;
}

/**
 * The client's older acked state, for predicted columns (./predicted.ts): its values per
 * field, which entities can be predicted (by eid), and the two spans.
 */
export interface Prediction {
  /** Its tick (the message's base2). */
  tick: number;
  views2: SourceView[];
  ok: Uint8Array;
  /** tick - base. */
  num: number;
  /** base - base2. */
  den: number;
}

/**
 * A delta message of tick `tick` against `baseTick` from its lists: `rm` removed, the changes
 * `c` of the entities in `ch`, `add` added with full rows (every list ascending), globals
 * when `globals`. `sub` is scratch ids. `base`: the base state, given when the client takes
 * difference columns (the join's `diffs`).
 */
export function deltaMessage(
  ctx: SnapshotCodec,
  src: SnapshotSource,
  tick: number,
  baseTick: number,
  rm: Uint32Array,
  nRm: number,
  c: Changes,
  ch: Uint32Array,
  add: Uint32Array,
  nAdd: number,
  globals: boolean,
  sub: Uint32Array,
  base: SnapshotSource | null = null,
  pred: Prediction | null = null,
): SnapshotMessage {
  const msg = assemble(ctx, src, tick, baseTick, rm, nRm, ch, c.n, add, nAdd, globals, (msg, views, idW) => {
    msg.mask = maskOf(ctx, c);
    msg.vals = changedColumns(ctx, c, ch, views, idW, sub, false, base && viewsOf(ctx, base.block), base && pred);
  });
  // always named when predicting, used or not: the client keeps its acks from base2 on
  if (base && pred) msg.base2 = pred.tick;
  return msg;
}

/**
 * A delta's message from its lists, the changed entities' mask and vals written by
 * `changes` (called only when there are some): the one place that lays out a delta.
 */
export function assemble(
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
  changes: (msg: SnapshotMessage, views: SourceView[], idW: number) => void,
): SnapshotMessage {
  const msg: SnapshotMessage = { type: 'snapshot', tick, base: baseTick };
  const top = Math.max(nRm ? rm[nRm - 1]! : 0, nAdd ? add[nAdd - 1]! : 0, nCh ? ch[nCh - 1]! : 0);
  if (top > 0) msg.top = top;
  const idW = idWidth(top);
  const views = viewsOf(ctx, src.block);
  if (nRm) putIdSet(ctx, msg, 'rm', rm, nRm, top);
  if (nCh) {
    putIdSet(ctx, msg, 'ch', ch, nCh, top);
    changes(msg, views, idW);
  }
  if (nAdd) {
    putIdSet(ctx, msg, 'add', add, nAdd, top);
    msg.addCols = encodeColumns(ctx, views, add, nAdd, idW);
  }
  if (globals) msg.g = globalsOf(ctx, src.block);
  return msg;
}

/**
 * A delta from explicit lists (ascending, disjoint): `rm` removed, `keep` compared field by
 * field (the changed ones sent), `add` added. For a few entities: nothing here scans rows.
 * The lists must not be the codec's own id scratch. `diffs`: the client takes difference columns.
 */
export function encodeListDelta(
  ctx: SnapshotCodec,
  src: SnapshotSource,
  tick: number,
  base: SnapshotSource,
  baseTick: number,
  lists: { rm: Uint32Array; nRm: number; keep: Uint32Array; nKeep: number; add: Uint32Array; nAdd: number },
  globals: boolean,
  diffs = false,
): SnapshotMessage {
  const { rm, nRm, keep, nKeep, add, nAdd } = lists;
  const top = Math.max(nRm ? rm[nRm - 1]! : 0, nKeep ? keep[nKeep - 1]! : 0, nAdd ? add[nAdd - 1]! : 0);
  ctx.arena.reset((nRm + nKeep + nAdd + 1) * ctx.encodeRowBytes + 64);
  const ids = ctx.ids(top);
  const ch = ids[3]!;
  const c = diffKept(ctx, viewsOf(ctx, src.block), viewsOf(ctx, base.block), keep, nKeep, null, ch);
  return deltaMessage(ctx, src, tick, baseTick, rm, nRm, c, ch, add, nAdd, globals, ids[4]!, diffs ? base : null);
}

/** A full snapshot (base -1) of exactly the entities `ids` (ascending, live in `src`). */
export function encodeListFull(ctx: SnapshotCodec, src: SnapshotSource, tick: number, ids: Uint32Array, n: number): SnapshotMessage {
  ctx.arena.reset((n + 1) * ctx.encodeRowBytes + 64);
  const top = n > 0 ? ids[n - 1]! : 0;
  const msg: SnapshotMessage = { type: 'snapshot', tick, base: -1, top };
  putIdSet(ctx, msg, 'ids', ids, n, top);
  msg.cols = encodeColumns(ctx, viewsOf(ctx, src.block), ids, n, idWidth(top));
  msg.g = globalsOf(ctx, src.block);
  return msg;
}
