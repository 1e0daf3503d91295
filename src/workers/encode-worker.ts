// A network worker (piscina): encodes and frames snapshots straight from the snapshot ring
// in shared memory. One task per tick: the full or delta payloads the connections need
// (one per distinct baseline, shared by every connection with that baseline) and the JSON
// snapshot when JSON-mode clients are connected. Returns framed bytes for the main thread to
// write; never touches a socket.

import { threadId, workerData } from 'node:worker_threads';
import { getGame } from '../engine/games/index.js';
import { SnapshotRing } from '../engine/snapshot-ring.js';
import { threadClock } from '../engine/thread-cpu.js';
import { viewOf } from '../engine/snapshot-view.js';
import { encodeJsonMessage } from '../net/protocol/json-frame.js';
import { encodeMsgpackFrame } from '../net/protocol/msgpack-frame.js';
import { createSnapshotCodec, encodeFromRing, toJsonSnapshot } from '../net/protocol/snapshot/index.js';
import type { StateBlock } from '../engine/layout.js';
import { moveWith, packFrames } from './move-frames.js';
import { InterestIndex, rangeKey } from '../net/server/interest.js';
import { INTEREST_STRIDE, type EncodeResult, type EncodeTask, type EncodeWorkerData } from './encode-messages.js';

const data = workerData as EncodeWorkerData;
const game = getGame(data.game).create({ ...data.gameOptions, capacity: data.capacity });
const ring = new SnapshotRing(game.schema, data.capacity, data.ringBuffer);
const codec = createSnapshotCodec(game.schema, data.capacity);

// this thread's CPU and its 'encode' stage, reported with every result (up to the previous task)
const clock = threadClock(`encode#${threadId}`);
export default (task: EncodeTask) => clock.time('encode', () => encode(task));

function encode(task: EncodeTask): EncodeResult {
  const t0 = performance.now();
  const frames: Array<Uint8Array | null> = [];
  for (const base of task.bases) {
    const msg = encodeFromRing(codec, ring, task.tick, base);
    frames.push(msg ? encodeMsgpackFrame(codec.pack(msg)) : null);
  }
  let json: Uint8Array | null = null;
  if (task.json) {
    const token = ring.beginRead(task.tick);
    if (token >= 0) {
      const snap = toJsonSnapshot(codec, { block: ring.blockOf(task.tick), maxEid: ring.info(task.tick).maxEid }, task.tick);
      if (ring.endRead(task.tick, token)) json = encodeJsonMessage(snap);
    }
  }
  const perClient = task.perClient?.map((c) => encodeForClient(task.tick, c.base, c.self, c.json));
  const out: EncodeResult = { tick: task.tick, frames, json, ...(perClient ? { perClient } : {}), ms: 0 };
  if (task.interest) Object.assign(out, encodeInterest(task.tick, task.interest));
  const { buffer, singles } = packFrames([out.frames, out.perClient, out.interest], [out.json]);
  out.json = singles[0]!;
  out.ms = performance.now() - t0;
  out.thread = clock.stats();
  return moveWith(out, buffer);
}

const interest = game.interest ? new InterestIndex(game.schema, game.interest, data.capacity) : null;

/**
 * The interest path: each client's cell range now, then one payload per distinct
 * (range now, base tick, range at the base, json) — most clients share one.
 */
function encodeInterest(tick: number, clients: Int32Array): Pick<EncodeResult, 'interest' | 'ranges' | 'groups'> {
  const n = clients.length / INTEREST_STRIDE;
  const ranges = new Int32Array(n * 4);
  const frames: Array<Uint8Array | null> = new Array(n).fill(null);
  if (!interest) return { interest: frames, ranges, groups: 0 };
  const token = ring.beginRead(tick);
  if (token < 0) return { interest: frames, ranges, groups: 0 };
  const block = ring.blockOf(tick);
  const maxEid = ring.info(tick).maxEid;
  const cache = new Map<string, Uint8Array | null>();
  const r = new Int32Array(4);
  try {
    for (let i = 0; i < n; i++) {
      const o = i * INTEREST_STRIDE;
      const self = clients[o]!;
      const json = clients[o + 6] === 1;
      let base = json ? -1 : clients[o + 1]!;
      const br = clients.subarray(o + 2, o + 6);
      if (br[0]! < 0) base = -1; // the base's range is unknown: send a full snapshot
      interest.rangeOf(block, tick, maxEid, self, r);
      ranges.set(r, i * 4);
      // own entity outside its own range (a game whose camera does not follow it): not shared
      const key = `${rangeKey(r)}:${base}:${base >= 0 ? rangeKey(br) : 0}:${json ? 1 : 0}:${interest.contains(block, maxEid, r, self) ? 0 : self}`;
      let frame = cache.get(key);
      if (frame === undefined) {
        frame = encodeInterestPayload(tick, block, maxEid, r, base, br, self, json);
        cache.set(key, frame);
      }
      frames[i] = frame;
    }
  } finally {
    interest.release();
  }
  if (!ring.endRead(tick, token)) return { interest: new Array(n).fill(null), ranges, groups: 0 };
  return { interest: frames, ranges, groups: cache.size };
}

function encodeInterestPayload(
  tick: number,
  block: StateBlock,
  maxEid: number,
  r: Int32Array,
  base: number,
  br: Int32Array,
  self: number,
  json: boolean,
): Uint8Array | null {
  interest!.visible(block, tick, maxEid, r, self, visNow);
  if (json) return encodeJsonMessage(toJsonSnapshot(codec, { block, maxEid }, tick, visNow));
  let baseVis: Uint8Array | undefined;
  let bt = -1;
  if (base >= 0 && base < tick && tick - base < ring.slots) {
    bt = ring.beginRead(base);
    if (bt >= 0) {
      interest!.visible(ring.blockOf(base), base, ring.info(base).maxEid, br, self, visBase);
      baseVis = visBase;
    }
  }
  const msg = encodeFromRing(codec, ring, tick, bt >= 0 ? base : -1, visNow, baseVis);
  if (bt >= 0 && !ring.endRead(base, bt)) return null;
  return msg ? encodeMsgpackFrame(codec.pack(msg)) : null;
}

const visNow = new Uint8Array(data.capacity + 1);
const visBase = new Uint8Array(data.capacity + 1);

/** What the game lets player `self` see of a ring slot (read under the caller's seqlock). */
function visibilityOf(tick: number, self: number, out: Uint8Array): void {
  out.fill(0);
  const view = viewOf(game.schema, ring.blockOf(tick), tick, ring.info(tick).maxEid);
  game.visibility!(view, self, out);
}

/** One client's own payload: full or delta of only what its player may see. */
function encodeForClient(tick: number, base: number, self: number, json: boolean): Uint8Array | null {
  const token = ring.beginRead(tick);
  if (token < 0) return null;
  visibilityOf(tick, self, visNow);
  let out: Uint8Array | null = null;
  if (json) {
    const snap = toJsonSnapshot(codec, { block: ring.blockOf(tick), maxEid: ring.info(tick).maxEid }, tick, visNow);
    out = encodeJsonMessage(snap);
  } else {
    // the base's visibility is recomputed from the base slot: it is what the client was sent
    const bt = base >= 0 ? ring.beginRead(base) : -1;
    if (bt >= 0) visibilityOf(base, self, visBase);
    const msg = encodeFromRing(codec, ring, tick, bt >= 0 ? base : -1, visNow, visBase);
    if (bt >= 0 && !ring.endRead(base, bt)) return null;
    out = msg ? encodeMsgpackFrame(codec.pack(msg)) : null;
  }
  return ring.endRead(tick, token) ? out : null;
}
