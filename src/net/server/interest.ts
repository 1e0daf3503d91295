// Interest management: which entities a client is sent, for games that define `interest`
// (GameDef.interest). Run by the encode workers over a ring slot, read in place.
//
// A client's view box (the game's camera around its entity) is widened to whole grid cells:
// the client is sent every entity whose position lies in one of the cells the box overlaps,
// its own entity, and every entity of the `always` archetypes. So two clients whose boxes
// overlap the same cells are sent exactly the same entities, and share one encoded payload:
// the cell range [x0, x1] x [y0, y1] is the sharing key.
//
//   world 1000 x 1000, cell 125:  8 x 8 cells; a 750 x 750 camera covers 6 or 7 cells per
//   axis, so 1,000 clients fall into at most 9 ranges (fewer when bunched up).
//
// The grid of a tick is built once (counting sort, O(entities)) and kept for the ticks of
// the task; a base tick's grid is built only when a delta needs the base's visibility.

import type { InterestDef, ViewBox } from '../../engine/game.js';
import type { StateBlock } from '../../engine/layout.js';
import type { Schema } from '../../engine/schema.js';
import { SpatialGrid } from '../../engine/spatial-grid.js';
import { viewOf, type SnapshotView } from '../../engine/snapshot-view.js';

/** A cell range: inclusive cell columns x0..x1 and rows y0..y1. */
export type CellRange = [x0: number, y0: number, x1: number, y1: number];

/** A number that tells cell ranges apart (cols and rows < 2^12). */
export const rangeKey = (r: ArrayLike<number>): number => ((r[0]! * 4096 + r[1]!) * 4096 + r[2]!) * 4096 + r[3]!;

export interface TickGrid {
  tick: number;
  grid: SpatialGrid;
  /** Entities of the `always` archetypes. */
  always: number[];
  maxEid: number;
}

export class InterestIndex {
  /** Schema field indexes of the position the grid uses. */
  readonly xIndex: number;
  readonly yIndex: number;
  private readonly archIndex: number;
  private readonly alwaysArch: Uint8Array;
  private readonly grids: TickGrid[] = [];
  private readonly ids: Int32Array;
  private readonly box: ViewBox = { x: 0, y: 0, width: 0, height: 0 };
  private lastView: { block: StateBlock; tick: number; maxEid: number; view: SnapshotView } | null = null;
  readonly cols: number;
  readonly rows: number;

  constructor(
    private readonly schema: Schema,
    private readonly def: InterestDef,
    private readonly capacity: number,
  ) {
    const [xk, yk] = def.position ?? ['Position.x', 'Position.y'];
    const idx = (k: string) => {
      const i = schema.fields.findIndex((f) => f.key === k);
      if (i < 0) throw new TypeError(`interest: no field "${k}" in the schema`);
      return i;
    };
    this.xIndex = idx(xk);
    this.yIndex = idx(yk);
    this.archIndex = idx('Entity.archetype');
    this.alwaysArch = new Uint8Array(256);
    for (const a of def.always ?? []) {
      const i = schema.archetypeNames.indexOf(a);
      if (i < 0) throw new TypeError(`interest: no archetype "${a}"`);
      this.alwaysArch[i + 1] = 1; // as stored in Entity.archetype
    }
    if (!(def.cell > 0 && def.width > 0 && def.height > 0)) throw new RangeError('interest: cell, width and height must be > 0');
    this.cols = Math.ceil(def.width / def.cell);
    this.rows = Math.ceil(def.height / def.cell);
    if (this.cols >= 4096 || this.rows >= 4096) throw new RangeError('interest: at most 4095 cells per axis');
    this.ids = new Int32Array(capacity + 1);
  }

  /** Forget the grids of the previous task (their slots may be rewritten by now). */
  reset(): void {
    this.grids.length = 0;
  }

