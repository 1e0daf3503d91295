// Snapshots to the welcomed clients of this network thread, once per published tick, encoded
// and written right here: no thread hop, no copy. Each distinct payload is built once:
//
//   plain             one per base tick the clients acknowledged (+ one JSON for JSON clients)
//   interest          one per (cells now, base, cells at the base)          (./interest.ts)
//   budgeted          per client, within its bytes per second              (./budget.ts)
//   exact visibility  per client (haunted)
//
// Each client is sent at its own rate (./send-rate.ts): 60, 30 or 20 snapshots a second,
// lowered while its socket backlog grows. Never a queue of stale frames: a client whose
// backlog is over its cap is skipped until it drains; it then gets a delta from its newest
// acknowledged tick, or a full snapshot when that tick has left the ring.

import type { AckedBases } from './acked-bases.js';
import type { BudgetClient } from './budget.js';
import { BudgetEncoder, type BudgetRequest } from './budget-encoder.js';
import type { Connection } from './connection.js';
import { DropReason, type DropCounter } from './drops.js';
import { SnapshotEncoder, type InterestRequest } from './encoder.js';
import { threadClock } from '../../engine/thread-cpu.js';
import { NetCounter, type NetStats } from './net-stats.js';
import type { SendRate } from './send-rate.js';
import type { SimLink } from './sim-link.js';

/** What is kept per welcomed client connection for its snapshots. */
export interface SnapshotPeer {
  conn: Connection;
  /**
   * The base of its next delta: the newest tick it acked, or with implicit acks the last
   * tick written to it; -1 = none (send a full snapshot).
   */
  ack: number;
  /**
   * Every snapshot written counts as received (the client asked, and its transport delivers
   * in order or not at all): no acks to read, and each delta is against the previous one.
   */
  implicitAcks: boolean;
  /** Its join asked for difference columns (msgpack): its deltas may carry them. */
  diffs: boolean;
  /** Its join asked for predicted columns too: the older acks it holds, for a delta's base2. */
  bases?: AckedBases | undefined;
  /** Force a full snapshot next (after welcome, reconnect, or an ack of -1). */
  needFull: boolean;
  /** Its snapshot rate. */
  rate: SendRate;
  /** The player's entity: whose camera (interest) and eyes (visibility) count. */
  self: number;
  /**
   * Interest path: the cell range each recently sent tick was encoded with, so that a delta
   * from an acked tick knows what the client was sent then. Slot tick % VIEW_SLOTS.
   */
  views?: { ticks: Int32Array; ranges: Int32Array };
  /** Budgeted path: its state in the budget encoder. */
  budget?: BudgetClient;
}

const VIEW_SLOTS = 32;

export class Snapshots {
  private readonly encoder: SnapshotEncoder;
  private readonly budgetEncoder: BudgetEncoder | null = null;
  /** Interest management is used (the game defines it and the host did not turn it off). */
  readonly interest: boolean;
  private readonly ranges: Int32Array[] = [];

  constructor(
    private readonly sim: SimLink,
    private readonly drops: DropCounter,
    private readonly stats: NetStats,
    interest: boolean,
    /** Bytes per second per msgpack client (0: no budget); needs interest management. */
    private readonly budget: number,
  ) {
    const game = sim.game;
    this.interest = interest && !!game.interest && !game.visibility;
    if (budget > 0 && !this.interest) throw new RangeError('a byte budget needs a game with interest management, and interest on');
    this.encoder = new SnapshotEncoder(game, sim.ring, sim.capacity);
    if (budget > 0) this.budgetEncoder = new BudgetEncoder(game, sim.ring, this.encoder.fragments!);
  }

  /** Send tick `tick` to every peer whose turn it is. */
  tick(tick: number, peers: Iterable<SnapshotPeer>): void {
    const t0 = performance.now();
    const due: SnapshotPeer[] = [];
    for (const p of peers) {
      if (p.conn.closed) continue;
      if (p.conn.behind) {
        p.rate.adapt(p.conn.backlog, t0); // keeps stepping down while the backlog lasts
        continue;
      }
      if (!p.rate.due(tick, p.conn.backlog, t0)) {
        this.stats.add(NetCounter.rateSkips);
        continue;
      }
      due.push(p);
    }
    if (!due.length) return;
    const clock = threadClock();
    clock.begin();
    this.stats.add(NetCounter.encodes);
    try {
      if (this.sim.game.visibility) this.perClient(tick, due);
      else if (this.budgetEncoder) {
        this.budgeted(tick, due.filter((p) => p.conn.mode !== 'json'));
        this.byInterest(tick, due.filter((p) => p.conn.mode === 'json'));
      } else if (this.interest) this.byInterest(tick, due);
      else this.byBase(tick, due);
    } catch (err) {
      // a bug in encoding must not take the thread down: everyone starts over with a full one
      for (const p of due) p.needFull = true;
      this.drops.count(DropReason.SNAPSHOT_ENCODE_FAILED, { tick, err: (err as Error).stack });
    }
    const t1 = performance.now();
    this.flush(tick);
    const t2 = performance.now();
    // this thread's 'encode' and 'write' stages (src/engine/thread-cpu.ts)
    clock.add('encode', t1 - t0, t1);
    clock.add('write', t2 - t1, t2);
    clock.end();
    this.stats.add(NetCounter.encodeMs, t1 - t0);
    this.stats.add(NetCounter.writeMs, t2 - t1);
  }

