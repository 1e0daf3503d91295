// Snapshot payloads straight from the snapshot ring (shared memory), on the network thread
// that writes them: framed msgpack or JSON bytes, ready for the sockets. Nothing here knows
// about connections; snapshots.ts decides who gets what.
//
//   full / delta      one payload per distinct base tick, shared by every client of that base
//   JSON              one full JSON snapshot per tick, shared by every JSON client
//   interest          one payload per (cells now, base, cells at the base): clients that see
//                     the same cells share it
//   per client        games with exact visibility (haunted): what that player may see

import type { GameDef } from '../../engine/game.js';
import type { StateBlock } from '../../engine/layout.js';
import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import { viewOf } from '../../engine/snapshot-view.js';
import { encodeJsonMessage } from '../protocol/json-frame.js';
import { encodeMsgpackFrame } from '../protocol/msgpack-frame.js';
import { createSnapshotCodec, encodeFromRing, toJsonSnapshot, type SnapshotCodec } from '../protocol/snapshot/index.js';
import { InterestIndex, rangeKey } from './interest.js';

/** What an interest client asks for: its entity, base tick and the cells it was sent at that base. */
export interface InterestRequest {
  self: number;
  /** -1: a full snapshot. */
  base: number;
  /** Cell range at the base (x0 = -1: unknown, so a full snapshot). */
  baseRange: Int32Array;
  json: boolean;
}

export class SnapshotEncoder {
  readonly codec: SnapshotCodec;
  readonly interest: InterestIndex | null;
  private readonly visNow: Uint8Array;
  private readonly visBase: Uint8Array;
  private readonly r = new Int32Array(4);

  constructor(
    private readonly game: GameDef,
    private readonly ring: SnapshotRing,
    capacity: number,
  ) {
    this.codec = createSnapshotCodec(game.schema, capacity);
    this.interest = game.interest ? new InterestIndex(game.schema, game.interest, capacity) : null;
    this.visNow = new Uint8Array(capacity + 1);
    this.visBase = new Uint8Array(capacity + 1);
  }

  /** Full (base -1) or delta msgpack snapshot, framed; null when the tick or base is gone. */
  msgpack(tick: number, base: number): Uint8Array | null {
    const msg = encodeFromRing(this.codec, this.ring, tick, base);
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
   * The interest path: each client's cell range now (into `ranges`, 4 per client), then one
   * payload per distinct (range now, base, range at the base, mode), shared. Returns the
   * payloads in request order (null: not readable) and how many distinct ones were built.
   */
  interestFrames(tick: number, reqs: readonly InterestRequest[], ranges: Int32Array): { frames: Array<Uint8Array | null>; groups: number } {
    const n = reqs.length;
    const frames: Array<Uint8Array | null> = new Array(n).fill(null);
    const interest = this.interest;
    const ring = this.ring;
    if (!interest) return { frames, groups: 0 };
    const token = ring.beginRead(tick);
    if (token < 0) return { frames, groups: 0 };
    const block = ring.blockOf(tick);
    const maxEid = ring.info(tick).maxEid;
    const cache = new Map<string, Uint8Array | null>();
    const r = this.r;
    try {
      for (let i = 0; i < n; i++) {
        const q = reqs[i]!;
        const base = q.json || q.baseRange[0]! < 0 ? -1 : q.base;
        interest.rangeOf(block, tick, maxEid, q.self, r);
        ranges.set(r, i * 4);
        // own entity outside its own range (a game whose camera does not follow it): not shared
        const key = `${rangeKey(r)}:${base}:${base >= 0 ? rangeKey(q.baseRange) : 0}:${q.json ? 1 : 0}:${interest.contains(block, maxEid, r, q.self) ? 0 : q.self}`;
        let frame = cache.get(key);
        if (frame === undefined) {
          frame = this.interestPayload(tick, block, maxEid, r, base, q.baseRange, q.self, q.json);
          cache.set(key, frame);
        }
        frames[i] = frame;
      }
    } finally {
      interest.release();
    }
    if (!ring.endRead(tick, token)) return { frames: new Array(n).fill(null), groups: 0 };
    return { frames, groups: cache.size };
  }

  private interestPayload(tick: number, block: StateBlock, maxEid: number, r: Int32Array, base: number, br: Int32Array, self: number, json: boolean): Uint8Array | null {
    const interest = this.interest!;
    const ring = this.ring;
    interest.visible(block, tick, maxEid, r, self, this.visNow);
    if (json) return encodeJsonMessage(toJsonSnapshot(this.codec, { block, maxEid }, tick, this.visNow));
    let baseVis: Uint8Array | undefined;
    let bt = -1;
    if (base >= 0 && base < tick && tick - base < ring.slots) {
      bt = ring.beginRead(base);
      if (bt >= 0) {
        interest.visible(ring.blockOf(base), base, ring.info(base).maxEid, br, self, this.visBase);
        baseVis = this.visBase;
      }
    }
    const msg = encodeFromRing(this.codec, ring, tick, bt >= 0 ? base : -1, this.visNow, baseVis);
    if (bt >= 0 && !ring.endRead(base, bt)) return null;
    return msg ? encodeMsgpackFrame(this.codec.pack(msg)) : null;
  }

  /** What the game lets player `self` see of a ring slot (read under the caller's seqlock). */
  private visibilityOf(tick: number, self: number, out: Uint8Array): void {
    out.fill(0);
    const ring = this.ring;
    const view = viewOf(this.game.schema, ring.blockOf(tick), tick, ring.info(tick).maxEid);
    this.game.visibility!(view, self, out);
  }

  /** One client's own payload (games with exact visibility): full or delta of what its player may see. */
  forClient(tick: number, base: number, self: number, json: boolean): Uint8Array | null {
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
      const msg = encodeFromRing(this.codec, ring, tick, bt >= 0 ? base : -1, this.visNow, this.visBase);
      if (bt >= 0 && !ring.endRead(base, bt)) return null;
      out = msg ? encodeMsgpackFrame(this.codec.pack(msg)) : null;
    }
    return ring.endRead(tick, token) ? out : null;
  }
}
