// Per-tick work shared across clients: each interest cell's rows are encoded once per tick
// (and, for deltas, once per (tick, base)) as pre-encoded parts (../protocol/snapshot/
// fragments.ts); a client's snapshot is then a small message of its own (what only its view
// needs: removals and additions at the edge of its view, cells too sparse to share) followed
// by the parts of its cells, spliced as they are. Thread-agnostic: it reads the snapshot ring
// in place and returns framed bytes; whoever owns the sockets writes them.
//
//   const frags = new SnapshotFragments(codec, interest, capacity)      once per thread
//   const t = frags.begin(ring, tick)                                    once per tick
//   for each interest client:  t.frameFor(self, base, baseRange, rangeOut)
//   for each budgeted client:  t.budgetFrameFor(budgetClient, self, hz)
//   if (!t.end()) drop every frame of the tick; else drop those of a base t.intact(base) denies
//
// What each client is sent (which parts, what its own message carries) is decided by
// ./view-selection.ts; the decoder applies the own message first, then the parts in order,
// so the result is exactly the per-client delta of ./view-encode.ts
// (test/net/tick-fragments.test.ts checks it). Budgeted clients (./budget.ts) get their
// removals and own entity in their own message, and a set part (full rows, held or not) per
// refreshed cell, encoded once per tick.

import type { StateBlock } from '../../engine/layout.js';
import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import { encodeMsgpackFrame } from '../protocol/msgpack-frame.js';
import { BudgetFrameWriter } from '../protocol/snapshot/budget-frame.js';
import type { SnapshotCodec } from '../protocol/snapshot/codec.js';
import { encodeListDelta, encodeListFull } from '../protocol/snapshot/encode-lists.js';
import { encodeChangePart, encodeRowsPart, frameWithParts, PartOp } from '../protocol/snapshot/fragments.js';
import { globalsChanged, globalsOf } from '../protocol/snapshot/source.js';
import type { SnapshotMessage, SnapshotSource } from '../protocol/snapshot/types.js';
import { changesPerCell, Scratch, type BudgetClient } from './budget.js';
import { CellRect, CellTransition, DEAD, rowsFor, TickCells } from './cell-index.js';
import { rangeKey, type InterestIndex } from './interest.js';
import { encodeViewMessage } from './view-encode.js';
import { Selection, type PartSource } from './view-selection.js';

export interface FragmentOptions {
  /** A cell with fewer entities than this at a tick is encoded per client (its part would cost more bytes than it saves work). */
  shareMin?: number;
}

/** TickCells kept for reuse as bases (a tick's cells are the base cells of later ticks). */
const CELL_CACHE = 8;

/** One thread's shared-fragment encoder (one codec, one interest index). */
export class SnapshotFragments {
  readonly shareMin: number;
  /** @internal */ readonly cells: number;
  /** @internal */ readonly scratch: Scratch;
  private readonly cellCache: TickCells[] = [];
  private readonly tickState: FragmentTick;

  constructor(
    readonly codec: SnapshotCodec,
    readonly interest: InterestIndex,
    readonly capacity: number,
    options: FragmentOptions = {},
  ) {
    const shareMin = options.shareMin ?? 8;
    if (!Number.isInteger(shareMin) || shareMin < 1) throw new RangeError('SnapshotFragments: options.shareMin must be an integer >= 1');
    this.shareMin = shareMin;
    this.cells = interest.cols * interest.rows;
    this.scratch = new Scratch(this.cells);
    this.tickState = new FragmentTick(this);
  }

  /**
   * Start encoding tick `tick` of `ring` (its slot is read in place under its seqlock until
   * `end`). Null when the tick is not readable. The returned object is reused by the next
   * begin: finish with one tick before starting the next.
   */
  begin(ring: SnapshotRing, tick: number): FragmentTick | null {
    const token = ring.beginRead(tick);
    if (token < 0) return null;
    this.tickState.start(ring, tick, token);
    return this.tickState;
  }