  /** The grid of a ring slot's block (built on first use in this task). */
  gridOf(block: StateBlock, tick: number, maxEid: number): TickGrid {
    for (const g of this.grids) if (g.tick === tick) return g;
    const arch = block.fields[this.archIndex] as Uint8Array;
    const hi = Math.min(maxEid, this.capacity);
    let n = 0;
    const always: number[] = [];
    for (let e = 1; e <= hi; e++) {
      const a = arch[e]!;
      if (a === 0) continue;
      this.ids[n++] = e;
      if (this.alwaysArch[a]) always.push(e);
    }
    // grids are recycled between tasks: one per distinct tick of a task (now + a few bases)
    const grid = this.spare.pop() ?? this.newGrid();
    grid.build(this.ids.subarray(0, n), block.fields[this.xIndex]!, block.fields[this.yIndex]!);
    const g = { tick, grid, always, maxEid: hi };
    this.grids.push(g);
    return g;
  }

  private readonly spare: SpatialGrid[] = [];
  private newGrid(): SpatialGrid {
    return new SpatialGrid(0, 0, this.def.width, this.def.height, this.def.cell, 1024);
  }

  /** Give the grids back for reuse (call after the task's encodes). */
  release(): void {
    for (const g of this.grids) this.spare.push(g.grid);
    this.grids.length = 0;
    if (this.spare.length > 8) this.spare.length = 8;
  }

  /** The cell range player `self` sees in this block (read under the caller's seqlock). */
  rangeOf(block: StateBlock, tick: number, maxEid: number, self: number, out: CellRange | Int32Array): void {
    const box = this.box;
    if (self <= 0 || self > Math.min(maxEid, this.capacity) || (block.fields[this.archIndex] as Uint8Array)[self] === 0) {
      // no live entity (not spawned yet, or gone): the whole world, like a spectator
      out[0] = 0;
      out[1] = 0;
      out[2] = this.cols - 1;
      out[3] = this.rows - 1;
      return;
    }
    // one view object per slot: clients of a tick share it (viewOf builds name maps)
    if (this.lastView?.block !== block || this.lastView.tick !== tick || this.lastView.maxEid !== maxEid) {
      this.lastView = { block, tick, maxEid, view: viewOf(this.schema, block, tick, maxEid) };
    }
    this.def.view(this.lastView.view, self, box);
    const c = this.def.cell;
    out[0] = this.col(Math.floor(box.x / c));
    out[1] = this.row(Math.floor(box.y / c));
    // the box is half-open: a right edge exactly on a cell border does not take the next cell
    out[2] = this.col(Math.ceil((box.x + box.width) / c) - 1);
    out[3] = this.row(Math.ceil((box.y + box.height) / c) - 1);
  }

  /** A cell column / row clamped into the grid (positions outside fall into the border cells). */
  private col(v: number): number {
    return v < 0 ? 0 : v >= this.cols ? this.cols - 1 : v;
  }

  private row(v: number): number {
    return v < 0 ? 0 : v >= this.rows ? this.rows - 1 : v;
  }

  /** Whether entity `self`'s position lies in range `r` (it is then sent with the cells). */
  contains(block: StateBlock, maxEid: number, r: ArrayLike<number>, self: number): boolean {
    if (self <= 0 || self > Math.min(maxEid, this.capacity)) return true; // nothing of its own to add
    const c = this.col(Math.floor(block.fields[this.xIndex]![self]! / this.def.cell));
    const w = this.row(Math.floor(block.fields[this.yIndex]![self]! / this.def.cell));
    return c >= r[0]! && c <= r[2]! && w >= r[1]! && w <= r[3]!;
  }

  /**
   * Mark in `vis` (cleared here for rows 1..maxEid) what a client with cell range `r` and
   * entity `self` is sent of this block: the entities in those cells, `self`, the always ones.
   */
  visible(block: StateBlock, tick: number, maxEid: number, r: ArrayLike<number>, self: number, vis: Uint8Array): void {
    const g = this.gridOf(block, tick, maxEid);
    vis.fill(0, 0, g.maxEid + 1);
    const { grid } = g;
    const start = grid.cellStart;
    const items = grid.items;
    for (let row = r[1]!; row <= r[3]!; row++) {
      const a = start[row * grid.cols + r[0]!]!;
      const b = start[row * grid.cols + r[2]! + 1]!; // cells of a row are contiguous
      for (let i = a; i < b; i++) vis[items[i]!] = 1;
    }
    for (const e of g.always) vis[e] = 1;
    if (self > 0 && self <= g.maxEid && (block.fields[this.archIndex] as Uint8Array)[self] !== 0) vis[self] = 1;
  }
}
