// This thread's CPU time, and an account of where it goes by named stage, for the host's
// per-second stats (HostServer.stats().threads; bench/load turns them into "where the host's
// CPU goes").
//
// threadCpuNs() (./thread-time.ts): the calling thread's cumulative CPU time, from the kernel.
//
// StageClock: ms per named stage ('sim', 'read', 'encode', 'write', 'gc', ...), cumulative.
// A piece of work is timed with performance.now() (exact, ~0.1 µs), which also counts the
// time another thread held the core meanwhile: on a host pinned to one core the sim worker,
// the connection thread and the encode workers take turns, and wall time would charge each
// for the others. So pieces are timed inside spans, and at the end of a span the time this
// thread waited on a run queue during it (the second field: the kernel settles it when the
// thread gets the CPU back, so it is exact whenever the thread itself reads it) is taken off
// the span's pieces in proportion:
//
//     span  |--read--|  preempted  |-read-|---write---|       wall 10 ms, waited 3 ms
//     pieces are charged (1 - 3/10) of their wall time
//
// The kernel now and then settles a wait late (a span then reports more waiting than its own
// length): the excess is carried into the next span, so totals stay right over many spans,
// though a single short span may be charged too much or too little.
//
// Spans of work timed many times a second (a network thread's event-loop turns, the sim's
// ticks) are sampled: one in TURN_SAMPLE reads /proc, the others are charged at the share the
// sampled ones had. Reads of one event-loop poll form a run (addRun): the gap between two of
// them (libuv going to the next socket: its read syscall, Node's callback layers) is reading.
// A thread that turns its event loop only to read (a batched network thread's looks) says so
// before the turn (pollStarts): the poll that finds the sockets with data (epoll, tens of µs
// with a hundred ready) and the first read syscall are then reading too.
//
// GC pauses this thread's PerformanceObserver reports are moved from the piece they
// interrupted into 'gc', so no millisecond is counted twice. Stages must not nest.
//
// A thread too busy to answer messages (a saturated network thread) can still be accounted
// for: its clock mirrors its main stages into shared memory with its kernel thread id
// (mirrorTo), and another thread reads them at any moment (readMirror), with the CPU time
// from /proc/self/task/<tid>/schedstat:
//
//     Float64Array: [tid, sim, read, encode, write, gc (ms)]

import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';
import { osThreadId, runDelayNs, threadCpuNs } from './thread-time.js';

export { threadCpuNs, threadCpuSource, type ThreadCpuSource } from './thread-time.js';

/** What one thread reports; every field cumulative since the thread started. */
export interface ThreadStats {
  /** Unique in the process: 'main', 'sim', 'encode#3' (kind#threadId), ... */
  name: string;
  /** The thread's CPU time, ms. */
  cpuMs: number;
  /** ms per stage; their sum is about cpuMs or less (the rest is unattributed work). */
  stages: Record<string, number>;
}

// ---- stages --------------------------------------------------------------------------------

/**
 * One event-loop turn in this many is a span of its own (startInTurn): a span costs two reads
 * of /proc (~1.5 µs each, and a network thread turns a thousand times a second or more), and
 * the share of wall time a turn's pieces are charged changes slowly (it is below 1 only while
 * other threads hold this one's core). The other turns' pieces are charged at the share
 * the sampled turns had (decaying by SHARE_DECAY per sampled turn).
 */
const TURN_SAMPLE = 8;
/**
 * pollStarts() to the first read longer than this had other work in it (timers the loop ran
 * first): not carried. A poll that finds a hundred sockets takes tens of µs.
 */
const POLL_CARRY_MS = 0.5;
const SHARE_DECAY = 0.98;

/** Pieces remembered for GC attribution: a thread's GC entries arrive within a few ms. */
const PIECES = 4096;
const GC = 'gc';

