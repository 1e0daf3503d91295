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
  queueBuffer: SharedArrayBuffer;
  controlBuffer: SharedArrayBuffer;
  /** Resume from the newest consistent snapshot in the ring instead of a new world. */
  restore: boolean;
  /** Resume from this state (host migration) instead of a new world. */
  checkpoint?: Checkpoint | undefined;
  /** Path of a recording to write (appended to, with a checkpoint, on restore). */
  recordPath?: string | undefined;
  /** Accept FaultMessage (tests only). */
  faultInjection: boolean;
}

/** Words of the control block (Int32Array over controlBuffer). */
export const Ctl = {
  /** Bumped by the worker after every tick: the watchdog's heartbeat. */
  BEAT: 0,
  /** Newest tick published. */
  TICK: 1,
  WORDS: 4,
} as const;

export interface FaultMessage {
  type: 'fault';
  kind: 'throw' | 'block';
  /** For 'block': how long the worker spins without ticking. */
  ms?: number;
}

export interface StopMessage {
  type: 'stop';
}

export type ToSimWorker = FaultMessage | StopMessage;

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