  /**
   * @internal The cells of a readable slot (rebuilt unless cached from the same write). Cells
   * used during the current tick (`epoch`) are never the ones rebuilt.
   */
  cellsOf(ring: SnapshotRing, tick: number, token: number, epoch: number): TickCells {
    let free: TickCells | undefined;
    for (const c of this.cellCache) {
      if (c.tick === tick && c.token === token) {
        c.epoch = epoch;
        return c;
      }
      if (c.epoch !== epoch && (!free || c.tick < free.tick)) free = c;
    }
    if (!free || this.cellCache.length < CELL_CACHE) this.cellCache.push((free = new TickCells(this.cells)));
    const block = ring.blockOf(tick);
    free.build(this.interest.gridOf(block, tick, ring.info(tick).maxEid), block.fields[this.codec.archIndex] as Uint8Array, tick, token);
    free.epoch = epoch;
    return free;
  }
}

/** A base slot used in a tick: its seqlock token (-1: not readable, -2: torn at the end), cells and transition. */
interface BaseSlot {
  token: number;
  tr: CellTransition | null;
  was: TickCells | null;
  block: StateBlock;
  maxEid: number;
}

/** One tick being encoded: lazily built cell parts, shared by every client of the tick. */
export class FragmentTick implements PartSource {
  tick = -1;
  private epoch = 0;
  private ring!: SnapshotRing;
  private token = -1;
  private block!: StateBlock;
  private src!: SnapshotSource;
  private now!: TickCells;
  private readonly ctx: SnapshotCodec;
  private readonly addParts: Array<Uint8Array | null | undefined>;
  private readonly setPart: Array<Uint8Array | null | undefined>;
  /** Bases used this tick. */
  private readonly bases = new Map<number, BaseSlot>();
  private readonly spareTransitions: CellTransition[] = [];
  private readonly frames = new Map<string, Uint8Array>();
  private readonly selection: Selection;
  private readonly parts: Uint8Array[] = [];
  /** Visibility scratch of the per-client fallback (sized by need). */
  private visNow = new Uint8Array(0);
  private visBase = new Uint8Array(0);
  private readonly budgetWriter: BudgetFrameWriter;
  private budget: { changed: Int32Array; globals: number[] } | null = null;
  private readonly changed: Int32Array;
  private readonly range = new Int32Array(4);
  /** @internal PartSource: the frame being built is for clients that take difference columns. */
  diffs = false;
  /** Scratch: a cell's kept entities that did not move (the change part of `diffs` frames). */
  private stayers = new Uint32Array(0);
  private readonly R: CellRect;
  private readonly Q: CellRect;

  constructor(private readonly f: SnapshotFragments) {
    this.ctx = f.codec;
    this.addParts = new Array<Uint8Array | null | undefined>(f.cells + 1);
    this.setPart = new Array<Uint8Array | null | undefined>(f.cells + 1);
    this.selection = new Selection();
    this.budgetWriter = new BudgetFrameWriter(f.codec);
    this.changed = new Int32Array(f.cells);
    this.R = new CellRect(f.interest.cols, f.cells);
    this.Q = new CellRect(f.interest.cols, f.cells);
  }

  /** @internal */
  start(ring: SnapshotRing, tick: number, token: number): void {
    this.f.interest.release(); // grids of an earlier tick that did not end
    this.ring = ring;
    this.tick = tick;
    this.token = token;
    this.block = ring.blockOf(tick);
    this.src = { block: this.block, maxEid: ring.info(tick).maxEid };
    this.addParts.fill(undefined);
    this.setPart.fill(undefined);
    for (const b of this.bases.values()) if (b.tr) this.spareTransitions.push(b.tr);
    this.bases.clear();
    this.frames.clear();
    this.budget = null;
    this.epoch++;
    this.now = this.f.cellsOf(ring, tick, token, this.epoch);
  }

  /**
   * Finish the tick: true when its slot stayed intact (else every frame of it must be
   * dropped). Frames made from a base whose slot was torn meanwhile: see `intact`.
   */
  end(): boolean {
    this.f.interest.release();
    for (const [base, b] of this.bases) if (b.token >= 0 && !this.ring.endRead(base, b.token)) b.token = -2;
    return this.ring.endRead(this.tick, this.token);
  }

  /** After `end`: whether frames made against `base` may be sent (its slot was not torn). */
  intact(base: number): boolean {
    return this.bases.get(base)?.token !== -2;
  }

  /** The cell range player `self` sees now, into `out` (x0, y0, x1, y1). */
  rangeOf(self: number, out: Int32Array): void {
    this.f.interest.rangeOf(this.block, this.tick, this.src.maxEid, self, out);
  }