export class StageClock {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly totals: number[] = [];
  /** ms of each stage in the open span, not yet corrected for run-queue waits. */
  private readonly pending: number[] = [];
  private depth = 0;
  private spanWall = 0;
  private spanDelayNs = 0;
  /** Run-queue wait reported in a span longer than the span itself: the kernel settles a wait
   *  late now and then, so the excess belongs to earlier time and is taken off the next span. */
  private carriedMs = 0;
  /** Number of the open span's first piece. */
  private spanFirst = 0;
  private turnHeld = false;
  /** The turn held is a sampled one (a span of its own). */
  private turnSpan = false;
  /**
   * The share of wall time sampled turns were charged (run-queue waits taken off), weighted
   * by their length, decaying: what a turn not sampled is charged. */
  private turnShare = 1;
  private shareWall = 0;
  private shareCharged = 0;
  /** Turns held so far (startInTurn), and the run addRun() may carry on: its turn, the piece count after it, stage, end. */
  private turn = 0;
  private runTurn = -1;
  private runPieces = 0;
  private runStage = '';
  private runEnd = 0;
  /** pollStarts(): when, for which stage, and the piece count then; -1: none pending. */
  private pollAt = -1;
  private pollStage = '';
  private pollPieces = 0;
  private readonly pollCarryMs: number;
  // The last PIECES pieces, oldest overwritten: [start, end] (performance.now()), stage id,
  // wall ms not yet taken by a GC pause, and the share of it that was charged (the span's
  // correction; NaN while the span is open).
  private readonly pieceAt = new Float64Array(PIECES * 2);
  private readonly pieceStage = new Int32Array(PIECES);
  private readonly pieceLeft = new Float64Array(PIECES);
  private readonly pieceShare = new Float64Array(PIECES);
  private pieces = 0;
  private observer: PerformanceObserver | undefined;
  private mirror: Float64Array | undefined;

  constructor(
    public name: string,
    options: { gc?: boolean; pollCarryMs?: number } = {},
  ) {
    this.pollCarryMs = options.pollCarryMs ?? POLL_CARRY_MS;
    if (options.gc ?? true) {
      this.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) this.gcPause(e.startTime, e.duration);
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
  }

  /** Open a span (spans nest: only the outermost reads the run-queue time). */
  begin(): void {
    if (this.depth++ > 0) return;
    this.spanWall = performance.now();
    this.spanDelayNs = runDelayNs();
    this.spanFirst = this.pieces;
  }

  /** Close the span opened by the matching begin(). */
  end(): void {
    if (this.depth === 0 || --this.depth > 0) return;
    const wall = performance.now() - this.spanWall;
    const waited = (runDelayNs() - this.spanDelayNs) / 1e6 + this.carriedMs;
    this.carriedMs = Math.max(0, waited - wall);
    const f = wall > 0 ? Math.min(1, Math.max(0, 1 - waited / wall)) : 1;
    for (let i = 0; i < this.pending.length; i++) {
      if (this.pending[i] === 0) continue;
      this.totals[i]! += this.pending[i]! * f;
      this.pending[i] = 0;
    }
    for (let n = Math.max(this.spanFirst, this.pieces - PIECES); n < this.pieces; n++) this.pieceShare[n % PIECES] = f;
    if (this.turnSpan && this.turnHeld) {
      this.shareWall = this.shareWall * SHARE_DECAY + wall;
      this.shareCharged = this.shareCharged * SHARE_DECAY + wall * f;
      this.turnShare = this.shareWall > 0 ? this.shareCharged / this.shareWall : 1;
    }
    this.syncMirror();
  }

  /**
   * A piece of `stage` that took `ms` (performance.now() difference) and ended at `end`
   * (default: now). Outside a span it is charged as is.
   */
  add(stage: string, ms: number, end = performance.now()): void {
    const id = this.idOf(stage);
    const slot = this.pieces++ % PIECES;
    this.pieceAt[slot * 2] = end - ms;
    this.pieceAt[slot * 2 + 1] = end;
    this.pieceStage[slot] = id;
    this.pieceLeft[slot] = ms;
    // outside a span: as is, or in a turn not sampled (startInTurn) at the sampled turns' share
    const share = this.turnHeld ? this.turnShare : 1;
    this.pieceShare[slot] = this.depth > 0 ? NaN : share;
    if (this.depth > 0) this.pending[id]! += ms;
    else {
      this.totals[id]! += ms * share;
      this.syncMirror();
    }
  }

