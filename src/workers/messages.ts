// Every message between the main thread and the sim worker has a named type here.

import type { Checkpoint } from '../engine/checkpoint.js';
import type { ThreadStats } from '../engine/thread-cpu.js';

export interface SimWorkerData {
  game: string;
  gameOptions: Record<string, unknown>;
  capacity: number;
  seed: number;
  hz: number;
  maxCatchUp: number;
  stateBuffer: SharedArrayBuffer;
  ringBuffer: SharedArrayBuffer;
  /**
   * One single-producer queue per producing thread: [0] is the main thread's (local bots,
   * tests), the others belong to the network threads. Drained in this order every tick.
   */
  queueBuffers: SharedArrayBuffer[];
  controlBuffer: SharedArrayBuffer;
  /** Where the worker mirrors its CPU by stage (thread-cpu.ts mirrorTo): read at any time, also while it sleeps. */
  clockBuffer: SharedArrayBuffer;
  /** Resume from the newest consistent snapshot in the ring instead of a new world. */
  restore: boolean;
  /** Resume from this state (host migration) instead of a new world. */
  checkpoint?: Checkpoint | undefined;
  /** Path of a recording to write (appended to, with a checkpoint, on restore). */
  recordPath?: string | undefined;
  /**
   * Sleep while nobody is in the world (no joined client, no command queued): time stands
   * still, no tick runs, and the worker only looks at its queues every IDLE_BEAT_MS.
   */
  idleSleep: boolean;
  /** Accept FaultMessage (tests only). */
  faultInjection: boolean;
}

/**
 * While idle (nobody in the world), the worker wakes by itself this often: the watchdog's
 * heartbeat, and a look at its queues. A join or a message wakes it at once (Ctl.WAKE). Each
 * wake costs a sleeping thread more than its work (its caches and the VM's timers are cold),
 * so an idle host wakes as little as the watchdog lets it: see SimHost.watch.
 */
export const IDLE_BEAT_MS = 1000;

/** Words of the control block (Int32Array over controlBuffer). */
export const Ctl = {
  /** Bumped by the worker after every tick: the watchdog's heartbeat. */
  BEAT: 0,
  /** Newest tick published. */
  TICK: 1,
  /** Bumped (and notified) by a producer whose command should end the sim's idle sleep now: a join. */
  WAKE: 2,
  /** 1 while the worker sleeps with nobody in the world (idleSleep): it beats only once a second then. */
  ASLEEP: 3,
  /**
   * Ticks the sim may run in one wake (1 to MAX_GROUP; 0 or anything else reads as 1), set by
   * the network thread: the largest k such that every tick sent to anyone is a multiple of k.
   * The sim then sleeps until the next multiple of k is due and runs the ticks up to it in one
   * turn; the ticks in between, sent to nobody, cost no wake of the sim or the network thread.
   */
  GROUP: 4,
  /** The tick the sim means to publish next (the end of its next group), stored before each publish's notify. */
  NEXT: 5,
  WORDS: 6,
} as const;

/**
 * The largest group (Ctl.GROUP) the sim runs: 3, a 20 Hz send rate's ticks. It is below the
 * default catch-up limit (5), so the ticks of a group are never counted as skipped.
 */
export const MAX_GROUP = 3;

export interface FaultMessage {
  type: 'fault';
  kind: 'throw' | 'block';
  /** For 'block': how long the worker spins without ticking. */
  ms?: number;
}

export interface StopMessage {
  type: 'stop';
}

/**
 * To a standby worker (spawned ahead of need with `{ standby: true }` as its workerData, its
 * modules loaded): the session it runs from now on. Sent once; the worker then starts as if
 * it had been spawned with this data.
 */
export interface StartMessage {
  type: 'start';
  data: SimWorkerData;
}

export type ToSimWorker = FaultMessage | StopMessage | StartMessage;

/** The workerData of a standby sim worker (see StartMessage). */
export interface SimStandbyData {
  standby: true;
}

export interface SimStats {
  tick: number;
  skippedTicks: number;
  entities: number;
  tickP50Ms: number;
  tickP99Ms: number;
  tickMaxMs: number;
  spawnRefused: number;
  queueDroppedFull: number;
  drops: Record<string, number>;
  hash: string;
  /** The sim worker's CPU time and its 'sim' stage (cumulative). */
  thread?: ThreadStats;
}

export interface ReadyMessage {
  type: 'ready';
  tick: number;
  restored: boolean;
}

export interface StatsMessage {
  type: 'stats';
  stats: SimStats;
}

export interface StoppedMessage {
  type: 'stopped';
  tick: number;
}

export type FromSimWorker = ReadyMessage | StatsMessage | StoppedMessage;