  /**
   * The framed snapshot of an interest client: its entity `self`, its acked `base` tick (-1:
   * none) and the cell range it was sent at that base (`baseRange`, x0 < 0: unknown, then a
   * full snapshot). Writes its cell range now to `rangeOut` (its next base range). Clients
   * seeing the same cells from the same base get the same buffer. Null when a slot was torn.
   * `diffs`: the client takes difference columns (its delta and change parts may carry them).
   */
  frameFor(self: number, base: number, baseRange: ArrayLike<number>, rangeOut: Int32Array, diffs = false): Uint8Array | null {
    this.rangeOf(self, rangeOut);
    const b = base >= 0 && base < this.tick && this.tick - base < this.ring.slots && baseRange[0]! >= 0 ? this.baseOf(base) : null;
    const tr = b?.tr ?? null;
    const R = this.R.set(rangeOut);
    const Q = this.Q.set(baseRange);
    // the own entity outside its own view (a camera that does not follow it): encoded alone
    if (outside(this.now.cell(self), R) || (tr && outside(b!.was!.cell(self), Q))) {
      const rows = Math.max(this.src.maxEid, b?.maxEid ?? 0) + 1;
      if (this.visNow.length < rows) {
        this.visNow = new Uint8Array(rowsFor(rows));
        this.visBase = new Uint8Array(rowsFor(rows));
      }
      const msg = encodeViewMessage(this.ctx, this.ring, this.f.interest, this.tick, rangeOut, base, baseRange, self, this.visNow, this.visBase, diffs);
      return msg ? encodeMsgpackFrame(this.ctx.pack(msg)) : null;
    }
    const key = tr ? `${rangeKey(rangeOut)}:${base}:${rangeKey(baseRange)}${diffs ? ':d' : ''}` : `${rangeKey(rangeOut)}`;
    let frame = this.frames.get(key);
    if (!frame) {
      this.diffs = diffs;
      frame = tr ? this.deltaFrame(tr, b!.was!, b!, R, Q) : this.fullFrame(R);
      this.frames.set(key, frame);
    }
    return frame;
  }

  private baseOf(base: number): BaseSlot {
    let b = this.bases.get(base);
    if (b) return b;
    const token = this.ring.beginRead(base);
    b = { token, tr: null, was: null, block: this.ring.blockOf(base), maxEid: 0 };
    if (token >= 0) {
      b.maxEid = this.ring.info(base).maxEid;
      b.was = this.f.cellsOf(this.ring, base, token, this.epoch);
      b.tr = this.spareTransitions.pop() ?? new CellTransition(this.f.cells);
      b.tr.build(this.ctx, this.now, this.block, b.was, b.block);
    }
    this.bases.set(base, b);
    return b;
  }

  /** @internal PartSource: cell c is big enough to be a part of its own. */
  shared(c: number): boolean {
    return this.now.count(c) >= this.f.shareMin;
  }

  /** @internal PartSource: every entity of cell c now, as an add part (per tick). */
  addPart(c: number): Uint8Array | null {
    let p = this.addParts[c];
    if (p === undefined) {
      const list = this.now.list(c);
      p = this.addParts[c] = encodeRowsPart(this.ctx, PartOp.ADD, this.src, list, list.length);
    }
    return p;
  }

  /** @internal PartSource: cell c's kept entities that changed since the base (per tick and base). */
  changePart(tr: CellTransition, c: number): Uint8Array | null {
    const cache = this.diffs ? tr.changePartDiffs : tr.changePart;
    let p = cache[c];
    if (p === undefined) {
      const b = this.bases.get(tr.base)!;
      let kept = tr.kept.list(c);
      if (this.diffs) {
        // movers into c go in each client's own lists (see PartSource.diffs)
        if (this.stayers.length < kept.length) this.stayers = new Uint32Array(rowsFor(kept.length));
        let n = 0;
        for (let i = 0; i < kept.length; i++) if (b.was!.cellOf[kept[i]!] === c) this.stayers[n++] = kept[i]!;
        kept = this.stayers.subarray(0, n);
      }
      p = cache[c] = encodeChangePart(this.ctx, this.src, b, kept, kept.length, tr.same, this.diffs);
    }
    return p;
  }