  /** begin(), and the start time to pass to stop(). */
  start(): number {
    this.begin();
    return performance.now();
  }

  /** The piece since `t0` (from start()) as `stage`, then end(); returns its wall ms. */
  stop(stage: string, t0: number): number {
    const ms = performance.now() - t0;
    this.add(stage, ms);
    this.end();
    return ms;
  }

  /** fn() as a piece of `stage` in its own span, closed even when fn throws. */
  time<T>(stage: string, fn: () => T): T {
    const t0 = this.start();
    try {
      return fn();
    } finally {
      this.stop(stage, t0);
    }
  }

  /**
   * Keep a span open until the end of this event-loop turn (closed in setImmediate) and
   * return the time now: for stages timed many times a turn (a read per socket), one pair
   * of /proc reads per turn instead of one per piece, and only in one turn of TURN_SAMPLE.
   * Time the piece with add() or addRun().
   */
  startInTurn(): number {
    if (!this.turnHeld) {
      this.turnHeld = true;
      this.turnSpan = this.turn++ % TURN_SAMPLE === 0;
      if (this.turnSpan) this.begin();
      setImmediate(this.endTurn);
    }
    return performance.now();
  }

  /**
   * start() for a piece timed many times a second by a thread that does not turn its event
   * loop for each (the sim worker's ticks): a span of its own in one call of TURN_SAMPLE,
   * like startInTurn()'s turns; the others are charged at the share the sampled ones had.
   * Not mixed with startInTurn() on one thread. Close with stopSampled().
   */
  startSampled(): number {
    this.turnHeld = true;
    this.turnSpan = this.turn++ % TURN_SAMPLE === 0;
    if (this.turnSpan) this.begin();
    return performance.now();
  }

  /** The piece since `t0` (from startSampled()) as `stage`; returns its wall ms. */
  stopSampled(stage: string, t0: number): number {
    const ms = performance.now() - t0;
    this.add(stage, ms);
    this.endTurn();
    return ms;
  }

  /**
   * A piece of `stage` from `t0` (from startInTurn()) to now that carries on the previous
   * piece when that one was of the same stage, in the same event-loop turn, with nothing else
   * timed since: the gap between them is charged too. For reads: in one poll of the event loop
   * libuv goes from one socket to the next (the next read syscall, Node's callback layers)
   * without anything else in between, and that gap is reading as much as the handler is.
   * Returns the ms charged.
   */
  addRun(stage: string, t0: number): number {
    const end = performance.now();
    const carry = this.turnHeld && this.runTurn === this.turn && this.runPieces === this.pieces && this.runStage === stage;
    let from = carry ? this.runEnd : t0;
    if (!carry && this.pollAt >= 0 && this.pollStage === stage && this.pollPieces === this.pieces && t0 - this.pollAt <= this.pollCarryMs) from = this.pollAt;
    this.pollAt = -1;
    const ms = end - from;
    this.add(stage, ms, end);
    this.runTurn = this.turn;
    this.runPieces = this.pieces;
    this.runStage = stage;
    this.runEnd = end;
    return ms;
  }

  /**
   * The thread is about to turn its event loop only to read (a batched network thread's look:
   * an immediate is pending, so the poll does not sleep): the first addRun() of `stage` in
   * that turn is charged from now, the poll and the first read syscall with it, unless a piece
   * was timed in between or the read came more than POLL_CARRY_MS later.
   */
  pollStarts(stage: string): void {
    this.pollAt = performance.now();
    this.pollStage = stage;
    this.pollPieces = this.pieces;
  }

  /** Work not timed as a piece starts here: the next addRun() does not carry on over it. */
  breakRun(): void {
    this.runTurn = -1;
  }

  private readonly endTurn = () => {
    if (this.turnSpan) this.end();
    this.turnHeld = false;
  };

  /** Cumulative figures now (a span still open is counted once it closes). */
  stats(): ThreadStats {
    const stages: Record<string, number> = {};
    this.names.forEach((n, i) => (stages[n] = Math.round(this.totals[i]! * 1000) / 1000));
    return { name: this.name, cpuMs: Math.round(threadCpuNs() / 1000) / 1000, stages };
  }