  /** Whether tick `tick` is due to any of `peers` (at their rates now): else it sends nothing. */
  anyDue(tick: number, peers: Iterable<SnapshotPeer>): boolean {
    for (const p of peers) if (!p.conn.closed && p.rate.sendsAt(tick)) return true;
    return false;
  }

  /**
   * The largest k such that every tick sent to any of `peers` is a multiple of k (the greatest
   * common divisor of their send intervals; 1 when there is nobody): the sim may run its ticks
   * k at a time (Ctl.GROUP).
   */
  group(peers: Iterable<SnapshotPeer>): number {
    let g = 0;
    for (const p of peers) {
      if (p.conn.closed) continue;
      let a = p.rate.every;
      // Euclid's gcd(g, a)
      while (g !== 0) {
        const r = a % g;
        a = g;
        g = r;
      }
      g = a;
      if (g === 1) return 1;
    }
    return g === 0 ? 1 : g;
  }

  /** The tick a delta for `p` can be made against, or -1 (a full snapshot). */
  private baseFor(p: SnapshotPeer, tick: number): number {
    if (p.conn.mode === 'json' || p.needFull || p.ack < 0 || p.ack >= tick) return -1;
    return tick - p.ack < this.sim.ring.slots ? p.ack : -1;
  }

  /** Everyone gets the whole world: one payload per base, one JSON snapshot for all JSON clients. */
  private byBase(tick: number, due: SnapshotPeer[]): void {
    // keyed by base, and by whether the client takes difference columns (the sign bit)
    const byBase = new Map<number, SnapshotPeer[]>();
    let json: Uint8Array | null | undefined;
    const slots = this.sim.ring.slots;
    const bases = this.bases;
    bases.length = 0;
    // the clients that keep several acked bases share one base and one base2 where they can
    // (commonBase): one payload a tick instead of two or three
    const common = commonBase(due);
    let common2 = -1;
    for (const p of due) {
      let base = p.conn.mode === 'json' ? -1 : this.baseFor(p, tick);
      if (base > common && common >= 0 && p.bases?.holds(common, tick, slots)) base = common;
      bases.push(base);
      if (base === common && p.bases?.explicit) {
        // the oldest any of them would take: the others hold it too, unless they missed that ack
        const b2 = p.bases.base2For(tick, base, slots);
        if (b2 >= 0 && (common2 < 0 || b2 < common2)) common2 = b2;
      }
    }
    for (let i = 0; i < due.length; i++) {
      const p = due[i]!;
      if (p.conn.mode === 'json') {
        json ??= this.encoder.json(tick);
        this.deliver(p, json, tick);
        continue;
      }
      const base = bases[i]!;
      let base2 = -1;
      if (base >= 0 && p.bases) {
        base2 = base === common && common2 >= 0 && p.bases.holds(common2, tick, slots) ? common2 : p.bases.base2For(tick, base, slots);
      }
      p.bases?.sent(base, base2);
      // by base, whether the client takes difference columns, and base2 (< 32 ticks older)
      const key = p.diffs && base >= 0 ? -2 - (base * 32 + (base2 >= 0 ? base - base2 : 0)) : base;
      let group = byBase.get(key);
      if (!group) byBase.set(key, (group = []));
      group.push(p);
    }
    this.stats.add(NetCounter.basePayloads, byBase.size);
    for (const [key, group] of byBase) {
      const v = -2 - key;
      const gap = v % 32;
      const base = Math.floor(v / 32);
      const frame = key < -1 ? this.encoder.msgpack(tick, base, true, gap > 0 ? base - gap : -1) : this.encoder.msgpack(tick, key);
      for (const p of group) this.deliver(p, frame, tick);
    }
  }

  /** Games with per-client visibility: every client its own payload. */
  private perClient(tick: number, due: SnapshotPeer[]): void {
    for (const p of due) {
      if (p.self <= 0) continue;
      this.deliver(p, this.encoder.forClient(tick, this.baseFor(p, tick), p.self, p.conn.mode === 'json', p.diffs), tick);
    }
  }

