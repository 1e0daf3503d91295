// The interest cells of a tick, and how entities moved between the cells of two ticks: the
// index the shared fragments (./tick-fragments.ts) are cut along. Plain typed arrays, built
// in O(entities) once per tick (TickCells) and once per (tick, base) (CellTransition).
//
//   TickCells of tick T            cellOf[e]: the cell of e at T (ALWAYS for entities of the
//                                  game's always archetypes, NOWHERE for a live entity in no
//                                  cell, DEAD for a free row); the ids of each cell ascending:
//   start: [0, 3, 3, 7, ..]        cell c is items[start[c] .. start[c + 1])
//   items: [e2, e9, e40, e5, ..]   (ALWAYS is the cell after the last grid cell)
//
//   CellTransition (T, B)          per cell c of T:  kept  = in c at T, the same entity
//                                                            (row and generation) live at B
//                                                    fresh = in c at T, not live at B (new,
//                                                            or its row respawned)
//                                  per cell c of B:  gone  = in c at B, not the same entity at T
//                                  movers: the kept entities whose cell changed, by their
//                                          cell at T (moversIn) and at B (moversOut)
//
// The cells come from the interest grid itself (InterestIndex.gridOf), so an entity is in a
// cell here exactly when InterestIndex.visible would show it to a client seeing that cell.

import type { StateBlock } from '../../engine/layout.js';
import type { SnapshotCodec } from '../protocol/snapshot/codec.js';
import { sameRows } from '../protocol/snapshot/source.js';
import type { TickGrid } from './interest.js';
import { ViewBits } from './view-bits.js';

/** Smallest row count of the arrays here: they grow (powers of two) to what a tick needs, never to the capacity. */
const MIN_ROWS = 64;
/** Rows for n items: the next power of two (at least MIN_ROWS). */
export function rowsFor(n: number): number {
  let r = MIN_ROWS;
  while (r < n) r *= 2;
  return r;
}

/** cellOf of a free row. */
export const DEAD = -1;
/** cellOf of a live entity whose position lies in no cell (NaN). */
export const NOWHERE = -2;

/** Entities of one tick by cell. */
export class TickCells {
  tick = -1;
  /** The seqlock token of the slot this was built from (a rewritten slot is rebuilt). */
  token = -1;
  maxEid = 0;
  /** The tick of the user that last used it (kept from reuse meanwhile). */
  epoch = -1;
  /** Sized by need: rows 0..maxEid are valid. */
  cellOf = new Int32Array(MIN_ROWS);
  /** The ids of each cell, ascending. */
  readonly byCell: Buckets;
  /** The always cell: every client sees it. */
  readonly always: number;
  private readonly bits = new ViewBits();
  private bitsFresh = false;

  constructor(
    /** Grid cells (cols * rows). */
    readonly cells: number,
  ) {
    this.byCell = new Buckets(cells + 1, false);
    this.always = cells;
  }

  /** Rebuild from a tick's interest grid (`arch`: the block's Entity.archetype). */
  build(grid: TickGrid, arch: Uint8Array, tick: number, token: number): void {
    const hi = grid.maxEid;
    if (this.cellOf.length <= hi) this.cellOf = new Int32Array(rowsFor(hi + 1));
    const { cellOf, byCell } = this;
    this.tick = tick;
    this.token = token;
    this.maxEid = hi;
    this.bitsFresh = false;
    for (let e = 0; e <= hi; e++) cellOf[e] = e > 0 && arch[e] !== 0 ? NOWHERE : DEAD;
    const g = grid.grid;
    for (let c = 0; c < this.cells; c++) for (let i = g.cellStart[c]!; i < g.cellStart[c + 1]!; i++) cellOf[g.items[i]!] = c;
    for (const e of grid.always) cellOf[e] = this.always;
    byCell.clear();
    for (let e = 1; e <= hi; e++) if (cellOf[e]! >= 0) byCell.count(cellOf[e]!);
    byCell.prefix();
    for (let e = 1; e <= hi; e++) if (cellOf[e]! >= 0) byCell.put(cellOf[e]!, e);
  }

