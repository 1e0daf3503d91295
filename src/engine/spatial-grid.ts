// A uniform grid rebuilt every tick by counting sort: O(n + cells) to build, no allocation
// after construction, and a query touches only the cells a box overlaps. Items are keyed by
// their anchor point (top-left corner of their box); a query that looks for overlapping
// boxes widens itself by the largest item size, so nothing is missed at cell borders.
//
//   cellStart: [0, 2, 2, 5, ...]   items of cell c are items[cellStart[c] .. cellStart[c+1])
//   items:     [e7, e3, e1, e9, e4, ...]
//
// Positions outside the grid's area are clamped into its border cells.

export class SpatialGrid {
  readonly cols: number;
  readonly rows: number;
  readonly cellStart: Int32Array;
  items: Int32Array;
  private itemCell: Int32Array;
  private readonly fill: Int32Array;
  count = 0;

  constructor(
    readonly minX: number,
    readonly minY: number,
    width: number,
    height: number,
    readonly cellSize: number,
    capacity: number,
  ) {
    if (!(cellSize > 0)) throw new RangeError('SpatialGrid: cellSize must be > 0');
    this.cols = Math.max(1, Math.ceil(width / cellSize));
    this.rows = Math.max(1, Math.ceil(height / cellSize));
    this.cellStart = new Int32Array(this.cols * this.rows + 1);
    this.fill = new Int32Array(this.cols * this.rows);
    this.items = new Int32Array(capacity);
    this.itemCell = new Int32Array(capacity);
  }

  col(x: number): number {
    const c = Math.floor((x - this.minX) / this.cellSize);
    return c < 0 ? 0 : c >= this.cols ? this.cols - 1 : c;
  }

  row(y: number): number {
    const r = Math.floor((y - this.minY) / this.cellSize);
    return r < 0 ? 0 : r >= this.rows ? this.rows - 1 : r;
  }

  /** Rebuild from a list of ids and their anchor coordinates (indexed by id). */
  build(ids: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>): void {
    const n = ids.length;
    if (n > this.items.length) {
      // grow rather than silently ignore items past the initial size
      this.items = new Int32Array(n * 2);
      this.itemCell = new Int32Array(n * 2);
    }
    const start = this.cellStart;
    const fill = this.fill;
    start.fill(0);
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      const cell = this.row(ys[id]!) * this.cols + this.col(xs[id]!);
      this.itemCell[i] = cell;
      start[cell + 1]!++;
    }
    for (let c = 1; c < start.length; c++) start[c]! += start[c - 1]!;
    fill.set(start.subarray(0, fill.length));
    for (let i = 0; i < n; i++) this.items[fill[this.itemCell[i]!]!++] = ids[i]!;
    this.count = n;
  }
}
