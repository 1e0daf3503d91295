// A per-client byte budget with a priority accumulator, for large worlds where even the
// entities in view change faster than a client's share of the network can carry (10,000
// drifting drones, 1,000 clients, 30 KB/s each: ~500 bytes per snapshot for thousands of
// moving entities in view).
//
// The unit of priority is a grid cell of the game's interest grid (./interest.ts). Every
// snapshot, each cell in the client's view gains
//
//     priority += (1 + entities in the cell that changed since the previous tick)
//                 / (1 + distance in cells from the client's own cell)
//
// so near and busy cells rise fastest. The snapshot then refreshes the highest cells (every
// entity in them, all fields) while the client's byte bucket (refilled at the budget rate)
// allows, at least the highest one when the bucket is positive, and resets their priority to
// 0. A cell that is passed over keeps accumulating, so it is refreshed eventually: nothing
// starves. The own entity and the game's `always` entities are refreshed in every snapshot.
//
// The host knows exactly what each budgeted client holds (TCP delivers every frame, in order),
// so each snapshot is a delta against the previous one sent, not against an ack: `held` is
// that set, one bit per entity id. A held entity that died or left the view is removed by a
// sweep that visits 1/SWEEP_PARTS of the set per snapshot (so within SWEEP_PARTS snapshots).
// Until their cell is refreshed, held entities show their last sent values: that staleness
// is the price of the budget, spent where it matters least.
//
// Memory per client: capacity / 8 bytes (held) + 4 bytes per grid cell + a few numbers.

import type { StateBlock } from '../../engine/layout.js';
import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import type { SnapshotCodec } from '../protocol/snapshot/codec.js';
import { encodeFull } from '../protocol/snapshot/encode-full.js';
import { encodeRefresh } from '../protocol/snapshot/encode-refresh.js';
import type { SnapshotMessage } from '../protocol/snapshot/types.js';
import { DEAD, type CellRect, type TickCells } from './cell-index.js';

/** The removal sweep covers the held set in this many snapshots. */
export const SWEEP_PARTS = 16;
/** The bucket holds at most this many seconds of budget (a burst after a quiet spell). */
const BUCKET_SECONDS = 0.25;
/**
 * Snapshots are planned within this share of the budget. The budget is a ceiling on what the
 * client receives, and a client measuring it over a few seconds sees the rest too: the
 * messages that are not snapshots (pongs, peers, roster) and the jitter of tick timing (a
 * window of 600 ticks' time holds 599 to 601). Planned at the whole budget, 10 s windows of
 * the load bench measured 30,694 to 30,749 B/s for 30,720.
 */
export const SNAPSHOT_SHARE = 0.99;

export class BudgetClient {
  /** Entities the client holds: bit e of word e >> 5. */
  readonly held: Uint32Array;
  readonly pri: Float32Array;
  bucket = 0;
  /** Tick of the last snapshot sent (the base of the next), -1: none yet. */
  lastTick = -1;
  private sweep = 0;
  private readonly lastG: number[] = [];

  constructor(
    capacity: number,
    cells: number,
    /** Bytes per second. */
    readonly budget: number,
  ) {
    this.held = new Uint32Array((capacity >> 5) + 1);
    this.pri = new Float32Array(cells);
  }

  reset(): void {
    this.held.fill(0);
    this.pri.fill(0);
    this.lastTick = -1;
    this.sweep = 0;
    this.lastG.length = 0;
  }

  isHeld(e: number): boolean {
    return (this.held[e >> 5]! & (1 << (e & 31))) !== 0;
  }

  /** Add budget for the ticks since the last snapshot (capped at BUCKET_SECONDS of it). */
  private refill(tick: number, hz: number): void {
    const dt = this.lastTick < 0 ? 1 / hz : (tick - this.lastTick) / 60;
    const rate = this.budget * SNAPSHOT_SHARE;
    this.bucket = Math.min(this.bucket + rate * dt, rate * BUCKET_SECONDS);
  }

  /** True when the globals differ from the ones last sent (and remembers them). */
  private globalsChanged(g: readonly number[]): boolean {
    let changed = g.length !== this.lastG.length;
    for (let i = 0; i < g.length && !changed; i++) changed = !Object.is(g[i], this.lastG[i]);
    if (changed) this.lastG.splice(0, this.lastG.length, ...g);
    return changed;
  }

