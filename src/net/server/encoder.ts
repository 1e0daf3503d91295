// Snapshot payloads straight from the snapshot ring (shared memory), on the network thread
// that writes them: framed msgpack or JSON bytes, ready for the sockets. Nothing here knows
// about connections; snapshots.ts decides who gets what.
//
//   full / delta      one payload per distinct base tick, shared by every client of that base
//   JSON              one full JSON snapshot per tick, shared by every JSON client
//   interest          per cell, parts encoded once per tick (and base) and spliced into each
//                     client's snapshot (./tick-fragments.ts): clients that see the same cells
//                     from the same base share one
//   per client        games with exact visibility (haunted): what that player may see

import type { GameDef } from '../../engine/game.js';
import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import { viewOf } from '../../engine/snapshot-view.js';
import { encodeJsonMessage } from '../protocol/json-frame.js';
import { encodeMsgpackFrame } from '../protocol/msgpack-frame.js';
import { createSnapshotCodec, encodeFromRing, toJsonSnapshot, type SnapshotCodec } from '../protocol/snapshot/index.js';
import { InterestIndex, rangeKey } from './interest.js';
import { SnapshotFragments, type FragmentTick } from './tick-fragments.js';

/** What an interest client asks for: its entity, base tick and the cells it was sent at that base. */
export interface InterestRequest {
  self: number;
  /** -1: a full snapshot. */
  base: number;
  /** Cell range at the base (x0 = -1: unknown, so a full snapshot). */
  baseRange: Int32Array;
  json: boolean;
  /** It takes difference columns (its join asked). */
  diffs: boolean;
}

export class SnapshotEncoder {
  readonly codec: SnapshotCodec;
  readonly interest: InterestIndex | null;
  /** Shared per-cell fragments of the interest and budgeted paths (null: no interest grid). */
  readonly fragments: SnapshotFragments | null;
  private readonly visNow: Uint8Array;
  private readonly visBase: Uint8Array;

  constructor(
    private readonly game: GameDef,
    private readonly ring: SnapshotRing,
    capacity: number,
  ) {
    this.codec = createSnapshotCodec(game.schema, capacity);
    this.interest = game.interest ? new InterestIndex(game.schema, game.interest, capacity) : null;
    this.fragments = this.interest ? new SnapshotFragments(this.codec, this.interest, capacity) : null;
    this.visNow = new Uint8Array(capacity + 1);
    this.visBase = new Uint8Array(capacity + 1);
  }

  /**
   * Full (base -1) or delta msgpack snapshot, framed; null when the tick or base is gone.
   * `diffs`: for clients that take difference columns; `base2` (>= 0): an older tick they
   * hold, for predicted columns.
   */
  msgpack(tick: number, base: number, diffs = false, base2 = -1): Uint8Array | null {
    const msg = encodeFromRing(this.codec, this.ring, tick, base, undefined, undefined, diffs, base2);
    return msg ? encodeMsgpackFrame(this.codec.pack(msg)) : null;
  }

  /** The full JSON snapshot, framed; null when the tick is gone. */
  json(tick: number): Uint8Array | null {
    const ring = this.ring;
    const token = ring.beginRead(tick);
    if (token < 0) return null;
    const snap = toJsonSnapshot(this.codec, { block: ring.blockOf(tick), maxEid: ring.info(tick).maxEid }, tick);
    return ring.endRead(tick, token) ? encodeJsonMessage(snap) : null;
  }

  /**
   * The interest path (./tick-fragments.ts): each client's cell range now (into `ranges`, 4
   * per client); msgpack clients get their own small part plus the shared parts of their
   * cells, JSON clients a full JSON snapshot per distinct view. Returns the payloads in
   * request order (null: not readable) and how many distinct ones were built.
   */
  interestFrames(tick: number, reqs: readonly InterestRequest[], ranges: Int32Array): { frames: Array<Uint8Array | null>; groups: number } {
    const n = reqs.length;
    const frames: Array<Uint8Array | null> = new Array(n).fill(null);
    const t = this.fragments?.begin(this.ring, tick);
    if (!t) return { frames, groups: 0 };
    const json = new Map<string, Uint8Array>();
    let intact = false;
    try {
      for (let i = 0; i < n; i++) {
        const q = reqs[i]!;
        const r = ranges.subarray(i * 4, i * 4 + 4);
        frames[i] = q.json ? this.jsonView(t, q.self, r, json) : t.frameFor(q.self, q.base, q.baseRange, r, q.diffs);
      }
    } finally {
      intact = t.end();
    }
    if (!intact) return { frames: new Array(n).fill(null), groups: 0 };
    for (let i = 0; i < n; i++) if (!reqs[i]!.json && !t.intact(reqs[i]!.base)) frames[i] = null;
    return { frames, groups: new Set(frames.filter((f) => f !== null)).size };
  }

  /** A JSON client's full snapshot of what its view shows (shared by the clients of one view). */
  private jsonView(t: FragmentTick, self: number, r: Int32Array, cache: Map<string, Uint8Array>): Uint8Array {
    const interest = this.interest!;
    t.rangeOf(self, r);
    const block = this.ring.blockOf(t.tick);
    const maxEid = this.ring.info(t.tick).maxEid;
    // own entity outside its own range (a game whose camera does not follow it): not shared
    const key = `${rangeKey(r)}:${interest.contains(block, maxEid, r, self) ? 0 : self}`;
    let frame = cache.get(key);
    if (!frame) {
      interest.visible(block, t.tick, maxEid, r, self, this.visNow);
      frame = encodeJsonMessage(toJsonSnapshot(this.codec, { block, maxEid }, t.tick, this.visNow));
      cache.set(key, frame);
    }
    return frame;
  }

  /** What the game lets player `self` see of a ring slot (read under the caller's seqlock). */
  private visibilityOf(tick: number, self: number, out: Uint8Array): void {
    out.fill(0);
    const ring = this.ring;
    const view = viewOf(this.game.schema, ring.blockOf(tick), tick, ring.info(tick).maxEid);
    this.game.visibility!(view, self, out);
  }

  /** One client's own payload (games with exact visibility): full or delta of what its player may see. */
  forClient(tick: number, base: number, self: number, json: boolean, diffs = false): Uint8Array | null {
    const ring = this.ring;
    const token = ring.beginRead(tick);
    if (token < 0) return null;
    this.visibilityOf(tick, self, this.visNow);
    let out: Uint8Array | null = null;
    if (json) {
      const snap = toJsonSnapshot(this.codec, { block: ring.blockOf(tick), maxEid: ring.info(tick).maxEid }, tick, this.visNow);
      out = encodeJsonMessage(snap);
    } else {
      // the base's visibility is recomputed from the base slot: it is what the client was sent
      const bt = base >= 0 ? ring.beginRead(base) : -1;
      if (bt >= 0) this.visibilityOf(base, self, this.visBase);
      const msg = encodeFromRing(this.codec, ring, tick, bt >= 0 ? base : -1, this.visNow, this.visBase, diffs);
      if (bt >= 0 && !ring.endRead(base, bt)) return null;
      out = msg ? encodeMsgpackFrame(this.codec.pack(msg)) : null;
    }
    return ring.endRead(tick, token) ? out : null;
  }
}
