// Snapshots to the connected (non-legacy) clients, once per published tick. The encode
// work goes to the piscina pool of network workers, grouped so that each distinct payload is
// built once: every JSON client gets the same full JSON snapshot; msgpack clients that
// acknowledged the same base tick share one delta.
//
// Games with interest management (GameDef.interest, ./interest.ts) group clients by the grid
// cells they see instead: one payload per (cells, base) shared by the clients of the group.
// Each client is sent at its own rate (./send-rate.ts): 60, 30 or 20 snapshots a second,
// lowered while its socket backlog grows.
//
// Never a queue of stale frames: while a tick is being encoded, newer ticks are not queued
// behind it (the next encode starts from the newest tick), and a client whose socket
// backlog is over its cap is skipped until it drains; it then gets a delta from its last
// acknowledged tick, or a full snapshot when that tick has left the ring.

import { Piscina } from 'piscina';
import { availableParallelism } from 'node:os';
import { threadClock, type ThreadStats } from '../../engine/thread-cpu.js';
import type { SimHost } from '../../workers/sim-host.js';
import {
  BUDGET_STRIDE,
  INTEREST_STRIDE,
  type BudgetResult,
  type BudgetTask,
  type EncodeResult,
  type EncodeTask,
  type EncodeWorkerData,
} from '../../workers/encode-messages.js';
import { workerFile } from '../../workers/worker-file.js';
import type { Connection } from './connection.js';
import type { DropCounter } from './drops.js';
import { SendRate } from './send-rate.js';

/** What the broadcaster keeps per client connection. */
export interface SnapshotPeer {
  conn: Connection;
  /** Newest tick the client says it has decoded; -1 = none (send a full snapshot). */
  ack: number;
  /** Force a full snapshot next (after welcome or reconnect). */
  needFull: boolean;
  sent: number;
  /** Its snapshot rate (absent: every tick). */
  rate?: SendRate;
  /**
   * Interest path: the cell range each recently sent tick was encoded with, so that a
   * delta from an acked tick knows what the client was sent then. Slot tick % 32.
   */
  views?: { ticks: Int32Array; ranges: Int16Array };
  /** Budgeted path: this connection's key in the budget worker (0: not known there yet). */
  budgetKey?: number;
}

export interface BroadcastStats {
  encodes: number;
  busySkips: number;
  framesOut: number;
  bytesOut: number;
  /** Time spent in the encode workers, ms (cumulative). */
  encodeMs: number;
  /** Time spent writing frames to sockets on the main thread, ms (cumulative). */
  writeMs: number;
  /** Interest path: distinct payloads encoded (cumulative); framesOut / this = sharing. */
  interestPayloads: number;
  /** Snapshots not sent because a client's rate skipped that tick (cumulative). */
  rateSkips: number;
  /** Budgeted snapshots sent and their bytes (cumulative). */
  budgetFrames: number;
  budgetBytes: number;
}

const VIEW_SLOTS = 32;
/** This (the connection) thread's clock: the writes are its 'write' stage. */
const clock = threadClock();

export class Broadcaster {
  private readonly pool: Piscina<EncodeTask, EncodeResult>;
  private readonly budgetPool: Piscina<BudgetTask, BudgetResult> | null = null;
  /** Encode tasks of the current tick still running (the next tick waits for none). */
  private running = 0;
  private get inFlight(): boolean {
    return this.running > 0;
  }
  private readonly budgetPeers = new Map<number, SnapshotPeer>();
  private readonly workerThreads = new Map<string, ThreadStats>();
  private nextBudgetKey = 1;
  readonly stats: BroadcastStats = {
    encodes: 0,
    busySkips: 0,
    framesOut: 0,
    bytesOut: 0,
    encodeMs: 0,
    writeMs: 0,
    interestPayloads: 0,
    rateSkips: 0,
    budgetFrames: 0,
    budgetBytes: 0,
  };
  /** Interest management is used (the game defines it and the host did not turn it off). */
  readonly interest: boolean;

  constructor(
    private readonly sim: SimHost,
    gameName: string,
    gameOptions: Record<string, unknown>,
    private readonly drops: DropCounter,
    threads = Math.max(1, Math.min(4, availableParallelism() - 1)),
    interest = true,
    /** Bytes per second per msgpack client (0: no budget); needs interest management. */
    private readonly budget = 0,
  ) {
    this.interest = interest && !!sim.game.interest && !sim.game.visibility;
    if (budget > 0 && !this.interest) throw new RangeError('a byte budget needs a game with interest management, and interest on');
    const data: EncodeWorkerData = { game: gameName, gameOptions, capacity: sim.capacity, ringBuffer: sim.ring.buffer };
    this.pool = new Piscina({
      filename: workerFile(import.meta.url.replace('/net/server/', '/workers/'), 'encode-worker'),
      workerData: data,
      minThreads: threads,
      maxThreads: threads,
    });
    if (budget > 0) {
      // one thread: every budgeted client's state lives there
      this.budgetPool = new Piscina({
        filename: workerFile(import.meta.url.replace('/net/server/', '/workers/'), 'budget-worker'),
        workerData: data,
        minThreads: 1,
        maxThreads: 1,
      });
    }
  }