  /**
   * What this client's snapshot of tick `tick` carries: its cells now `view` (the cell index
   * of the tick: `cells`), its entity `self`. `changed[c]` = entities of cell c that changed
   * since the previous tick; `globals` = the tick's networked globals. Updates the bucket,
   * the priorities and the removal sweep; an encoder then sends the plan (refreshMessage, or
   * the shared fragments of ./tick-fragments.ts), marks what it sent as held and calls
   * `commit`, then `spent`.
   */
  plan(
    ctx: SnapshotCodec,
    tick: number,
    cells: TickCells,
    changed: Int32Array,
    view: CellRect,
    self: number,
    hz: number,
    scratch: Scratch,
    globals: readonly number[],
  ): BudgetPlan {
    this.refill(tick, hz);
    const plan = scratch.plan;
    const always = cells.always;
    const selfCell = cells.cell(self);
    plan.self = selfCell !== DEAD ? self : 0;
    plan.nCells = 0;
    plan.nRm = 0;
    plan.globals = this.globalsChanged(globals);
    plan.first = this.lastTick < 0;
    if (plan.first) {
      // a first (or reset) snapshot: only the own and always entities, cells follow by priority
      if (plan.self) this.hold(plan.self);
      for (const e of cells.list(always)) this.hold(e);
      return plan;
    }

    // removals: a slice of the held set, dead or out of view now (the own entity and the
    // always ones are in view wherever they are; one whose position is NaN stays held),
    // 32 at a time against the tick's in-view bitsets; ascending as the words are visited
    const rm = (plan.rm = scratch.ids(cells.maxEid + 1).rm);
    let nRm = 0;
    const held = this.held;
    const words = held.length;
    const per = Math.ceil(words / SWEEP_PARTS);
    const w0 = this.sweep;
    const w1 = Math.min(words, w0 + per);
    this.sweep = w1 >= words ? 0 : w1;
    const bits = cells.viewBits(view.cols);
    const { x0, y0, x1, y1 } = view;
    const selfWord = plan.self > 0 ? plan.self >> 5 : -1; // a dead own entity is removed like any
    const selfBit = 1 << (plan.self & 31);
    for (let w = w0; w < w1; w++) {
      const h = held[w]!;
      if (h === 0) continue;
      let out = h & ~bits.inView(w, x0, y0, x1, y1);
      if (w === selfWord) out &= ~selfBit;
      if (out === 0) continue;
      held[w] = h & ~out;
      while (out !== 0) {
        const low = out & -out;
        out ^= low;
        rm[nRm++] = (w << 5) | (31 - Math.clz32(low));
      }
    }
    plan.nRm = nRm;

    // priorities of the cells in view; the own cell is the centre of "near"
    const cols = view.cols;
    const inGrid = selfCell >= 0 && selfCell < always;
    const sx = inGrid ? selfCell % cols : (view.x0 + view.x1) >> 1;
    const sy = inGrid ? Math.floor(selfCell / cols) : (view.y0 + view.y1) >> 1;
    const order = scratch.cells;
    let nCells = 0;
    for (let y = view.y0; y <= view.y1; y++) {
      for (let x = view.x0; x <= view.x1; x++) {
        const c = y * cols + x;
        const d = Math.max(Math.abs(x - sx), Math.abs(y - sy));
        this.pri[c]! += (1 + changed[c]!) / (1 + d);
        order[nCells++] = c;
      }
    }
    const pri = this.pri;

    // refresh the top cells while the bucket allows (the first one whenever it is positive):
    // picked by repeated selection, since only one or two are taken per snapshot
    const rowBytes = ctx.rowWireBytes + 1;
    let room = this.bucket - 40 - rowBytes * (1 + cells.count(always)); // header, own and always rows
    const chosen = plan.cells;
    let taken = 0;
    let left = nCells;
    while (left > 0 && room > 0) {
      let best = 0;
      for (let i = 1; i < left; i++) if (pri[order[i]!]! > pri[order[best]!]!) best = i;
      const c = order[best]!;
      order[best] = order[--left]!; // taken out of the candidates
      const count = cells.count(c);
      if (count === 0) {
        pri[c] = 0;
        continue;
      }
      const cost = count * rowBytes;
      if (taken > 0 && cost > room) break;
      chosen[plan.nCells++] = c;
      taken += count;
      room -= cost;
      pri[c] = 0;
    }
    return plan;
  }

