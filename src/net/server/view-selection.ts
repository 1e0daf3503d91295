// What one interest client's snapshot is made of, given its cells now (R) and at its base (Q):
// which shared parts, and which entities its own message must remove, compare or add. The
// rule (a cell is "shared" when it is big enough to be its own part, else "folded" into the
// client's own message):
//
//   cell c in R and Q, shared      change part of c (kept entities that changed) + add part
//                                  of its fresh entities
//   cell c in R, not Q, shared     add part of every entity of c
//   cell c in R, folded            own: its stayers compared (seen at the base) or added, its
//                                  fresh entities added
//   movers into a cell of R        held (their base cell in Q): nothing when the cell's change
//                                  part covers them, else compared, or removed when an
//                                  entering cell's add part adds them again; not held: added
//   cells of Q                     own: their gone entities removed; movers out of view and
//                                  stayers of cells no longer in R removed
//
// The own message is applied before the parts, so a mover added here is then changed by its
// cell's part, and one removed here is then added by its entering cell's part: the result is
// exactly the per-client delta of ./view-encode.ts (test/net/tick-fragments.test.ts).

import { rowsFor, type CellRect, type CellTransition, type TickCells } from './cell-index.js';

/** Where the parts come from (built once per tick, or tick and base, by whoever asks first). */
export interface PartSource {
  /** Cell c is big enough to be a part of its own. */
  shared(c: number): boolean;
  /** Every entity of cell c now (an add part). */
  addPart(c: number): Uint8Array | null;
  /**
   * Cell c's kept entities that changed since the transition's base (a change part); for a
   * client taking difference columns (`diffs`), only those that were in c at the base too.
   */
  changePart(tr: CellTransition, c: number): Uint8Array | null;
  /**
   * The frame is for a client taking difference columns. A difference applies to the value
   * the client holds, so no entity may get one after its own `add` set it: movers into a cell
   * (held or not) then go in the client's own lists, not in the cell's shared change part.
   */
  readonly diffs: boolean;
  /** Cell c's fresh entities (an add part). */
  freshPart(tr: CellTransition, c: number): Uint8Array | null;
}

/** A client's selection: its own lists (unsorted) and its parts, in order. */
export class Selection {
  rm = new Uint32Array(0);
  keep = new Uint32Array(0);
  add = new Uint32Array(0);
  nRm = 0;
  nKeep = 0;
  nAdd = 0;
  readonly parts: Uint8Array[] = [];
  nParts = 0;

  /** Start over with room for ids up to `maxEid` in each list (they grow by need). */
  private clear(maxEid: number): void {
    this.nRm = this.nKeep = this.nAdd = this.nParts = 0;
    if (this.rm.length <= maxEid) {
      const rows = rowsFor(maxEid + 1);
      this.rm = new Uint32Array(rows);
      this.keep = new Uint32Array(rows);
      this.add = new Uint32Array(rows);
    }
  }

  private part(p: Uint8Array | null): void {
    if (p) this.parts[this.nParts++] = p;
  }

  /** A full snapshot: every cell of R, shared ones as add parts, folded ones in `add`. */
  full(now: TickCells, R: CellRect, src: PartSource): void {
    this.clear(now.maxEid);
    const { start, items } = now.byCell;
    for (let j = 0; j < R.size; j++) {
      const c = R.list[j]!;
      if (src.shared(c)) this.part(src.addPart(c));
      else for (let i = start[c]!; i < start[c + 1]!; i++) this.add[this.nAdd++] = items[i]!;
    }
  }

  /** A delta from the transition's base (the cells `was`), as the comment at the top says. */
  delta(tr: CellTransition, now: TickCells, was: TickCells, R: CellRect, Q: CellRect, src: PartSource): void {
    this.clear(Math.max(now.maxEid, was.maxEid));
    const { rm, keep, add } = this;
    const { moversIn, moversOut, kept, fresh, gone } = tr;
    for (let j = 0; j < R.size; j++) {
      const c = R.list[j]!;
      const seen = Q.has(c);
      const shared = src.shared(c);
      for (let i = moversIn.start[c]!; i < moversIn.start[c + 1]!; i++) {
        const e = moversIn.items[i]!;
        const held = Q.has(moversIn.tag[i]!);
        if (shared) {
          if (seen) {
            if (src.diffs) {
              if (held) keep[this.nKeep++] = e;
              else add[this.nAdd++] = e;
            } else if (!held) add[this.nAdd++] = e; // the cell's change part applies on top
          } else if (held) rm[this.nRm++] = e; // the entering cell's add part adds it again
        } else if (held) keep[this.nKeep++] = e;
        else add[this.nAdd++] = e;
      }
      if (shared && seen) {
        this.part(src.changePart(tr, c));
        this.part(src.freshPart(tr, c));
      } else if (shared) this.part(src.addPart(c));
      else {
        for (let i = kept.start[c]!; i < kept.start[c + 1]!; i++) {
          const e = kept.items[i]!;
          if (was.cellOf[e] !== c) continue; // a mover: above
          if (seen) keep[this.nKeep++] = e;
          else add[this.nAdd++] = e;
        }
        for (let i = fresh.start[c]!; i < fresh.start[c + 1]!; i++) add[this.nAdd++] = fresh.items[i]!;
      }
    }
    for (let j = 0; j < Q.size; j++) {
      const c = Q.list[j]!;
      for (let i = gone.start[c]!; i < gone.start[c + 1]!; i++) rm[this.nRm++] = gone.items[i]!;
      for (let i = moversOut.start[c]!; i < moversOut.start[c + 1]!; i++) if (!R.has(moversOut.tag[i]!)) rm[this.nRm++] = moversOut.items[i]!;
      if (!R.has(c)) {
        // stayers of a cell that left the view
        for (let i = kept.start[c]!; i < kept.start[c + 1]!; i++) if (was.cellOf[kept.items[i]!] === c) rm[this.nRm++] = kept.items[i]!;
      }
    }
  }

  /** Sort the own lists (each is built from several cells). */
  sort(): this {
    this.rm.subarray(0, this.nRm).sort();
    this.keep.subarray(0, this.nKeep).sort();
    this.add.subarray(0, this.nAdd).sort();
    return this;
  }
}
