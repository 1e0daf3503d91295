// One interest client's snapshot encoded for it alone: the world filtered by the cells it
// sees now (and, for a delta, by those it saw at its base), read from the ring in place.
// This is the reference the shared fragments (./tick-fragments.ts) must match, and what they
// fall back to for a client whose own entity lies outside its own view (a game whose camera
// does not follow the player).

import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import type { SnapshotCodec } from '../protocol/snapshot/codec.js';
import { encodeFromRing } from '../protocol/snapshot/encode-ring.js';
import type { SnapshotMessage } from '../protocol/snapshot/types.js';
import type { InterestIndex } from './interest.js';

/**
 * Tick `tick`'s snapshot for the client of entity `self` seeing cell range `r` now: a delta
 * from `base` (whose cell range was `baseRange`) when that slot is readable, else full.
 * `visNow` / `visBase` are scratch of capacity + 1 bytes. Null when a slot was torn.
 * Call between beginRead / endRead of `tick` (the interest grids of the task are kept).
 * `diffs`: the client takes difference columns.
 */
export function encodeViewMessage(
  codec: SnapshotCodec,
  ring: SnapshotRing,
  interest: InterestIndex,
  tick: number,
  r: ArrayLike<number>,
  base: number,
  baseRange: ArrayLike<number>,
  self: number,
  visNow: Uint8Array,
  visBase: Uint8Array,
  diffs = false,
): SnapshotMessage | null {
  interest.visible(ring.blockOf(tick), tick, ring.info(tick).maxEid, r, self, visNow);
  let baseVis: Uint8Array | undefined;
  let bt = -1;
  if (base >= 0 && base < tick && tick - base < ring.slots && baseRange[0]! >= 0) {
    bt = ring.beginRead(base);
    if (bt >= 0) {
      interest.visible(ring.blockOf(base), base, ring.info(base).maxEid, baseRange, self, visBase);
      baseVis = visBase;
    }
  }
  const msg = encodeFromRing(codec, ring, tick, bt >= 0 ? base : -1, visNow, baseVis, diffs);
  if (bt >= 0 && !ring.endRead(base, bt)) return null;
  return msg;
}
