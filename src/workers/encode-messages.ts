// Messages between the connection layer and the encode workers.

import type { ThreadStats } from '../engine/thread-cpu.js';

export interface EncodeWorkerData {
  game: string;
  gameOptions: Record<string, unknown>;
  capacity: number;
  ringBuffer: SharedArrayBuffer;
}

export interface EncodeTask {
  tick: number;
  /** One payload per entry: -1 for a full snapshot, else the acknowledged base tick. */
  bases: number[];
  /** Also build the JSON-mode full snapshot. */
  json: boolean;
  /**
   * Games with per-client visibility (GameDef.visibility): one payload per client, holding
   * only what the player `self` may see, in its mode.
   */
  perClient?: Array<{ base: number; self: number; json: boolean }>;
  /**
   * Games with interest management (GameDef.interest): INTEREST_STRIDE int32s per client,
   * [self, base, base cell range x0, y0, x1, y1 (x0 = -1: unknown), json 0 / 1]. Clients
   * that see the same cells from the same base share one payload.
   */
  interest?: Int32Array;
}

export const INTEREST_STRIDE = 7;

export interface EncodeResult {
  tick: number;
  /** Framed msgpack snapshots, in `bases` order; null when the tick was no longer readable. */
  frames: Array<Uint8Array | null>;
  /** The framed JSON snapshot, when asked for and readable. */
  json: Uint8Array | null;
  /** Framed payloads in `perClient` order (null: not readable). */
  perClient?: Array<Uint8Array | null>;
  /** Framed payloads in `interest` order (shared ones are the same buffer; null: not readable). */
  interest?: Array<Uint8Array | null>;
  /** Each interest client's cell range this tick (4 int32s each), to be its next base range. */
  ranges?: Int32Array;
  /** Distinct payloads the interest path encoded (for the stats). */
  groups?: number;
  /** Time spent in this task, ms. */
  ms: number;
  /** The worker thread's CPU time and its 'encode' stage (cumulative, up to the previous task). */
  thread?: ThreadStats;
}

/**
 * The budget worker's task (budget-worker.ts): BUDGET_STRIDE int32s per budgeted client,
 * [key (its connection's), self, reset 0 / 1 (start over with a first snapshot), budget in
 * bytes per second, send rate in Hz]; `gone`: keys of closed connections to forget.
 */
export interface BudgetTask {
  tick: number;
  clients: Int32Array;
  gone: number[];
}

export const BUDGET_STRIDE = 5;

export interface BudgetResult {
  tick: number;
  /** Framed payloads in `clients` order (null: the tick was not readable). */
  frames: Array<Uint8Array | null>;
  ms: number;
  bytes: number;
  /** The worker thread's CPU time and its 'encode' stage (cumulative, up to the previous task). */
  thread?: ThreadStats;
}