  /** Entities in cell c. */
  count(c: number): number {
    return this.byCell.start[c + 1]! - this.byCell.start[c]!;
  }

  /** The ids of cell c (a view; ascending). */
  list(c: number): Uint32Array {
    return this.byCell.list(c);
  }

  /** The tick's entities as in-view bitsets for a grid of `cols` columns (built on first use). */
  viewBits(cols: number): ViewBits {
    if (!this.bitsFresh || this.bits.cols !== cols) {
      this.bits.build(this.cellOf, this.maxEid, this.always, cols);
      this.bitsFresh = true;
    }
    return this.bits;
  }

  /** The cell of entity e at this tick (DEAD past maxEid). */
  cell(e: number): number {
    return e > 0 && e <= this.maxEid ? this.cellOf[e]! : DEAD;
  }
}

/**
 * Ids grouped by cell (a counting sort): bucket c is items[start[c] .. start[c + 1]), ids
 * ascending when put in ascending order; `tag` optionally holds a number per item.
 */
export class Buckets {
  readonly start: Int32Array;
  /** Sized by need (grown by `prefix`). */
  items = new Uint32Array(MIN_ROWS);
  tag: Int32Array;
  private readonly cursor: Int32Array;

  constructor(
    buckets: number,
    private readonly tagged: boolean,
  ) {
    this.start = new Int32Array(buckets + 1);
    this.cursor = new Int32Array(buckets);
    this.tag = new Int32Array(tagged ? MIN_ROWS : 0);
  }

  /** Start counting. */
  clear(): void {
    this.start.fill(0);
  }

  /** Count one item for bucket b (first pass). */
  count(b: number): void {
    this.start[b + 1]!++;
  }

  /** Between the passes. */
  prefix(): void {
    const s = this.start;
    for (let b = 1; b < s.length; b++) s[b]! += s[b - 1]!;
    this.cursor.set(s.subarray(0, this.cursor.length));
    const total = s[s.length - 1]!;
    if (this.items.length < total) {
      this.items = new Uint32Array(rowsFor(total));
      if (this.tagged) this.tag = new Int32Array(this.items.length);
    }
  }

  /** Put one item into bucket b (second pass). */
  put(b: number, e: number, tag = 0): void {
    const i = this.cursor[b]!++;
    this.items[i] = e;
    if (this.tagged) this.tag[i] = tag;
  }

  /** Bucket b's ids (a view). */
  list(b: number): Uint32Array {
    return this.items.subarray(this.start[b]!, this.start[b + 1]!);
  }
}

/** How the entities of tick `now` relate to those of base tick `was`, cell by cell. */
export class CellTransition {
  base = -1;
  /** By cell now: the same entity live at the base (stayers and movers in). */
  readonly kept: Buckets;
  /** By cell now: not live at the base (new, or a respawned row). */
  readonly fresh: Buckets;
  /** By cell at the base: not the same entity now (dead, or its row respawned). */
  readonly gone: Buckets;
  /** Kept entities whose cell changed, by cell now (tag: cell at the base). */
  readonly moversIn: Buckets;
  /** The same movers by cell at the base (tag: cell now). */
  readonly moversOut: Buckets;
  /** Per networked field: byte-identical rows in both blocks (nothing of it changed). */
  readonly same: boolean[] = [];
  /** Per cell: its change part (undefined: not encoded yet; null: nothing changed). */
  readonly changePart: Array<Uint8Array | null | undefined>;
  /** The same, with difference columns (for clients whose join asked for them). */
  readonly changePartDiffs: Array<Uint8Array | null | undefined>;
  /** Per cell: the add part of its fresh entities (same convention). */
  readonly freshPart: Array<Uint8Array | null | undefined>;

