// A network worker (piscina): encodes and frames snapshots straight from the snapshot ring
// in shared memory. One task per tick: the full or delta payloads the connections need
// (one per distinct baseline, shared by every connection with that baseline) and the JSON
// snapshot when JSON-mode clients are connected. Returns framed bytes for the main thread to
// write; never touches a socket.

import { workerData } from 'node:worker_threads';
import { getGame } from '../engine/games/index.js';
import { SnapshotRing } from '../engine/snapshot-ring.js';
import { viewOf } from '../engine/snapshot-view.js';
import { encodeJsonMessage } from '../net/protocol/json-frame.js';
import { encodeMsgpackFrame } from '../net/protocol/msgpack-frame.js';
import { createSnapshotCodec, encodeFromRing, toJsonSnapshot } from '../net/protocol/snapshot.js';
import { moveWith, packFrames } from './move-frames.js';
import { InterestIndex, rangeKey } from '../net/server/interest.js';
import { SnapshotFragments, type FragmentTick } from '../net/server/tick-fragments.js';
import { INTEREST_STRIDE, type EncodeResult, type EncodeTask, type EncodeWorkerData } from './encode-messages.js';

const data = workerData as EncodeWorkerData;
const game = getGame(data.game).create({ ...data.gameOptions, capacity: data.capacity });
const ring = new SnapshotRing(game.schema, data.capacity, data.ringBuffer);
const codec = createSnapshotCodec(game.schema, data.capacity);

export default function encode(task: EncodeTask): EncodeResult {
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
  return moveWith(out, buffer);
}

const interest = game.interest ? new InterestIndex(game.schema, game.interest, data.capacity) : null;
const fragments = interest ? new SnapshotFragments(codec, interest, data.capacity) : null;

/**
 * The interest path (src/net/server/tick-fragments.ts): each msgpack client's snapshot is
 * its own small part plus the shared parts of its cells; JSON clients get full JSON
 * snapshots, one per distinct view.
 */
function encodeInterest(tick: number, clients: Int32Array): Pick<EncodeResult, 'interest' | 'ranges' | 'groups'> {
  const n = clients.length / INTEREST_STRIDE;
  const ranges = new Int32Array(n * 4);
  const frames: Array<Uint8Array | null> = new Array(n).fill(null);
  const t = fragments?.begin(ring, tick);
  if (!t) return { interest: frames, ranges, groups: 0 };
  const json = new Map<string, Uint8Array>();
  let intact = false;
  try {
    for (let i = 0; i < n; i++) {
      const o = i * INTEREST_STRIDE;
      const r = ranges.subarray(i * 4, i * 4 + 4);
      if (clients[o + 6] === 1) frames[i] = jsonView(t, clients[o]!, r, json);
      else frames[i] = t.frameFor(clients[o]!, clients[o + 1]!, clients.subarray(o + 2, o + 6), r);
    }
  } finally {
    intact = t.end();
  }
  if (!intact) return { interest: new Array(n).fill(null), ranges, groups: 0 };
  for (let i = 0; i < n; i++) if (clients[i * INTEREST_STRIDE + 6] !== 1 && !t.intact(clients[i * INTEREST_STRIDE + 1]!)) frames[i] = null;
  return { interest: frames, ranges, groups: new Set(frames.filter((f) => f !== null)).size };
}

/** A JSON client's full snapshot of what its view shows (shared by the clients of one view). */
function jsonView(t: FragmentTick, self: number, r: Int32Array, cache: Map<string, Uint8Array>): Uint8Array {
  t.rangeOf(self, r);
  const block = ring.blockOf(t.tick);
  const maxEid = ring.info(t.tick).maxEid;
  // own entity outside its own range (a game whose camera does not follow it): not shared
  const key = `${rangeKey(r)}:${interest!.contains(block, maxEid, r, self) ? 0 : self}`;
  let frame = cache.get(key);
  if (!frame) {
    interest!.visible(block, t.tick, maxEid, r, self, visNow);
    frame = encodeJsonMessage(toJsonSnapshot(codec, { block, maxEid }, t.tick, visNow));
    cache.set(key, frame);
  }
  return frame;
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