  /** Send tick `tick` to every peer that can take it. */
  tick(tick: number, peers: Iterable<SnapshotPeer & { self?: number }>): void {
    if (this.inFlight) {
      this.stats.busySkips++;
      return;
    }
    const now = performance.now();
    const due: Array<SnapshotPeer & { self?: number }> = [];
    for (const p of peers) {
      if (p.conn.closed) continue;
      if (p.conn.behind) {
        p.rate?.adapt(p.conn.backlog, now); // keeps stepping down while the backlog lasts
        continue;
      }
      if (p.rate && !p.rate.due(tick, p.conn.backlog, now)) {
        this.stats.rateSkips++;
        continue;
      }
      due.push(p);
    }
    if (this.sim.game.visibility) return this.tickPerClient(tick, due);
    if (this.budgetPool) {
      const json = due.filter((p) => p.conn.mode === 'json');
      this.tickBudget(tick, due.filter((p) => p.conn.mode !== 'json'));
      return this.tickInterest(tick, json);
    }
    if (this.interest) return this.tickInterest(tick, due);
    const ringSlots = this.sim.ring.slots;
    const jsonPeers: SnapshotPeer[] = [];
    const byBase = new Map<number, SnapshotPeer[]>();
    for (const p of due) {
      if (p.conn.mode === 'json') {
        jsonPeers.push(p);
        continue;
      }
      const base = !p.needFull && p.ack >= 0 && tick - p.ack < ringSlots && p.ack < tick ? p.ack : -1;
      let group = byBase.get(base);
      if (!group) byBase.set(base, (group = []));
      group.push(p);
    }
    if (jsonPeers.length === 0 && byBase.size === 0) return;
    const bases = [...byBase.keys()];
    this.running++;
    this.stats.encodes++;
    this.pool
      .run({ tick, bases, json: jsonPeers.length > 0 })
      .then((r) => {
        this.encoded(r);
        const w0 = clock.start();
        bases.forEach((base, i) => {
          const frame = r.frames[i];
          if (!frame) return void this.drops.count('snapshot.unreadable', { tick, base });
          for (const p of byBase.get(base)!) this.deliver(p, frame, r.tick);
        });
        if (r.json) for (const p of jsonPeers) this.deliver(p, r.json, r.tick);
        this.stats.writeMs += clock.stop('write', w0);
      })
      .catch((err: Error) => this.drops.count('snapshot.encode_failed', { err: err.message }))
      .finally(() => this.running--);
  }

  /**
   * Games with per-client visibility: every client gets its own payload (what its player
   * may see), so nothing is shared between clients.
   */
  private tickPerClient(tick: number, peers: Iterable<SnapshotPeer & { self?: number }>): void {
    const ringSlots = this.sim.ring.slots;
    const list: Array<SnapshotPeer & { self?: number }> = [];
    for (const p of peers) if (!p.conn.closed && !p.conn.behind && (p.self ?? -1) > 0) list.push(p);
    if (!list.length) return;
    const perClient = list.map((p) => ({
      base: p.conn.mode === 'json' || p.needFull || p.ack < 0 || tick - p.ack >= ringSlots || p.ack >= tick ? -1 : p.ack,
      self: p.self!,
      json: p.conn.mode === 'json',
    }));
    this.running++;
    this.stats.encodes++;
    this.pool
      .run({ tick, bases: [], json: false, perClient })
      .then((r) => {
        this.encoded(r);
        const w0 = clock.start();
        r.perClient?.forEach((frame, i) => {
          if (frame) this.deliver(list[i]!, frame, r.tick);
          else this.drops.count('snapshot.unreadable', { tick });
        });
        this.stats.writeMs += clock.stop('write', w0);
      })
      .catch((err: Error) => this.drops.count('snapshot.encode_failed', { err: err.message }))
      .finally(() => this.running--);
  }