  constructor(cells: number) {
    const n = cells + 1; // and the always cell
    this.kept = new Buckets(n, false);
    this.fresh = new Buckets(n, false);
    this.gone = new Buckets(n, false);
    this.moversIn = new Buckets(n, true);
    this.moversOut = new Buckets(n, true);
    this.changePart = new Array<Uint8Array | null | undefined>(n);
    this.changePartDiffs = new Array<Uint8Array | null | undefined>(n);
    this.freshPart = new Array<Uint8Array | null | undefined>(n);
  }

  /** Rebuild for (now, was); the blocks are the ring slots both were built from. */
  build(ctx: SnapshotCodec, now: TickCells, nowBlock: StateBlock, was: TickCells, wasBlock: StateBlock): void {
    this.base = was.tick;
    this.changePart.fill(undefined);
    this.changePartDiffs.fill(undefined);
    this.freshPart.fill(undefined);
    const genN = nowBlock.fields[ctx.genIndex] as Uint16Array;
    const genB = wasBlock.fields[ctx.genIndex] as Uint16Array;
    const { kept, fresh, gone, moversIn, moversOut } = this;
    const all = [kept, fresh, gone, moversIn, moversOut];
    for (const b of all) b.clear();
    const hi = Math.max(now.maxEid, was.maxEid);
    for (let pass = 0; pass < 2; pass++) {
      const put = pass === 1;
      for (let e = 1; e <= hi; e++) {
        const cT = now.cell(e);
        const cB = was.cell(e);
        if (cT !== DEAD && cB !== DEAD && genN[e] === genB[e]) {
          if (cT >= 0) put ? kept.put(cT, e) : kept.count(cT);
          if (cT !== cB) {
            if (cT >= 0) put ? moversIn.put(cT, e, cB) : moversIn.count(cT);
            if (cB >= 0) put ? moversOut.put(cB, e, cT) : moversOut.count(cB);
          }
        } else {
          if (cT >= 0) put ? fresh.put(cT, e) : fresh.count(cT);
          if (cB >= 0) put ? gone.put(cB, e) : gone.count(cB);
        }
      }
      if (!put) for (const b of all) b.prefix();
    }
    this.same.length = 0;
    const rows = Math.min(now.maxEid, was.maxEid);
    for (let f = 0; f < ctx.fields.length; f++) this.same.push(sameRows(ctx, nowBlock, wasBlock, f, rows));
  }
}

/** A client's cell range (inclusive) plus the always cell: O(1) membership, no allocation. */
export class CellRect {
  x0 = 0;
  y0 = 0;
  x1 = -1;
  y1 = -1;
  private readonly colOf: Uint16Array;
  private readonly rowOf: Uint16Array;

  constructor(
    readonly cols: number,
    readonly cells: number,
  ) {
    this.colOf = new Uint16Array(cells);
    this.rowOf = new Uint16Array(cells);
    this.list = new Int32Array(cells + 1);
    for (let c = 0; c < cells; c++) {
      this.colOf[c] = c % cols;
      this.rowOf[c] = Math.floor(c / cols);
    }
  }

  /** Its cells, row by row, then the always cell: list[0 .. size). */
  readonly list: Int32Array;
  size = 0;

  set(r: ArrayLike<number>): this {
    this.x0 = r[0]!;
    this.y0 = r[1]!;
    this.x1 = r[2]!;
    this.y1 = r[3]!;
    let n = 0;
    for (let y = this.y0; y <= this.y1; y++) for (let x = this.x0; x <= this.x1; x++) this.list[n++] = y * this.cols + x;
    this.list[n++] = this.cells;
    this.size = n;
    return this;
  }

  /** Cell c (the always cell included) is in the range; DEAD and NOWHERE never are. */
  has(c: number): boolean {
    if (c === this.cells) return true;
    if (c < 0) return false;
    const x = this.colOf[c]!;
    const y = this.rowOf[c]!;
    return x >= this.x0 && x <= this.x1 && y >= this.y0 && y <= this.y1;
  }
}
