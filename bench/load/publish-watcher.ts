// The load bench's publish-time watcher (a thread of the host process, lanparty-host.ts): it
// blocks in Atomics.wait on the control block's tick word (the sim worker notifies it after
// each pump) and stamps each new tick the moment it is woken, so publish times are neither
// late nor merged when the host's main thread is busy sending. Ticks published in one pump (a
// catch-up) get that pump's time. Each message carries this thread's own CPU time so far: the
// harness takes it off the host's CPU (it is the bench's, not the host's).

import { parentPort, workerData } from 'node:worker_threads';
import { threadCpuNs } from '../../src/engine/thread-cpu.js';

export interface WatcherData {
  buffer: SharedArrayBuffer;
  word: number;
}

export interface WatcherBatch {
  ticks: Array<[number, number]>;
  cpuMs: number;
}

const { buffer, word } = workerData as WatcherData;
const ctl = new Int32Array(buffer);
const at = () => performance.timeOrigin + performance.now();
let last = Atomics.load(ctl, word);
let batch: Array<[number, number]> = [];
let flushed = at();
for (;;) {
  Atomics.wait(ctl, word, last, 100);
  const t = Atomics.load(ctl, word);
  const now = at();
  if (t !== last) {
    for (let k = last + 1; k <= t; k++) batch.push([k, now]);
    last = t;
  }
  // a few messages a second while ticks come, one a second (for the CPU figure) while idle:
  // every message wakes the host's main thread
  if ((batch.length && now - flushed >= 100) || now - flushed >= 1000) {
    parentPort!.postMessage({ ticks: batch, cpuMs: threadCpuNs() / 1e6 } satisfies WatcherBatch);
    batch = [];
    flushed = now;
  }
}