  /**
   * Interest: one payload per (cells now, base, cells at the base); the cells each client was
   * sent are kept (per tick, 32 back) as the base range of its next delta.
   */
  private byInterest(tick: number, due: SnapshotPeer[]): void {
    if (!due.length) return;
    const reqs: InterestRequest[] = due.map((p) => {
      let base = this.baseFor(p, tick);
      const v = p.views;
      const known = base >= 0 && v !== undefined && v.ticks[base % VIEW_SLOTS] === base;
      if (!known) base = -1;
      const s = (base % VIEW_SLOTS) * 4;
      return { self: p.self, base, baseRange: known ? v.ranges.subarray(s, s + 4) : UNKNOWN_RANGE, json: p.conn.mode === 'json', diffs: p.diffs };
    });
    const ranges = this.rangesFor(due.length);
    const r = this.encoder.interestFrames(tick, reqs, ranges);
    this.stats.add(NetCounter.interestPayloads, r.groups);
    due.forEach((p, i) => {
      const frame = r.frames[i] ?? null;
      if (frame) {
        const v = (p.views ??= { ticks: new Int32Array(VIEW_SLOTS).fill(-1), ranges: new Int32Array(VIEW_SLOTS * 4) });
        v.ticks[tick % VIEW_SLOTS] = tick;
        v.ranges.set(ranges.subarray(i * 4, i * 4 + 4), (tick % VIEW_SLOTS) * 4);
      }
      this.deliver(p, frame, tick);
    });
  }

  private rangesFor(n: number): Int32Array {
    const k = Math.ceil(Math.log2(Math.max(1, n)));
    return (this.ranges[k] ??= new Int32Array(4 << k));
  }

  /** Budgeted clients: each a delta from the previous snapshot it was sent. */
  private budgeted(tick: number, due: SnapshotPeer[]): void {
    if (!due.length) return;
    const enc = this.budgetEncoder!;
    const reqs: BudgetRequest[] = due.map((p) => {
      const fresh = p.budget === undefined;
      p.budget ??= enc.client(this.budget);
      return { state: p.budget, self: p.self, reset: fresh || p.needFull, hz: p.rate.hz };
    });
    const r = enc.frames(tick, reqs);
    due.forEach((p, i) => {
      const frame = r.frames[i] ?? null;
      if (!frame) p.needFull = true; // started over: the next one is a first snapshot
      else {
        this.stats.add(NetCounter.budgetFrames);
        this.stats.add(NetCounter.budgetBytes, frame.byteLength);
      }
      this.deliver(p, frame, tick);
    });
  }

  /** byBase's scratch: each due client's base. */
  private readonly bases: number[] = [];

  /** Writes of this tick, done together after the encoding (so each stage is timed once per tick). */
  private readonly outPeers: SnapshotPeer[] = [];
  private readonly outFrames: Uint8Array[] = [];

  private deliver(p: SnapshotPeer, frame: Uint8Array | null, tick: number): void {
    if (!frame) return void this.drops.count(DropReason.SNAPSHOT_UNREADABLE, { tick });
    this.outPeers.push(p);
    this.outFrames.push(frame);
  }

  /** Write the tick's frames; returns the bytes written. */
  private flush(tick: number): number {
    const peers = this.outPeers;
    const frames = this.outFrames;
    let bytes = 0;
    let n = 0;
    for (let i = 0; i < peers.length; i++) {
      const p = peers[i]!;
      if (p.conn.closed) continue;
      p.conn.write(frames[i]!);
      p.needFull = false;
      if (p.implicitAcks) {
        p.ack = tick;
        p.bases?.acked(tick);
      }
      bytes += frames[i]!.byteLength;
      n++;
    }
    peers.length = 0;
    frames.length = 0;
    this.stats.add(NetCounter.framesOut, n);
    this.stats.add(NetCounter.bytesOut, bytes);
    return bytes;
  }
}

const UNKNOWN_RANGE = Int32Array.of(-1, -1, -1, -1);

/** Clients whose newest ack is at most this far behind the newest of all share a base (commonBase). */
const COMMON_SPAN = 3;

/**
 * One base for the clients that keep several acked bases (predicted columns, explicit acks:
 * AckedBases): the oldest of their newest acks within COMMON_SPAN of the newest, or -1.
 * Clients ack the same ticks (one a window), but the host reads each ack when its client's
 * next input comes, so at any tick some have the newest window's ack read and some the one
 * before's: two or three payloads a tick where one does. A base one window older costs a
 * predicted delta a few bytes (the guess spans more ticks), far less than another encode.
 */
export function commonBase(due: readonly Pick<SnapshotPeer, 'bases' | 'ack'>[]): number {
  let newest = -1;
  for (const p of due) if (p.bases?.explicit && p.ack > newest) newest = p.ack;
  let common = newest;
  for (const p of due) if (p.bases?.explicit && p.ack >= newest - COMMON_SPAN && p.ack < common) common = p.ack;
  return common;
}