  /**
   * The plan as one message encoded for this client alone (the reference for the shared
   * fragments): a full snapshot of the own and always entities first, then deltas whose `ch`
   * are the refreshed entities it holds (every field) and `add` those it does not. Marks them
   * held; call `commit` after.
   */
  refreshMessage(ctx: SnapshotCodec, block: StateBlock, tick: number, cells: TickCells, plan: BudgetPlan, scratch: Scratch): SnapshotMessage {
    const src = { block, maxEid: cells.maxEid };
    const alwaysList = cells.list(cells.always);
    if (plan.first) {
      const vis = scratch.vis(cells.maxEid);
      if (plan.self) vis[plan.self] = 1;
      for (const e of alwaysList) vis[e] = 1;
      return encodeFull(ctx, src, tick, vis);
    }
    const { ch, add } = scratch.ids(cells.maxEid + 1);
    const list = scratch.list(cells.maxEid + 1);
    let n = 0;
    for (let i = 0; i < plan.nCells; i++) for (const e of cells.list(plan.cells[i]!)) list[n++] = e;
    if (plan.self) list[n++] = plan.self;
    for (const e of alwaysList) list[n++] = e;
    const sorted = list.subarray(0, n).sort();
    let nCh = 0;
    let nAdd = 0;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const e = sorted[i]!;
      if (e === prev) continue; // the own entity also in a refreshed cell
      prev = e;
      if (this.isHeld(e)) ch[nCh++] = e;
      else {
        add[nAdd++] = e;
        this.hold(e);
      }
    }
    return encodeRefresh(ctx, src, tick, this.lastTick, plan.rm, plan.nRm, ch, nCh, add, nAdd, plan.globals);
  }

  /** Mark entity e as held by the client (it was sent all its fields). */
  hold(e: number): void {
    this.held[e >> 5]! |= 1 << (e & 31);
  }

  /** The snapshot of `tick` was sent: it is the base of the next. */
  commit(tick: number): void {
    this.lastTick = tick;
  }

  /** Charge the bucket for a sent message. */
  spent(bytes: number): void {
    this.bucket -= bytes;
  }
}

/** What one budgeted snapshot carries (BudgetClient.plan); lives in the Scratch, reused. */
export interface BudgetPlan {
  /** A first snapshot: a full one of the own and always entities only. */
  first: boolean;
  /** Held entities to remove, ascending: rm[0..nRm). */
  rm: Uint32Array;
  nRm: number;
  /** Cells to refresh (every entity, every field): cells[0..nCells). */
  cells: Int32Array;
  nCells: number;
  /** The client's live entity (refreshed in every snapshot), 0 when it has none. */
  self: number;
  /** The networked globals changed since the last snapshot sent. */
  globals: boolean;
}

/** Scratch arrays shared by the clients of one worker (one encode at a time). */
export class Scratch {
  private _vis = new Uint8Array(0);
  private _ids = { rm: new Uint32Array(0), ch: new Uint32Array(0), add: new Uint32Array(0) };
  private _list = new Uint32Array(0);
  readonly cells: Int32Array;
  readonly plan: BudgetPlan;

  /** `cells`: the interest grid's cells (cols * rows). */
  constructor(cells: number) {
    this.cells = new Int32Array(cells);
    this.plan = { first: false, rm: new Uint32Array(0), nRm: 0, cells: new Int32Array(cells), nCells: 0, self: 0, globals: false };
  }

  vis(rows: number): Uint8Array {
    if (this._vis.length < rows + 1) this._vis = new Uint8Array(rows + 1);
    this._vis.fill(0, 0, rows + 1);
    return this._vis;
  }

  ids(n: number) {
    if (this._ids.rm.length < n) this._ids = { rm: new Uint32Array(n), ch: new Uint32Array(n), add: new Uint32Array(n) };
    return this._ids;
  }

  list(n: number): Uint32Array {
    if (this._list.length < n * 2) this._list = new Uint32Array(n * 2);
    return this._list;
  }
}

/**
 * Entities per grid cell of `cells` (tick `tick`) whose position (fields xIndex, yIndex)
 * changed since the previous tick's slot; every entity counts when that slot is unreadable.
 */
export function changesPerCell(ring: SnapshotRing, tick: number, cells: TickCells, xIndex: number, yIndex: number, out: Int32Array): void {
  const block = ring.blockOf(tick);
  const xs = block.fields[xIndex]!;
  const ys = block.fields[yIndex]!;
  const n = out.length;
  const pt = ring.beginRead(tick - 1);
  if (pt >= 0) {
    const prev = ring.blockOf(tick - 1);
    const px = prev.fields[xIndex]!;
    const py = prev.fields[yIndex]!;
    for (let c = 0; c < n; c++) {
      let k = 0;
      for (const e of cells.list(c)) if (xs[e] !== px[e] || ys[e] !== py[e]) k++;
      out[c] = k;
    }
    if (ring.endRead(tick - 1, pt)) return;
  }
  for (let c = 0; c < n; c++) out[c] = cells.count(c);
}
