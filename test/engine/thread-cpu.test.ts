// Per-thread CPU time and the stage clock, measured on real threads (workers load the compiled
// module: `npm test` builds first). No timing is asserted as a speed: each check compares one
// measurement with another of the same work.

import { execFileSync, spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { readMirror, StageClock, threadClock, threadCpuNs, threadCpuSource, threadMirrorBuffer } from '../../src/engine/thread-cpu.js';

interface Measured {
  source: string;
  cpuMs: number;
  wallMs: number;
}

function runThread<T>(workerData: Record<string, unknown>): Promise<T> {
  const w = new Worker(new URL('./fixtures/cpu-thread.mjs', import.meta.url), { workerData });
  return new Promise((resolve, reject) => {
    w.once('message', (m: T) => void w.terminate().then(() => resolve(m)));
    w.once('error', reject);
  });
}

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const onLinux = threadCpuSource() === 'schedstat';

describe('threadCpuNs', () => {
  it.runIf(onLinux)('thread-cpu: a thread that spins for 200 ms of process CPU shows about 200 ms of its own, one that sleeps 200 ms next to nothing, and the main thread neither', async () => {
    const main0 = threadCpuNs();
    // one after the other: the spinner's 200 ms of process CPU (getrusage, the kernel's other
    // account) must be its own, not the other worker's start-up
    const sleep = await runThread<Measured>({ mode: 'sleep', ms: 200 });
    const spin = await runThread<Measured>({ mode: 'spin', ms: 200 });
    const mainMs = (threadCpuNs() - main0) / 1e6;
    expect(spin.source).toBe('schedstat');
    // a little less than 200: the process's other threads (V8's helpers, this idle main
    // thread) ran a little too; never more (+ one scheduler tick of staleness)
    expect(spin.cpuMs).toBeGreaterThan(150);
    expect(spin.cpuMs).toBeLessThanOrEqual(205);
    expect(sleep.cpuMs).toBeLessThan(20);
    // the main thread only waited: its own figure does not include the workers'
    expect(mainMs).toBeLessThan(100);
  });

  it('thread-cpu: threadCpuNs never goes backwards', () => {
    let last = threadCpuNs();
    for (let i = 0; i < 1000; i++) {
      const now = threadCpuNs();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });
});

/** Busy for `ms` of wall time. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // work
  }
}

/**
 * A read piece started now: what addRun charged, and the time since its own start read after
 * the call. A piece not carried is never charged more than that bound; a carried one includes
 * the gap before its start. Comparing with the bound rather than a fixed "< 1 ms" keeps a
 * preempted test (CI) from failing falsely.
 */
function runFromNow(c: StageClock, stage = 'read'): { ms: number; bound: number } {
  const t0 = c.startInTurn();
  const ms = c.addRun(stage, t0);
  return { ms, bound: performance.now() - t0 };
}

describe('StageClock', () => {
  it('thread-cpu: a piece added outside a span is charged as given, and stats() lists every stage by name', () => {
    const c = new StageClock('t', { gc: false });
    c.add('read', 2.5);
    c.add('write', 1);
    c.add('read', 0.5);
    const s = c.stats();
    expect(s.name).toBe('t');
    expect(s.stages).toEqual({ read: 3, write: 1 });
    expect(s.cpuMs).toBeGreaterThan(0);
  });

  it('thread-cpu: pieces inside a span are charged no more than their wall time, once the span ends', () => {
    const c = new StageClock('t', { gc: false });
    c.begin();
    c.begin(); // nested: one span
    c.add('read', 4);
    c.end();
    expect(c.stats().stages.read).toBe(0); // still open
    c.end();
    const read = c.stats().stages.read!;
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThanOrEqual(4);
  });

  it.runIf(onLinux && hasTaskset)('thread-cpu: two threads sharing one core are each charged their own CPU time for a stage, not its wall time', () => {
    const out = execFileSync('taskset', ['-c', '0', process.execPath, new URL('./fixtures/shared-core.mjs', import.meta.url).pathname, '300'], { encoding: 'utf8' });
    const results = JSON.parse(out) as Array<{ work: number; cpuMs: number; spanMs: number }>;
    expect(results).toHaveLength(2);
    for (const r of results) {
      // they did share the core inside the stages: wall time would be far off
      expect(r.spanMs).toBeGreaterThan(1.4 * r.cpuMs);
      // and the stage is the thread's CPU time, give or take the kernel's late settling of
      // run-queue waits (it evens out over many spans) and a scheduler tick or two
      expect(Math.abs(r.work - r.cpuMs)).toBeLessThan(0.25 * r.cpuMs + 10);
    }
  });

  it('thread-cpu: GC pauses inside a stage are moved to "gc", not counted twice', async () => {
    const r = await runThread<{ stages: Record<string, number>; wallMs: number; gcOutsideMs: number }>({ mode: 'alloc', ms: 300 });
    const gc = r.stages.gc ?? 0;
    expect(gc).toBeGreaterThan(1);
    expect(r.stages.alloc).toBeGreaterThan(0);
    // counted twice, alloc + gc would be wall + gc (the pauses after the stage, which 'gc' also
    // holds, are not the stage's)
    expect(r.stages.alloc! + gc - r.gcOutsideMs).toBeLessThanOrEqual(r.wallMs * 1.01 + 0.5);
  });

  it("thread-cpu: threadClock is one clock per thread; the first name given names it, even after an unnamed call (module load order)", () => {
    const c = threadClock();
    expect(c.name).toBe('main');
    expect(threadClock('net#1')).toBe(c);
    expect(c.name).toBe('net#1');
    threadClock('other');
    expect(c.name).toBe('net#1');
  });

  it.runIf(onLinux)('thread-cpu: a thread that never returns to its event loop is still read through its mirror: CPU growing, stages as timed', async () => {
    const buffer = threadMirrorBuffer();
    expect(readMirror('busy', buffer)).toBeNull();
    const w = new Worker(new URL('./fixtures/cpu-thread.mjs', import.meta.url), { workerData: { mode: 'mirror', ms: 50, buffer } });
    try {
      await new Promise((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));
      const a = readMirror('busy', buffer)!;
      await new Promise((r) => setTimeout(r, 300));
      const z = readMirror('busy', buffer)!;
      expect(a.name).toMatch(/^busy#\d+$/);
      expect(z.name).toBe(a.name);
      // 50 ms of its CPU were timed as 'encode', however long they took in wall time
      expect(a.stages.encode).toBeGreaterThan(45);
      expect(a.stages.encode).toBeLessThanOrEqual(60);
      // it spins on: its CPU moves while it never answers a message (on a busy machine it gets
      // only part of the 300 ms, so no more is asked than that it moved)
      expect(z.cpuMs - a.cpuMs).toBeGreaterThan(5);
    } finally {
      await w.terminate();
    }
    // the thread is gone: nothing to read
    expect(readMirror('busy', buffer)).toBeNull();
  });

  it('thread-cpu: startInTurn keeps one span open until the end of the event-loop turn', async () => {
    const c = new StageClock('t', { gc: false });
    for (let i = 0; i < 3; i++) {
      const t = c.startInTurn();
      c.add('read', performance.now() - t + 1);
    }
    expect(c.stats().stages.read).toBe(0);
    await new Promise((r) => setImmediate(r));
    const read = c.stats().stages.read!;
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThanOrEqual(3.5);
  });

  it('thread-cpu: turns not sampled charge their pieces at once, at most their wall time', async () => {
    const c = new StageClock('t', { gc: false });
    let wall = 0;
    // what the last sampled turn was charged: 0 when the thread sat in the run queue for all
    // of it (a loaded machine), and then the turns after it are charged that share, 0
    let sampledCharge = 0;
    let chargedAtOnce = 0;
    for (let turn = 0; turn < 16; turn++) {
      const t = c.startInTurn();
      const end = performance.now() + 0.2;
      while (performance.now() < end) {
        // work
      }
      const before = c.stats().stages.work ?? 0;
      const ms = performance.now() - t;
      wall += ms;
      c.add('work', ms);
      // a sampled turn (every 8th, from the first) waits for its end; the others are charged now
      if (turn % 8 !== 0) {
        expect(c.stats().stages.work!).toBeGreaterThanOrEqual(before);
        if (sampledCharge > 0) {
          expect(c.stats().stages.work!).toBeGreaterThan(before);
          chargedAtOnce++;
        }
      }
      await new Promise((r) => setImmediate(r));
      if (turn % 8 === 0) sampledCharge = c.stats().stages.work! - before;
    }
    // at least one of the two sampled turns ran (a 0.2 ms spin is rarely all run-queue wait)
    expect(chargedAtOnce).toBeGreaterThanOrEqual(7);
    const work = c.stats().stages.work!;
    expect(work).toBeGreaterThan(0);
    expect(work).toBeLessThanOrEqual(wall + 0.01);
  });

  it('thread-cpu: addRun carries a stage over the gap since its previous piece in the same turn, unless something else came between', async () => {
    const c = new StageClock('t', { gc: false });
    let t = c.startInTurn();
    c.addRun('read', t); // ~0
    spin(2); // the gap: charged to the next read
    t = c.startInTurn();
    const carried = c.addRun('read', t);
    expect(carried).toBeGreaterThanOrEqual(2);
    c.add('encode', 0.1);
    spin(2);
    let r = runFromNow(c);
    expect(r.ms).toBeLessThanOrEqual(r.bound); // the encode piece broke the run
    spin(2);
    c.breakRun();
    r = runFromNow(c);
    expect(r.ms).toBeLessThanOrEqual(r.bound); // so did breakRun()
    await new Promise((r) => setImmediate(r));
    spin(2);
    r = runFromNow(c);
    expect(r.ms).toBeLessThanOrEqual(r.bound); // a new turn starts a new run
  });

  it('thread-cpu: after pollStarts the first addRun of that stage in the next turn is charged from it, unless a piece came between or it came too late', async () => {
    // a turn of the test runner's event loop can take longer than a poll does: a roomy limit
    const c = new StageClock('t', { gc: false, pollCarryMs: 50 });
    const nextTurn = () => new Promise((r) => setImmediate(r));
    // carried: the poll's 0.3 ms count as reading
    c.pollStarts('read');
    spin(0.3);
    await nextTurn();
    expect(runFromNow(c).ms).toBeGreaterThanOrEqual(0.3);
    // used once: the next turn's first read starts from its own t0
    await nextTurn();
    spin(0.3);
    let r = runFromNow(c);
    expect(r.ms).toBeLessThanOrEqual(r.bound);
    // a piece timed between the poll's start and the read: not carried
    c.pollStarts('read');
    spin(0.3);
    c.add('encode', 0.1);
    await nextTurn();
    r = runFromNow(c);
    expect(r.ms).toBeLessThanOrEqual(r.bound);
    // the read came much later than a poll takes (other work ran first): not carried
    c.pollStarts('read');
    spin(60);
    await nextTurn();
    r = runFromNow(c);
    expect(r.ms).toBeLessThanOrEqual(r.bound);
    // another stage's run: not carried either
    c.pollStarts('read');
    spin(0.3);
    await nextTurn();
    r = runFromNow(c, 'write');
    expect(r.ms).toBeLessThanOrEqual(r.bound);
  });
});
