// SimHost: owns the shared memory of one simulation (live state, snapshot ring, command
// queue, control block), starts the sim worker, and watches it. The watchdog runs on the
// thread that created the host (the main thread), never inside the worker it watches:
//
//   - the worker throws or exits            -> 'error' / 'exit' event
//   - the worker stops ticking for watchdogMs -> its heartbeat (Ctl.BEAT) stops moving
//
// Either way the worker is terminated and a new one resumes from the newest consistent
// snapshot in the ring, so players keep their entities and scores; at most the ticks
// since that snapshot are lost. Each restart is logged and counted.
//
// SimStandby: a sim worker spawned before it is needed (a LAN node that may have to take
// over as host), its modules loaded, waiting on its message port for the session it will
// run; SimHost.start given one hands it the session instead of spawning a thread.

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { getGame } from '../engine/games/index.js';
import type { GameDef } from '../engine/game.js';
import type { Checkpoint } from '../engine/checkpoint.js';
import { InputQueue } from '../engine/input-queue.js';
import { blockBytes } from '../engine/layout.js';
import { logger } from '../engine/log.js';
import { SnapshotRing } from '../engine/snapshot-ring.js';
import { readMirror, threadMirrorBuffer, type ThreadStats } from '../engine/thread-cpu.js';
import { DEFAULT_CAPACITY } from '../engine/world.js';
import { Ctl, IDLE_BEAT_MS, type FromSimWorker, type SimStandbyData, type SimStats, type SimWorkerData, type ToSimWorker } from './messages.js';
import { watchTicks } from './tick-watch.js';
import { workerFile } from './worker-file.js';

export interface SimHostOptions {
  game?: string;
  gameOptions?: Record<string, unknown>;
  /** Entity capacity, fixed for the session (default 100,000). */
  capacity?: number;
  seed?: number;
  hz?: number;
  maxCatchUp?: number;
  /** Restart the worker when it has not ticked for this long (default 500 ms). */
  watchdogMs?: number;
  /** Write a recording of the session to this path. */
  record?: string;
  /** Start from this state (a migrated host) instead of a new world. */
  checkpoint?: Checkpoint;
  /** Sleep while nobody is in the world: no tick runs until a command arrives (sim-worker.ts). */
  idleSleep?: boolean;
  /** Allow injected faults (tests). */
  faultInjection?: boolean;
  queueCapacity?: number;
  /** Command queues for network threads, besides the main thread's `queue` (default 1). */
  netQueues?: number;
  /** A worker spawned ahead of need: the first start uses it (if it is still alive) instead of a new thread. */
  standby?: SimStandby;
}

export type RestartReason = 'threw' | 'exited' | 'stalled';

const log = logger('sim-host');

/** Beats an asleep worker may miss before the watchdog calls it stalled (see watchSoon). */
const IDLE_STALL_BEATS = 3;

export class SimHost extends EventEmitter {
  readonly game: GameDef;
  readonly ring: SnapshotRing;
  /** The main thread's command queue (it is the only producer: local bots, tests). */
  readonly queue: InputQueue;
  /** One command queue per network thread (each thread its only producer). */
  readonly netQueues: readonly InputQueue[];
  readonly capacity: number;
  /** Ticks per second. */
  readonly hz: number;
  private readonly control: Int32Array;
  private workerData: SimWorkerData;
  private readonly watchdogMs: number;
  private worker!: Worker;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private lastBeat = -1;
  private lastBeatAt = 0;
  private armed = false;
  private stopping = false;
  restarts = 0;
  stats: SimStats | undefined;