  /** @internal PartSource: cell c's fresh entities, as an add part (per tick and base). */
  freshPart(tr: CellTransition, c: number): Uint8Array | null {
    let p = tr.freshPart[c];
    if (p === undefined) {
      const fresh = tr.fresh.list(c);
      p = tr.freshPart[c] = encodeRowsPart(this.ctx, PartOp.ADD, this.src, fresh, fresh.length);
    }
    return p;
  }

  private fullFrame(R: CellRect): Uint8Array {
    const sel = this.selection;
    sel.full(this.now, R, this);
    sel.sort();
    return frameWithParts(this.ctx, encodeListFull(this.ctx, this.src, this.tick, sel.add, sel.nAdd), sel.parts, sel.nParts);
  }

  private deltaFrame(tr: CellTransition, was: TickCells, b: BaseSlot, R: CellRect, Q: CellRect): Uint8Array {
    const sel = this.selection;
    sel.delta(tr, this.now, was, R, Q, this);
    const gChanged = globalsChanged(this.ctx, this.block, b.block);
    let own: SnapshotMessage;
    if (sel.nRm + sel.nKeep + sel.nAdd === 0) {
      own = { type: 'snapshot', tick: this.tick, base: tr.base };
      if (gChanged) own.g = globalsOf(this.ctx, this.block);
    } else own = encodeListDelta(this.ctx, this.src, this.tick, b, tr.base, sel.sort(), gChanged, this.diffs);
    return frameWithParts(this.ctx, own, sel.parts, sel.nParts);
  }

  // ---- budgeted clients -------------------------------------------------------------------

  /**
   * The framed snapshot of a budgeted client (./budget.ts) of entity `self` at `hz`
   * snapshots a second: its plan, its removals and own entity in its own message, a set part
   * per refreshed cell (encoded once per tick for every client refreshing it). Commits the
   * snapshot to the client and charges its bucket. If `end` then says the tick was torn, the
   * client must be reset (it would otherwise believe it holds what it was not sent).
   */
  budgetFrameFor(client: BudgetClient, self: number, hz: number): Uint8Array {
    const ctx = this.ctx;
    const now = this.now;
    const bt = this.budgetTick();
    this.rangeOf(self, this.range);
    const plan = client.plan(ctx, this.tick, now, bt.changed, this.R.set(this.range), self, hz, this.f.scratch, bt.globals);
    let frame: Uint8Array;
    if (plan.first) frame = encodeMsgpackFrame(ctx.pack(client.refreshMessage(ctx, this.block, this.tick, now, plan, this.f.scratch)));
    else {
      const parts = this.parts;
      let k = 0;
      for (let i = 0; i <= plan.nCells; i++) {
        const c = i < plan.nCells ? plan.cells[i]! : now.always; // and the always cell, every time
        const p = this.setPartOf(c);
        if (p) parts[k++] = p;
      }
      frame = this.budgetWriter.frame(this.src, this.tick, client.lastTick, plan.rm, plan.nRm, plan.self, plan.self > 0 && client.isHeld(plan.self), plan.globals, parts, k);
      if (plan.self) client.hold(plan.self);
      for (let i = 0; i <= plan.nCells; i++) for (const e of now.list(i < plan.nCells ? plan.cells[i]! : now.always)) client.hold(e);
    }
    client.commit(this.tick);
    client.spent(frame.byteLength);
    return frame;
  }

  /** Every entity of cell c now as a set part (per tick); null when the cell is empty. */
  private setPartOf(c: number): Uint8Array | null {
    let p = this.setPart[c];
    if (p === undefined) {
      const list = this.now.list(c);
      p = this.setPart[c] = encodeRowsPart(this.ctx, PartOp.SET, this.src, list, list.length);
    }
    return p;
  }

  /** The tick's changes per cell and globals, shared by its budgeted clients. */
  private budgetTick(): { changed: Int32Array; globals: number[] } {
    if (this.budget) return this.budget;
    const { interest } = this.f;
    changesPerCell(this.ring, this.tick, this.now, interest.xIndex, interest.yIndex, this.changed);
    this.budget = { changed: this.changed, globals: globalsOf(this.ctx, this.block) };
    return this.budget;
  }
}

/** A live entity whose cell is not in range r (the always cell is in every range). */
function outside(c: number, r: CellRect): boolean {
  return c !== DEAD && !r.has(c);
}
