// Encoding straight from the snapshot ring: a delta when the base slot is still readable,
// else a full snapshot, both read in place under the slots' seqlocks.

import type { SnapshotRing } from '../../../engine/snapshot-ring.js';
import type { SnapshotCodec } from './codec.js';
import { encodeDelta } from './encode-delta.js';
import { encodeFull } from './encode-full.js';
import type { SnapshotMessage, Visibility } from './types.js';

/**
 * Encode tick `tick` of a snapshot ring (a delta from `baseTick` when that slot is still
 * readable and baseTick >= 0, else full), reading the slots in place under their seqlocks.
 * Returns null when `tick` is not readable or was overwritten during the encode. `diffs`:
 * the client takes difference columns (see encodeDelta). `base2Tick` (>= 0): an older tick
 * the client acked and holds, for predicted columns, used while its slot is readable.
 */
export function encodeFromRing(
  ctx: SnapshotCodec,
  ring: SnapshotRing,
  tick: number,
  baseTick = -1,
  visible?: Visibility,
  baseVisible?: Visibility,
  diffs = false,
  base2Tick = -1,
): SnapshotMessage | null {
  const token = ring.beginRead(tick);
  if (token < 0) return null;
  const src = { block: ring.blockOf(tick), maxEid: ring.info(tick).maxEid };
  let msg: SnapshotMessage | null = null;
  if (baseTick >= 0 && baseTick < tick && tick - baseTick < ring.slots) {
    const bt = ring.beginRead(baseTick);
    if (bt >= 0) {
      const base = { block: ring.blockOf(baseTick), maxEid: ring.info(baseTick).maxEid };
      const b2 = base2Tick >= 0 && base2Tick < baseTick && tick - base2Tick < ring.slots ? ring.beginRead(base2Tick) : -1;
      const base2 = b2 >= 0 ? { src: { block: ring.blockOf(base2Tick), maxEid: ring.info(base2Tick).maxEid }, tick: base2Tick } : null;
      msg = encodeDelta(ctx, src, tick, base, baseTick, visible, baseVisible ?? visible, diffs, base2);
      if (!ring.endRead(baseTick, bt) || (b2 >= 0 && !ring.endRead(base2Tick, b2))) msg = null;
    }
  }
  msg ??= encodeFull(ctx, src, tick, visible);
  return ring.endRead(tick, token) ? msg : null;
}