  /**
   * Keep this clock's main stages (MIRRORED) and this thread's kernel id in `buffer` (from
   * threadMirrorBuffer()), for readMirror() on another thread. A new thread mirroring into the
   * same buffer (a restarted one) starts it over under its own id.
   */
  mirrorTo(buffer: SharedArrayBuffer): void {
    this.mirror = new Float64Array(buffer);
    this.mirror[0] = 0;
    this.syncMirror();
    this.mirror[0] = osThreadId();
  }

  private syncMirror(): void {
    const m = this.mirror;
    if (!m) return;
    for (let i = 0; i < MIRRORED.length; i++) {
      const id = this.ids.get(MIRRORED[i]!);
      m[1 + i] = id === undefined ? 0 : this.totals[id]!;
    }
  }

  /** Stop observing GC (the clock keeps its figures). */
  close(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }

  private idOf(stage: string): number {
    let id = this.ids.get(stage);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(stage, id);
      this.names.push(stage);
      this.totals.push(0);
      this.pending.push(0);
    }
    return id;
  }

  /**
   * A GC pause: charged to 'gc', and taken off the piece it interrupted (if any) at the share
   * that piece was charged, so a stage never gives up more than it was given.
   */
  private gcPause(start: number, ms: number): void {
    const gc = this.idOf(GC);
    const open = this.depth > 0 && start >= this.spanWall;
    let outside = ms;
    // pieces are stored in the order they ended and do not overlap: walk back from the newest
    for (let n = this.pieces - 1; n >= 0 && n >= this.pieces - PIECES; n--) {
      const slot = n % PIECES;
      const [from, to] = [this.pieceAt[slot * 2]!, this.pieceAt[slot * 2 + 1]!];
      if (to <= start) break;
      if (from > start) continue;
      const id = this.pieceStage[slot]!;
      const cut = Math.min(ms, this.pieceLeft[slot]!);
      this.pieceLeft[slot]! -= cut;
      outside -= cut;
      const share = this.pieceShare[slot]!;
      if (Number.isNaN(share)) {
        // its span is still open: move it within the pending time, corrected at the span's end
        this.pending[id]! -= cut;
        this.pending[gc]! += cut;
      } else {
        this.totals[id]! -= cut * share;
        this.totals[gc]! += cut * share;
      }
      break;
    }
    if (open) this.pending[gc]! += outside;
    else this.totals[gc]! += outside;
    this.syncMirror();
  }
}

// ---- the shared mirror ------------------------------------------------------------------------

/** The stages a mirror carries, in slot order after the thread id. */
const MIRRORED = ['sim', 'read', 'encode', 'write', GC];

/** Shared memory for one thread's mirror (StageClock.mirrorTo, readMirror). */
export function threadMirrorBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer((1 + MIRRORED.length) * 8);
}

/**
 * The figures a thread of this process mirrors into `buffer`, named `kind#<kernel tid>`; null
 * before it has mirrored anything, or once that thread is gone. Any thread may call it.
 */
export function readMirror(kind: string, buffer: SharedArrayBuffer): ThreadStats | null {
  const m = new Float64Array(buffer);
  const tid = m[0]!;
  if (!tid) return null;
  let cpuNs: number;
  try {
    cpuNs = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
  } catch {
    return null;
  }
  const stages: Record<string, number> = {};
  MIRRORED.forEach((s, i) => {
    if (m[1 + i]) stages[s] = Math.round(m[1 + i]! * 1000) / 1000;
  });
  return { name: `${kind}#${tid}`, cpuMs: Math.round(cpuNs / 1000) / 1000, stages };
}

let mine: StageClock | undefined;
let named = false;

/**
 * This thread's clock, made on the first call: the pieces of one thread timed in several
 * modules (connection reads, broadcaster writes) add up in one place. The first call that
 * gives a name names it, whatever the order modules were loaded in; until then it is 'main'
 * on the main thread, else 'worker#<threadId>'.
 */
export function threadClock(name?: string): StageClock {
  mine ??= new StageClock(isMainThread ? 'main' : `worker#${threadId}`);
  if (name !== undefined && !named) {
    mine.name = name;
    named = true;
  }
  return mine;
}