  private constructor(options: SimHostOptions) {
    super();
    const capacity = options.capacity ?? DEFAULT_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 4_000_000) {
      throw new RangeError('SimHost: options.capacity must be an integer in [1, 4000000]');
    }
    const watchdogMs = options.watchdogMs ?? 500;
    if (!(watchdogMs >= 50)) throw new RangeError('SimHost: options.watchdogMs must be >= 50');
    const gameName = options.game ?? 'shooter';
    const gameOptions = options.gameOptions ?? {};
    this.game = getGame(gameName).create({ ...gameOptions, capacity });
    this.capacity = capacity;
    this.hz = options.hz ?? 60;
    this.watchdogMs = watchdogMs;
    this.ring = SnapshotRing.create(this.game.schema, capacity);
    this.queue = InputQueue.create(options.queueCapacity);
    const nq = options.netQueues ?? 1;
    if (!Number.isInteger(nq) || nq < 0 || nq > 64) throw new RangeError('SimHost: options.netQueues must be an integer in [0, 64]');
    this.netQueues = Array.from({ length: nq }, () => InputQueue.create(options.queueCapacity));
    const controlBuffer = new SharedArrayBuffer(Ctl.WORDS * 4);
    this.control = new Int32Array(controlBuffer);
    this.workerData = {
      game: gameName,
      gameOptions,
      capacity,
      seed: options.seed ?? 1,
      hz: options.hz ?? 60,
      maxCatchUp: options.maxCatchUp ?? 5,
      stateBuffer: new SharedArrayBuffer(blockBytes(this.game.schema, capacity)),
      ringBuffer: this.ring.buffer,
      queueBuffers: [this.queue.buffer, ...this.netQueues.map((q) => q.buffer)],
      controlBuffer,
      clockBuffer: threadMirrorBuffer(),
      restore: false,
      recordPath: options.record,
      checkpoint: options.checkpoint,
      faultInjection: options.faultInjection === true,
      idleSleep: options.idleSleep === true,
    };
  }

  /** Start the simulation; resolves once the first snapshot is published. */
  static async start(options: SimHostOptions = {}): Promise<SimHost> {
    const host = new SimHost(options);
    await host.spawn(false, options.standby?.take());
    host.watchSoon();
    return host;
  }

  get tick(): number {
    return Atomics.load(this.control, Ctl.TICK);
  }

  private spawn(restore: boolean, standby?: Worker | null): Promise<void> {
    // a worker that died asleep left the flag set: the new one starts awake
    Atomics.store(this.control, Ctl.ASLEEP, 0);
    const data: SimWorkerData = { ...this.workerData, restore };
    const worker = standby ?? new Worker(workerFile(import.meta.url, 'sim-worker'), { workerData: data });
    // a standby worker has its modules loaded and waits for this (the listeners below are set
    // before it can answer: it answers on this thread's next turn at the soonest)
    if (standby) standby.postMessage({ type: 'start', data } satisfies ToSimWorker);
    this.worker = worker;
    this.armed = false;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromSimWorker) => {
        if (m.type === 'ready') {
          ready = true;
          this.lastBeat = Atomics.load(this.control, Ctl.BEAT);
          this.lastBeatAt = performance.now();
          this.armed = true;
          resolve();
        } else if (m.type === 'stats') {
          this.stats = m.stats;
          this.emit('stats', m.stats);
        }
      });
      worker.on('error', (err) => {
        if (worker !== this.worker || this.stopping) return;
        log.error({ err: err.message }, 'sim worker threw');
        if (!ready) return reject(err);
        void this.restart('threw');
      });
      worker.on('exit', (code) => {
        if (worker !== this.worker || this.stopping) return;
        if (!ready) return reject(new Error(`sim worker exited with code ${code} before it was ready`));
        log.error({ code }, 'sim worker exited');
        void this.restart('exited');
      });
    });
  }

  /**
   * The next look at the heartbeat. While the worker ticks: every quarter of watchdogMs, so a
   * stall is noticed within 1.25 x watchdogMs. While it sleeps with nobody in the world
   * (Ctl.ASLEEP), it beats once every IDLE_BEAT_MS: one look per beat, and silence is a stall
   * only after IDLE_STALL_BEATS of them. An idle host then wakes twice a second for its sim
   * (the beat and this look) instead of 13 times (5 beats, 8 looks): each wake of a sleeping
   * thread costs it more than its work. A sleeping world that a join wakes is looked at the
   * quick way from the next look on, at most IDLE_BEAT_MS later.
   */
  private watchSoon(): void {
    if (this.stopping) return;
    const asleep = Atomics.load(this.control, Ctl.ASLEEP) === 1;
    this.watchdogTimer = setTimeout(() => this.watch(), asleep ? IDLE_BEAT_MS : this.watchdogMs / 4);
    this.watchdogTimer.unref();
  }

  private watch(): void {
    if (this.stopping) return;
    if (this.armed) {
      // the flag first: a worker that cleared it had beaten already (sim-worker.ts)
      const asleep = Atomics.load(this.control, Ctl.ASLEEP) === 1;
      const beat = Atomics.load(this.control, Ctl.BEAT);
      const now = performance.now();
      const tolerance = asleep ? Math.max(this.watchdogMs, IDLE_STALL_BEATS * IDLE_BEAT_MS) : this.watchdogMs;
      if (beat !== this.lastBeat) {
        this.lastBeat = beat;
        this.lastBeatAt = now;
      } else if (now - this.lastBeatAt > tolerance) {
        log.error({ silentMs: Math.round(now - this.lastBeatAt), tick: this.tick, asleep }, 'sim worker stalled');
        void this.restart('stalled');
      }
    }
    this.watchSoon();
  }

  private async restart(reason: RestartReason): Promise<void> {
    this.armed = false;
    const old = this.worker;
    // detach first, so the old worker's exit is not taken for a new failure
    this.worker = undefined as unknown as Worker;
    await old.terminate().catch(() => {});
    // a restart resumes from the ring, never from the (older) migration checkpoint
    this.workerData.checkpoint = undefined;
    if (this.stopping) return;
    this.restarts++;
    const from = this.ring.newestTick();
    log.warn({ reason, fromTick: from, restarts: this.restarts }, 'restarting sim worker from newest snapshot');
    try {
      await this.spawn(true);
      this.emit('restart', { reason, fromTick: from });
    } catch (err) {
      log.fatal({ err: (err as Error).message }, 'sim worker could not be restarted');
      this.emit('error', err);
    }
  }

  /**
   * Call `fn` with each newly published tick, on this thread, as soon as the sim worker
   * publishes it (Atomics.waitAsync on the control block: no polling). Ticks published
   * together in a catch-up burst arrive as one call with the newest. Returns a stop function.
   */
  onTick(fn: (tick: number) => void): () => void {
    const watch = watchTicks(this.control, fn, { stopped: () => this.stopping });
    return () => watch.stop();
  }

  /**
   * The sim worker's CPU by stage now, from the memory it mirrors them into (its stats
   * message has them too, but an idle worker posts it only every 10 s); null before it has.
   */
  threadStats(): ThreadStats | null {
    return readMirror('sim', this.workerData.clockBuffer);
  }

  /** The control block (heartbeat, newest tick), for threads that wait for ticks themselves. */
  get controlBuffer(): SharedArrayBuffer {
    return this.control.buffer as SharedArrayBuffer;
  }

  /** Tests only (needs faultInjection): make the worker throw, or spin for `ms`. */
  injectFault(kind: 'throw' | 'block', ms?: number): void {
    const m: ToSimWorker = ms === undefined ? { type: 'fault', kind } : { type: 'fault', kind, ms };
    this.worker.postMessage(m);
    this.wake();
  }

  /** End the worker's sleep (Atomics.wait, sim-worker.ts) now: a join pushed on `queue`, or a message just posted. */
  wake(): void {
    Atomics.add(this.control, Ctl.WAKE, 1);
    Atomics.notify(this.control, Ctl.WAKE);
  }

  /** Wait until the published tick reaches `tick` (polls shared memory, no timers in the sim). */
  async waitForTick(tick: number, timeoutMs = 10_000): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (this.tick < tick) {
      if (performance.now() > until) throw new Error(`tick ${tick} not reached (at ${this.tick})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stop the worker cleanly (flushes the recording); idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.watchdogTimer) clearTimeout(this.watchdogTimer);
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
      worker.once('exit', () => {
        clearTimeout(done);
        resolve();
      });
      worker.postMessage({ type: 'stop' } satisfies ToSimWorker);
      this.wake();
    });
  }
}

/**
 * A sim worker spawned ahead of need (`{ standby: true }`): the thread started and every module
 * loaded, it waits on its message port, which costs no CPU, until SimHost.start hands it a
 * session. Taking over then costs the restore of the state, not a thread and its modules.
 */
export class SimStandby {
  private worker: Worker | null;

  constructor() {
    const worker = new Worker(workerFile(import.meta.url, 'sim-worker'), { workerData: { standby: true } satisfies SimStandbyData });
    this.worker = worker;
    // a waiting thread must not keep the process alive
    worker.unref();
    const gone = () => {
      if (this.worker === worker) this.worker = null;
    };
    worker.once('exit', gone);
    worker.once('error', (err) => {
      log.warn({ err: err.message }, 'standby sim worker failed');
      gone();
    });
  }

  /** Whether it still waits for a session (not taken, not dead). */
  get ready(): boolean {
    return this.worker !== null;
  }

  /** The waiting worker, once: the caller owns it from now on (null if taken, stopped or dead). */
  take(): Worker | null {
    const w = this.worker;
    this.worker = null;
    if (w) {
      w.removeAllListeners();
      w.ref();
    }
    return w;
  }

  /** End the waiting worker, if not taken. */
  async stop(): Promise<void> {
    const w = this.take();
    if (w) await w.terminate();
  }
}
