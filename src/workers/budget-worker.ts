// The network worker of budgeted clients (host option `budget`, src/net/server/budget.ts):
// one thread, so that every budgeted client's state (what it holds, its cell priorities,
// its byte bucket) lives in one place and each snapshot is a delta from the previous one
// sent. Reads the snapshot ring in place like the encode workers; never touches a socket.

import { threadId, workerData } from 'node:worker_threads';
import { getGame } from '../engine/games/index.js';
import { SnapshotRing } from '../engine/snapshot-ring.js';
import { threadClock } from '../engine/thread-cpu.js';
import { encodeMsgpackFrame } from '../net/protocol/msgpack-frame.js';
import { createSnapshotCodec } from '../net/protocol/snapshot/index.js';
import { globalsOf } from '../net/protocol/snapshot/source.js';
import { BudgetClient, Scratch } from '../net/server/budget.js';
import { InterestIndex } from '../net/server/interest.js';
import { moveWith, packFrames } from './move-frames.js';
import { BUDGET_STRIDE, type BudgetResult, type BudgetTask, type EncodeWorkerData } from './encode-messages.js';

const data = workerData as EncodeWorkerData;
const game = getGame(data.game).create({ ...data.gameOptions, capacity: data.capacity });
if (!game.interest) throw new Error(`budget worker: game ${data.game} defines no interest grid`);
const ring = new SnapshotRing(game.schema, data.capacity, data.ringBuffer);
const codec = createSnapshotCodec(game.schema, data.capacity);
const interest = new InterestIndex(game.schema, game.interest, data.capacity);
const cells = interest.cols * interest.rows;
const scratch = new Scratch(cells, interest.xIndex, interest.yIndex);
const clients = new Map<number, BudgetClient>();
const changed = new Int32Array(cells);
const range = new Int32Array(4);

// this thread's CPU and its 'encode' stage, reported with every result (up to the previous task)
const clock = threadClock(`budget#${threadId}`);
export default (task: BudgetTask) => clock.time('encode', () => encodeBudgeted(task));

function encodeBudgeted(task: BudgetTask): BudgetResult {
  const t0 = performance.now();
  for (const key of task.gone) clients.delete(key);
  const n = task.clients.length / BUDGET_STRIDE;
  const frames: Array<Uint8Array | null> = new Array(n).fill(null);
  const tick = task.tick;
  const token = ring.beginRead(tick);
  if (token < 0) return { tick, frames, ms: performance.now() - t0, bytes: 0, thread: clock.stats() };
  const block = ring.blockOf(tick);
  const maxEid = ring.info(tick).maxEid;
  const sent: Array<[BudgetClient, number]> = [];
  let bytes = 0;
  try {
    const grid = interest.gridOf(block, tick, maxEid);
    changesPerCell(grid, block, tick);
    const globals = globalsOf(codec, block); // the same for every client of the tick
    for (let i = 0; i < n; i++) {
      const o = i * BUDGET_STRIDE;
      const [key, self, reset, budget, hz] = [task.clients[o]!, task.clients[o + 1]!, task.clients[o + 2]!, task.clients[o + 3]!, task.clients[o + 4]!];
      let c = clients.get(key);
      if (!c || c.budget !== budget) clients.set(key, (c = new BudgetClient(data.capacity, cells, budget)));
      if (reset) c.reset();
      interest.rangeOf(block, tick, maxEid, self, range);
      const msg = c.next(codec, block, tick, grid, changed, range, self, hz, scratch, globals);
      const frame = encodeMsgpackFrame(codec.pack(msg));
      c.spent(frame.byteLength);
      bytes += frame.byteLength;
      frames[i] = frame;
      sent.push([c, i]);
    }
  } finally {
    interest.release();
  }
  if (!ring.endRead(tick, token)) {
    // torn: nothing of this tick may be sent, and the clients' states must not count it
    for (const [c] of sent) c.reset();
    return { tick, frames: new Array(n).fill(null), ms: performance.now() - t0, bytes: 0, thread: clock.stats() };
  }
  const { buffer } = packFrames([frames], []);
  return moveWith({ tick, frames, ms: performance.now() - t0, bytes, thread: clock.stats() }, buffer);
}

/** Entities per cell whose position changed since the previous tick's slot (all, if unreadable). */
function changesPerCell(grid: ReturnType<InterestIndex['gridOf']>, block: ReturnType<SnapshotRing['blockOf']>, tick: number): void {
  const g = grid.grid;
  const xs = block.fields[scratch.xIndex]!;
  const ys = block.fields[scratch.yIndex]!;
  const pt = ring.beginRead(tick - 1);
  if (pt < 0) {
    for (let c = 0; c < cells; c++) changed[c] = g.cellStart[c + 1]! - g.cellStart[c]!;
    return;
  }
  const prev = ring.blockOf(tick - 1);
  const px = prev.fields[scratch.xIndex]!;
  const py = prev.fields[scratch.yIndex]!;
  for (let c = 0; c < cells; c++) {
    let k = 0;
    for (let i = g.cellStart[c]!; i < g.cellStart[c + 1]!; i++) {
      const e = g.items[i]!;
      if (xs[e] !== px[e] || ys[e] !== py[e]) k++;
    }
    changed[c] = k;
  }
  if (!ring.endRead(tick - 1, pt)) for (let c = 0; c < cells; c++) changed[c] = g.cellStart[c + 1]! - g.cellStart[c]!;
}
