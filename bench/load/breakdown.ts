// Where the host's CPU goes over a window, from two of its cumulative per-thread reports
// (HostServer.stats().threads, src/engine/thread-cpu.ts) and its process CPU time.
//
//   stages   ms per second of wall time, summed over the threads, by stage: sim, read,
//            encode, write, gc (and any other stage a thread names); `other` is the process
//            CPU minus every stage: work no thread timed (event-loop and stream machinery,
//            message passing, timers) and threads that report nothing (V8's GC and compiler
//            helpers, libuv's pool)
//   threads  ms per second by kind of thread (the name before '#': main, sim, encode,
//            budget, net, ...), and `outside`: process CPU no thread reported
//   detail   `kind.stage` and `kind.unattributed` (the thread's CPU no stage covers)

import type { ThreadStats } from '../../src/engine/thread-cpu.js';

export interface CpuBreakdown {
  stages: Record<string, number>;
  threads: Record<string, number>;
  detail: Record<string, number>;
  /** `other` as a percentage of the host's CPU. */
  otherPct: number;
}

/** The stages every breakdown lists, in this order (others follow, then `other`). */
export const STAGES = ['sim', 'read', 'encode', 'write', 'gc'] as const;

const r2 = (v: number) => Math.round(v * 100) / 100;
const kindOf = (name: string) => name.split('#')[0]!;
const add = (o: Record<string, number>, k: string, v: number) => void (o[k] = (o[k] ?? 0) + v);

/**
 * From reports `a` (window start) and `z` (window end), `hostCpuMs` of process CPU between them
 * and `seconds` of wall time. A thread missing from `a` started in the window (counted from 0);
 * one missing from `z` stopped reporting (its work is in `other`).
 */
export function cpuBreakdown(a: readonly ThreadStats[], z: readonly ThreadStats[], hostCpuMs: number, seconds: number): CpuBreakdown {
  const stageMs: Record<string, number> = Object.fromEntries(STAGES.map((s) => [s, 0]));
  const threadMs: Record<string, number> = {};
  const detailMs: Record<string, number> = {};
  let threadsTotal = 0;
  let stagedTotal = 0;
  for (const t of z) {
    const before = a.find((x) => x.name === t.name);
    const kind = kindOf(t.name);
    const cpu = t.cpuMs - (before?.cpuMs ?? 0);
    add(threadMs, kind, cpu);
    threadsTotal += cpu;
    let staged = 0;
    for (const [stage, ms] of Object.entries(t.stages)) {
      const d = ms - (before?.stages[stage] ?? 0);
      add(stageMs, stage, d);
      add(detailMs, `${kind}.${stage}`, d);
      staged += d;
    }
    add(detailMs, `${kind}.unattributed`, cpu - staged);
    stagedTotal += staged;
  }
  const perS = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r2(v / seconds)]));
  const other = hostCpuMs - stagedTotal;
  return {
    stages: perS({ ...stageMs, other }),
    threads: perS({ ...threadMs, outside: hostCpuMs - threadsTotal }),
    detail: perS(detailMs),
    otherPct: hostCpuMs > 0 ? r2((100 * other) / hostCpuMs) : NaN,
  };
}

/** "main 180 (read 60, write 70, unattributed 40) | sim 30 (sim 29) | ... | outside 8" for the log. */
export function describeThreads(b: CpuBreakdown): string {
  const parts = Object.entries(b.threads).map(([kind, ms]) => {
    const inner = Object.entries(b.detail)
      .filter(([k, v]) => k.startsWith(`${kind}.`) && Math.abs(v) >= 0.05)
      .map(([k, v]) => `${k.slice(kind.length + 1)} ${v}`);
    return inner.length ? `${kind} ${ms} (${inner.join(', ')})` : `${kind} ${ms}`;
  });
  return parts.join(' | ');
}
