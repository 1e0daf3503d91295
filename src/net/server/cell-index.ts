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
//                                  movers: [e, cell at B, cell at T] for the kept entities
//                                          whose cell changed
//
// The cells come from the interest grid itself (InterestIndex.gridOf), so an entity is in a
// cell here exactly when InterestIndex.visible would show it to a client seeing that cell.

import type { StateBlock } from '../../engine/layout.js';
import type { SnapshotCodec } from '../protocol/snapshot/codec.js';
import { sameRows } from '../protocol/snapshot/source.js';
import type { TickGrid } from './interest.js';

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
  readonly cellOf: Int32Array;
  readonly start: Int32Array;
  readonly items: Uint32Array;
  /** The always cell: every client sees it. */
  readonly always: number;

  constructor(
    capacity: number,
    /** Grid cells (cols * rows). */
    readonly cells: number,
  ) {
    this.cellOf = new Int32Array(capacity + 1);
    this.start = new Int32Array(cells + 2);
    this.items = new Uint32Array(capacity);
    this.always = cells;
  }

  /** Rebuild from a tick's interest grid (`arch`: the block's Entity.archetype). */
  build(grid: TickGrid, arch: Uint8Array, tick: number, token: number): void {
    const { cellOf, start, items } = this;
    const hi = grid.maxEid;
    this.tick = tick;
    this.token = token;
    this.maxEid = hi;
    for (let e = 0; e <= hi; e++) cellOf[e] = e > 0 && arch[e] !== 0 ? NOWHERE : DEAD;
    const g = grid.grid;
    for (let c = 0; c < this.cells; c++) for (let i = g.cellStart[c]!; i < g.cellStart[c + 1]!; i++) cellOf[g.items[i]!] = c;
    for (const e of grid.always) cellOf[e] = this.always;
    // counting sort by cell, ids ascending within each
    start.fill(0);
    for (let e = 1; e <= hi; e++) if (cellOf[e]! >= 0) start[cellOf[e]! + 1]!++;
    for (let c = 1; c < start.length; c++) start[c]! += start[c - 1]!;
    const fill = scratchFill(start.length);
    fill.set(start);
    for (let e = 1; e <= hi; e++) {
      const c = cellOf[e]!;
      if (c >= 0) items[fill[c]!++] = e;
    }
  }

  /** Entities in cell c. */
  count(c: number): number {
    return this.start[c + 1]! - this.start[c]!;
  }

  /** The ids of cell c (a view; ascending). */
  list(c: number): Uint32Array {
    return this.items.subarray(this.start[c]!, this.start[c + 1]!);
  }

  /** The cell of entity e at this tick (DEAD past maxEid). */
  cell(e: number): number {
    return e > 0 && e <= this.maxEid ? this.cellOf[e]! : DEAD;
  }
}

let fillScratch = new Int32Array(0);
function scratchFill(n: number): Int32Array {
  if (fillScratch.length < n) fillScratch = new Int32Array(n);
  return fillScratch;
}

/** How the entities of tick `now` relate to those of base tick `was`, cell by cell. */
export class CellTransition {
  base = -1;
  readonly keptStart: Int32Array;
  readonly kept: Uint32Array;
  readonly freshStart: Int32Array;
  readonly fresh: Uint32Array;
  readonly goneStart: Int32Array;
  readonly gone: Uint32Array;
  /** [e, cell at the base, cell now] x moverCount. */
  movers: Int32Array;
  moverCount = 0;
  /** Per networked field: byte-identical rows in both blocks (nothing of it changed). */
  readonly same: boolean[] = [];
  /** Per cell: its change part (undefined: not encoded yet; null: nothing changed). */
  readonly changePart: Array<Uint8Array | null | undefined>;
  /** Per cell: the add part of its fresh entities (same convention). */
  readonly freshPart: Array<Uint8Array | null | undefined>;

  constructor(capacity: number, cells: number) {
    const n = cells + 2;
    this.keptStart = new Int32Array(n);
    this.freshStart = new Int32Array(n);
    this.goneStart = new Int32Array(n);
    this.kept = new Uint32Array(capacity);
    this.fresh = new Uint32Array(capacity);
    this.gone = new Uint32Array(capacity);
    this.movers = new Int32Array(3 * 256);
    this.changePart = new Array<Uint8Array | null | undefined>(cells + 1);
    this.freshPart = new Array<Uint8Array | null | undefined>(cells + 1);
  }

  /** Rebuild for (now, was); the blocks are the ring slots both were built from. */
  build(ctx: SnapshotCodec, now: TickCells, nowBlock: StateBlock, was: TickCells, wasBlock: StateBlock): void {
    this.base = was.tick;
    this.changePart.fill(undefined);
    this.freshPart.fill(undefined);
    const genN = nowBlock.fields[ctx.genIndex] as Uint16Array;
    const genB = wasBlock.fields[ctx.genIndex] as Uint16Array;
    const { keptStart, freshStart, goneStart } = this;
    keptStart.fill(0);
    freshStart.fill(0);
    goneStart.fill(0);
    const hi = Math.max(now.maxEid, was.maxEid);
    let movers = 0;
    // pass 1: count
    for (let e = 1; e <= hi; e++) {
      const cT = now.cell(e);
      const cB = was.cell(e);
      if (cT !== DEAD && cB !== DEAD && genN[e] === genB[e]) {
        if (cT >= 0) keptStart[cT + 1]!++;
        if (cT !== cB) movers++;
      } else {
        if (cT >= 0) freshStart[cT + 1]!++;
        if (cB >= 0) goneStart[cB + 1]!++;
      }
    }
    for (let c = 1; c < keptStart.length; c++) {
      keptStart[c]! += keptStart[c - 1]!;
      freshStart[c]! += freshStart[c - 1]!;
      goneStart[c]! += goneStart[c - 1]!;
    }
    if (this.movers.length < 3 * movers) this.movers = new Int32Array(3 * movers * 2);
    // pass 2: fill (ids ascending within each cell)
    const kf = scratchFill(3 * keptStart.length);
    const n = keptStart.length;
    kf.set(keptStart, 0);
    kf.set(freshStart, n);
    kf.set(goneStart, 2 * n);
    const m = this.movers;
    let k = 0;
    for (let e = 1; e <= hi; e++) {
      const cT = now.cell(e);
      const cB = was.cell(e);
      if (cT !== DEAD && cB !== DEAD && genN[e] === genB[e]) {
        if (cT >= 0) this.kept[kf[cT]!++] = e;
        if (cT !== cB) {
          m[k++] = e;
          m[k++] = cB;
          m[k++] = cT;
        }
      } else {
        if (cT >= 0) this.fresh[kf[n + cT]!++] = e;
        if (cB >= 0) this.gone[kf[2 * n + cB]!++] = e;
      }
    }
    this.moverCount = movers;
    this.same.length = 0;
    const rows = Math.min(now.maxEid, was.maxEid);
    for (let f = 0; f < ctx.fields.length; f++) this.same.push(sameRows(ctx, nowBlock, wasBlock, f, rows));
  }

  /** Kept entities now in cell c (a view; ascending). */
  keptIn(c: number): Uint32Array {
    return this.kept.subarray(this.keptStart[c]!, this.keptStart[c + 1]!);
  }

  freshIn(c: number): Uint32Array {
    return this.fresh.subarray(this.freshStart[c]!, this.freshStart[c + 1]!);
  }

  goneFrom(c: number): Uint32Array {
    return this.gone.subarray(this.goneStart[c]!, this.goneStart[c + 1]!);
  }
}
