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
import type { EncodeResult, EncodeTask, EncodeWorkerData } from './encode-messages.js';

const data = workerData as EncodeWorkerData;
const game = getGame(data.game).create({ ...data.gameOptions, capacity: data.capacity });
const ring = new SnapshotRing(game.schema, data.capacity, data.ringBuffer);
const codec = createSnapshotCodec(game.schema, data.capacity);

export default function encode(task: EncodeTask): EncodeResult {
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
  return { tick: task.tick, frames, json, ...(perClient ? { perClient } : {}) };
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