  /**
   * Games with interest management: the worker works out each client's cells and encodes one
   * payload per (cells now, base, cells at the base); the cells each client was sent are kept
   * (per tick, 32 back) as the base range of its next delta.
   */
  private tickInterest(tick: number, list: Array<SnapshotPeer & { self?: number }>): void {
    const ringSlots = this.sim.ring.slots;
    // (a client without a live entity sees the whole world, like a spectator: interest.ts)
    if (!list.length) return;
    const task = new Int32Array(list.length * INTEREST_STRIDE);
    list.forEach((p, i) => {
      const o = i * INTEREST_STRIDE;
      const json = p.conn.mode === 'json';
      let base = json || p.needFull || p.ack < 0 || tick - p.ack >= ringSlots || p.ack >= tick ? -1 : p.ack;
      task[o] = p.self ?? 0;
      task[o + 2] = -1;
      const v = p.views;
      if (base >= 0 && v && v.ticks[base % VIEW_SLOTS] === base) {
        const s = (base % VIEW_SLOTS) * 4;
        task[o + 2] = v.ranges[s]!;
        task[o + 3] = v.ranges[s + 1]!;
        task[o + 4] = v.ranges[s + 2]!;
        task[o + 5] = v.ranges[s + 3]!;
      } else base = -1;
      task[o + 1] = base;
      task[o + 6] = json ? 1 : 0;
    });
    this.running++;
    this.stats.encodes++;
    this.pool
      .run({ tick, bases: [], json: false, interest: task })
      .then((r) => {
        this.encoded(r);
        this.stats.interestPayloads += r.groups ?? 0;
        const w0 = clock.start();
        r.interest?.forEach((frame, i) => {
          const p = list[i]!;
          if (!frame) return void this.drops.count('snapshot.unreadable', { tick });
          const v = (p.views ??= { ticks: new Int32Array(VIEW_SLOTS).fill(-1), ranges: new Int16Array(VIEW_SLOTS * 4) });
          v.ticks[r.tick % VIEW_SLOTS] = r.tick;
          v.ranges.set(r.ranges!.subarray(i * 4, i * 4 + 4), (r.tick % VIEW_SLOTS) * 4);
          this.deliver(p, frame, r.tick);
        });
        this.stats.writeMs += clock.stop('write', w0);
      })
      .catch((err: Error) => this.drops.count('snapshot.encode_failed', { err: err.message }))
      .finally(() => this.running--);
  }

  /**
   * Budgeted clients (./budget.ts): one task for all of them on the budget worker, which
   * keeps what each holds; a failed or unreadable encode starts those clients over.
   */
  private tickBudget(tick: number, list: Array<SnapshotPeer & { self?: number }>): void {
    const gone: number[] = [];
    for (const [key, p] of this.budgetPeers) {
      if (p.conn.closed) {
        gone.push(key);
        this.budgetPeers.delete(key);
      }
    }
    if (!list.length && !gone.length) return;
    const hzOf = (p: SnapshotPeer) => p.rate?.hz ?? 60;
    const task = new Int32Array(list.length * BUDGET_STRIDE);
    list.forEach((p, i) => {
      const o = i * BUDGET_STRIDE;
      let reset = p.needFull ? 1 : 0;
      if (!p.budgetKey) {
        p.budgetKey = this.nextBudgetKey++;
        this.budgetPeers.set(p.budgetKey, p);
        reset = 1;
      }
      task[o] = p.budgetKey;
      task[o + 1] = p.self ?? 0;
      task[o + 2] = reset;
      task[o + 3] = this.budget;
      task[o + 4] = hzOf(p);
    });
    this.running++;
    this.stats.encodes++;
    this.budgetPool!.run({ tick, clients: task, gone })
      .then((r) => {
        this.encoded(r);
        const w0 = clock.start();
        r.frames.forEach((frame, i) => {
          const p = list[i]!;
          if (!frame) {
            p.needFull = true; // the worker started it over: the next one is a first snapshot
            return void this.drops.count('snapshot.unreadable', { tick });
          }
          if (p.conn.closed) return;
          this.stats.budgetFrames++;
          this.stats.budgetBytes += frame.byteLength;
          this.deliver(p, frame, r.tick);
        });
        this.stats.writeMs += clock.stop('write', w0);
      })
      .catch((err: Error) => {
        for (const p of list) p.needFull = true;
        this.drops.count('snapshot.encode_failed', { err: err.message });
      })
      .finally(() => this.running--);
  }

  /** A task's time, and its worker thread's figures (the newest of each thread is kept). */
  private encoded(r: { ms: number; thread?: ThreadStats }): void {
    this.stats.encodeMs += r.ms;
    if (r.thread) this.workerThreads.set(r.thread.name, r.thread);
  }

  /** The encode and budget workers' CPU and stages, as of their latest task. */
  threads(): ThreadStats[] {
    return [...this.workerThreads.values()];
  }

  private deliver(p: SnapshotPeer, frame: Uint8Array, tick: number): void {
    if (p.conn.closed) return;
    p.conn.write(frame);
    p.needFull = false;
    p.sent = tick;
    this.stats.framesOut++;
    this.stats.bytesOut += frame.byteLength;
  }

  async close(): Promise<void> {
    await this.budgetPool?.destroy();
    await this.pool.destroy();
  }
}
