// "Which of these held entities are still in this client's view", 32 entities at a time: the
// budgeted path's removal sweep (./budget.ts) asks it of every budgeted client every tick.
// Checking entity by entity (its cell, then the cell against the view rectangle) was most of
// the planner's time; these bitsets, built once per tick, answer it with a few word operations.
//
//   colLE[x]  bit e set: live entity e lies in a grid cell of column <= x   (x in 0..cols)
//   rowLE[y]  bit e set: live entity e lies in a grid cell of row <= y      (y in 0..rows)
//   anywhere  bit e set: live entity e in every view (the always cell, or no cell: NaN position)
//
// In a rectangle x0..x1, y0..y1 = (colLE[x1] & ~colLE[x0 - 1]) & (rowLE[y1] & ~rowLE[y0 - 1]).
// Memory: (cols + rows + 1) words per 32 entities of the tick.

/** cellOf of a free row (./cell-index.ts DEAD). */
const DEAD = -1;

export class ViewBits {
  /** Words per bitset: entities 0 .. words * 32 - 1 (higher ids are in no set). */
  words = 0;
  cols = 0;
  rows = 0;
  private colLE = new Uint32Array(0);
  private rowLE = new Uint32Array(0);
  private anywhere = new Uint32Array(0);

  /**
   * Rebuild from a tick's cells: `cellOf[e]` for e in 1..maxEid (a grid cell 0..always-1, the
   * always cell `always`, DEAD, or another negative value for a live entity in no cell).
   */
  build(cellOf: Int32Array, maxEid: number, always: number, cols: number): void {
    const rows = Math.ceil(always / cols);
    const words = (maxEid >> 5) + 1;
    this.words = words;
    this.cols = cols;
    this.rows = rows;
    if (this.colLE.length < cols * words) this.colLE = new Uint32Array(cols * words);
    if (this.rowLE.length < rows * words) this.rowLE = new Uint32Array(rows * words);
    if (this.anywhere.length < words) this.anywhere = new Uint32Array(words);
    const { colLE, rowLE, anywhere } = this;
    colLE.fill(0, 0, cols * words);
    rowLE.fill(0, 0, rows * words);
    anywhere.fill(0, 0, words);
    // first the exact column / row of each entity, then running ORs make them "<="
    for (let e = 1; e <= maxEid; e++) {
      const c = cellOf[e]!;
      if (c === DEAD) continue;
      const w = e >> 5;
      const bit = 1 << (e & 31);
      if (c >= 0 && c < always) {
        colLE[(c % cols) * words + w]! |= bit;
        rowLE[Math.floor(c / cols) * words + w]! |= bit;
      } else anywhere[w]! |= bit;
    }
    for (let x = 1; x < cols; x++) for (let w = 0, a = x * words, b = a - words; w < words; w++) colLE[a + w]! |= colLE[b + w]!;
    for (let y = 1; y < rows; y++) for (let w = 0, a = y * words, b = a - words; w < words; w++) rowLE[a + w]! |= rowLE[b + w]!;
  }

  /**
   * Word w of the entities a view of cells x0..x1, y0..y1 (inclusive; clamped to the grid,
   * empty when x1 < x0 or y1 < y0) shows: those in the rectangle, and those in every view.
   */
  inView(w: number, x0: number, y0: number, x1: number, y1: number): number {
    if (w >= this.words) return 0;
    const any = this.anywhere[w]!;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= this.cols) x1 = this.cols - 1;
    if (y1 >= this.rows) y1 = this.rows - 1;
    if (x1 < x0 || y1 < y0) return any;
    const W = this.words;
    const inCols = this.colLE[x1 * W + w]! & ~(x0 > 0 ? this.colLE[(x0 - 1) * W + w]! : 0);
    const inRows = this.rowLE[y1 * W + w]! & ~(y0 > 0 ? this.rowLE[(y0 - 1) * W + w]! : 0);
    return (inCols & inRows) | any;
  }
}
