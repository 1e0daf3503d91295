// Encoding a delta against a state the client acked: removed, changed and added entities,
// changed fields per entity as bit masks, falling back to a full snapshot when that is
// smaller (layout: see the comment at the top of ./index.ts).

import type { SnapshotCodec } from './codec.js';
import { idSetBytes } from './columns.js';
import { encodeFull } from './encode-full.js';
import { deltaMessage, diffKept, type Prediction } from './encode-lists.js';
import { globalsChanged, globalsOf, rowBound, sameRows, viewsOf, visBytes } from './source.js';
import type { SnapshotMessage, SnapshotSource, Visibility } from './types.js';

/**
 * A delta from `base` (the host state of `baseTick`, which the client decoded and acked) to
 * `src`. `visible` is the client's visibility now, `baseVisible` the one its base was
 * encoded with (undefined: the same as `visible`; pass `() => true` for "everything was
 * visible"): an entity entering visibility is added, one leaving is removed. Falls back to a
 * full snapshot (base -1) when the delta would be larger. `diffs`: the client takes
 * difference columns (its join asked for them), so changed values may be sent as i8
 * differences from the base where that is smaller. `base2` (a client that takes predicted
 * columns, everything visible): an older state it acked and still holds; changed values may
 * then travel as predicted columns (./predicted.ts), and the delta names it.
 *
 * Reading ring slots in place: bracket the call with beginRead / endRead of both ticks and
 * drop the message when either read was torn (or use encodeFromRing, which does that).
 */
export function encodeDelta(
  ctx: SnapshotCodec,
  src: SnapshotSource,
  tick: number,
  base: SnapshotSource,
  baseTick: number,
  visible?: Visibility,
  baseVisible: Visibility | undefined = visible,
  diffs = false,
  base2: { src: SnapshotSource; tick: number } | null = null,
): SnapshotMessage {
  const maxNow = rowBound(ctx, src);
  const maxBase = rowBound(ctx, base);
  const hi = Math.max(maxNow, maxBase);
  ctx.arena.reset((hi + 1) * ctx.encodeRowBytes);
  const vn = visBytes(ctx, 0, visible, hi);
  const vb = baseVisible === visible ? vn : visBytes(ctx, 1, baseVisible, hi);
  const F = ctx.fields.length;
  // fields whose rows are byte-identical in both blocks (one native memcmp each) cannot
  // have changed: they are skipped below; when all are, and so are the row bound and the
  // visibility, the world is quiet and the delta is empty
  const same: boolean[] = [];
  let allSame = maxNow === maxBase && vn === vb;
  for (let f = 0; f < F; f++) {
    const eq = sameRows(ctx, src.block, base.block, f, Math.min(maxNow, maxBase));
    same.push(eq);
    allSame &&= eq;
  }
  if (allSame) {
    const quiet: SnapshotMessage = { type: 'snapshot', tick, base: baseTick };
    if (diffs && base2 && visible === undefined && base2.tick < baseTick) quiet.base2 = base2.tick;
    if (globalsChanged(ctx, src.block, base.block)) quiet.g = globalsOf(ctx, src.block);
    return quiet;
  }
  const archN = src.block.fields[ctx.archIndex] as Uint8Array;
  const archB = base.block.fields[ctx.archIndex] as Uint8Array;
  const genN = src.block.fields[ctx.genIndex] as Uint16Array;
  const genB = base.block.fields[ctx.genIndex] as Uint16Array;
  const [rm, add, keep, ch, sub] = ctx.ids(hi) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let nRm = 0;
  let nAdd = 0;
  let nKeep = 0;
  let nNow = 0;
  let topNow = 0;
  for (let e = 1; e <= hi; e++) {
    const ln = e <= maxNow && archN[e] !== 0 && (vn === null || !!vn[e]);
    const lb = e <= maxBase && archB[e] !== 0 && (vb === null || !!vb[e]);
    if (ln) {
      nNow++;
      topNow = e;
      if (lb && genN[e] === genB[e]) keep[nKeep++] = e;
      else {
        if (lb) rm[nRm++] = e;
        add[nAdd++] = e;
      }
    } else if (lb) rm[nRm++] = e;
  }

  // changed fields of the kept entities, compared on wire values
  const c = diffKept(ctx, viewsOf(ctx, src.block), viewsOf(ctx, base.block), keep, nKeep, same, ch);
  const nCh = c.n;
  const top = Math.max(nRm ? rm[nRm - 1]! : 0, nAdd ? add[nAdd - 1]! : 0, nCh ? ch[nCh - 1]! : 0);
  const deltaBytes =
    (nRm ? idSetBytes(nRm, top) : 0) +
    (nAdd ? idSetBytes(nAdd, top) + nAdd * ctx.rowWireBytes : 0) +
    (nCh ? idSetBytes(nCh, top) + nCh * ctx.maskBytes + c.valBytes : 0);
  const fullBytes = idSetBytes(nNow, topNow) + nNow * ctx.rowWireBytes;
  if (deltaBytes > fullBytes) return encodeFull(ctx, src, tick, visible);
  const pred = diffs && base2 && visible === undefined && base2.tick < baseTick ? prediction(ctx, tick, base, baseTick, base2, keep, nKeep, hi) : null;
  return deltaMessage(ctx, src, tick, baseTick, rm, nRm, c, ch, add, nAdd, globalsChanged(ctx, src.block, base.block), sub, diffs ? base : null, pred);
}

/**
 * Which kept entities a client holding `base2` (everything visible) can predict: live there
 * with the gen byte they have in base, the test its decoder makes on its own two states.
 */
function prediction(
  ctx: SnapshotCodec,
  tick: number,
  base: SnapshotSource,
  baseTick: number,
  base2: { src: SnapshotSource; tick: number },
  keep: Uint32Array,
  nKeep: number,
  hi: number,
): Prediction {
  const ok = ctx.arena.u8(hi + 1);
  const max2 = rowBound(ctx, base2.src);
  const arch2 = base2.src.block.fields[ctx.archIndex] as Uint8Array;
  const gen2 = base2.src.block.fields[ctx.genIndex] as Uint16Array;
  const genB = base.block.fields[ctx.genIndex] as Uint16Array;
  for (let i = 0; i < nKeep; i++) {
    const e = keep[i]!;
    ok[e] = e <= max2 && arch2[e] !== 0 && ((gen2[e]! ^ genB[e]!) & 0xff) === 0 ? 1 : 0;
  }
  return { tick: base2.tick, views2: viewsOf(ctx, base2.src.block), ok, num: tick - baseTick, den: baseTick - base2.tick };
}
