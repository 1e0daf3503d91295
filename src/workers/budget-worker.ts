// The network worker of budgeted clients (host option `budget`, src/net/server/budget.ts):
// one thread, so that every budgeted client's state (what it holds, its cell priorities,
// its byte bucket) lives in one place and each snapshot is a delta from the previous one
// sent. Refreshed cells are encoded once per tick for all the clients that refresh them
// (src/net/server/tick-fragments.ts). Reads the snapshot ring in place like the encode
// workers; never touches a socket.

import { workerData } from 'node:worker_threads';
import { getGame } from '../engine/games/index.js';
import { SnapshotRing } from '../engine/snapshot-ring.js';
import { createSnapshotCodec } from '../net/protocol/snapshot.js';
import { BudgetClient } from '../net/server/budget.js';
import { InterestIndex } from '../net/server/interest.js';
import { SnapshotFragments } from '../net/server/tick-fragments.js';
import { moveWith, packFrames } from './move-frames.js';
import { BUDGET_STRIDE, type BudgetResult, type BudgetTask, type EncodeWorkerData } from './encode-messages.js';

const data = workerData as EncodeWorkerData;
const game = getGame(data.game).create({ ...data.gameOptions, capacity: data.capacity });
if (!game.interest) throw new Error(`budget worker: game ${data.game} defines no interest grid`);
const ring = new SnapshotRing(game.schema, data.capacity, data.ringBuffer);
const codec = createSnapshotCodec(game.schema, data.capacity);
const interest = new InterestIndex(game.schema, game.interest, data.capacity);
const fragments = new SnapshotFragments(codec, interest, data.capacity);
const cells = interest.cols * interest.rows;
const clients = new Map<number, BudgetClient>();

export default function encodeBudgeted(task: BudgetTask): BudgetResult {
  const t0 = performance.now();
  for (const key of task.gone) clients.delete(key);
  const n = task.clients.length / BUDGET_STRIDE;
  const frames: Array<Uint8Array | null> = new Array(n).fill(null);
  const tick = task.tick;
  const t = fragments.begin(ring, tick);
  if (!t) return { tick, frames, ms: performance.now() - t0, bytes: 0 };
  const sent: BudgetClient[] = [];
  let bytes = 0;
  let intact = false;
  try {
    for (let i = 0; i < n; i++) {
      const o = i * BUDGET_STRIDE;
      const [key, self, reset, budget, hz] = [task.clients[o]!, task.clients[o + 1]!, task.clients[o + 2]!, task.clients[o + 3]!, task.clients[o + 4]!];
      let c = clients.get(key);
      if (!c || c.budget !== budget) clients.set(key, (c = new BudgetClient(data.capacity, cells, budget)));
      if (reset) c.reset();
      const frame = t.budgetFrameFor(c, self, hz);
      bytes += frame.byteLength;
      frames[i] = frame;
      sent.push(c);
    }
  } finally {
    intact = t.end();
  }
  if (!intact) {
    // torn: nothing of this tick may be sent, and the clients' states must not count it
    for (const c of sent) c.reset();
    return { tick, frames: new Array(n).fill(null), ms: performance.now() - t0, bytes: 0 };
  }
  const { buffer } = packFrames([frames], []);
  return moveWith({ tick, frames, ms: performance.now() - t0, bytes }, buffer);
}
