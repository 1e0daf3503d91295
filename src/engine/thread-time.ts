// The calling thread's CPU time and run-queue wait, from the kernel (./thread-cpu.ts builds
// its stage accounting on them). On Linux each thread reads its own
// /proc/thread-self/schedstat (kept open: one pread, ~3 µs):
//
//     "<ns on a CPU> <ns waiting on a run queue> <times scheduled>\n"
//
// The first field is exact at every context switch, but for the running thread the kernel
// brings it up to date only at the scheduler tick (every 1-4 ms): right for totals over a
// second, useless for timing a 0.2 ms piece of work. Elsewhere process.threadCpuUsage()
// (Node >= 23.9); else 0, and threadCpuSource() says 'none'.

import { openSync, readlinkSync, readSync } from 'node:fs';

export type ThreadCpuSource = 'schedstat' | 'threadCpuUsage' | 'none';

// Module state is per thread: every worker loads its own copy of this module, so the file
// opened here is the loading thread's own (/proc/thread-self resolves at open).

let schedFd: number | undefined;
const schedBuf = Buffer.alloc(96);
/** [ns on a CPU, ns waiting on a run queue] of the last read. */
const sched = new Float64Array(2);

function readSchedstat(): boolean {
  if (schedFd === undefined) {
    try {
      schedFd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      schedFd = -1;
    }
  }
  if (schedFd < 0) return false;
  const n = readSync(schedFd, schedBuf, 0, schedBuf.length, 0);
  let i = 0;
  for (let f = 0; f < 2; f++) {
    let v = 0;
    for (let c = schedBuf[i]!; i < n && c >= 48 && c <= 57; c = schedBuf[++i]!) v = v * 10 + (c - 48);
    sched[f] = v;
    i++; // the space
  }
  return true;
}

type ThreadCpuUsage = () => { user: number; system: number };
const threadCpuUsage = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;

/** Where threadCpuNs() gets its figure in this thread. */
export function threadCpuSource(): ThreadCpuSource {
  if (readSchedstat()) return 'schedstat';
  return typeof threadCpuUsage === 'function' ? 'threadCpuUsage' : 'none';
}

/** The calling thread's CPU time, ns, cumulative (0 where it cannot be read: threadCpuSource()). */
export function threadCpuNs(): number {
  if (readSchedstat()) return sched[0]!;
  if (typeof threadCpuUsage !== 'function') return 0;
  const u = threadCpuUsage.call(process);
  return (u.user + u.system) * 1000;
}

/** ns the calling thread has waited on a run queue (ready, not running), cumulative; 0 when unknown. */
export function runDelayNs(): number {
  return readSchedstat() ? sched[1]! : 0;
}

/** The calling thread's kernel thread id (Linux), or 0. */
export function osThreadId(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop()) || 0;
  } catch {
    return 0;
  }
}
