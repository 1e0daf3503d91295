// A network worker (piscina): encodes and frames snapshots straight from the snapshot ring
// in shared memory. One task per tick: the full or delta payloads the connections need
// (one per distinct baseline, shared by every connection with that baseline) and the JSON
// snapshot when JSON-mode clients are connected. Returns framed bytes for the main thread to
// write; never touches a socket.

import { workerData } from 'node:worker_threads';
import { getGame } from '../engine/games/index.js';
import { SnapshotRing } from '../engine/snapshot-ring.js';
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
  return { tick: task.tick, frames, json };
}
