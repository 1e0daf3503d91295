// The in-view bitsets of the budgeted removal sweep must say, word for word, what checking
// each entity's cell against the view rectangle says (the rule they replace).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellRect, DEAD, NOWHERE } from '../../src/net/server/cell-index.js';
import { ViewBits } from '../../src/net/server/view-bits.js';

/** The entity-by-entity rule: e is shown by rect r (the always cell and NaN positions always are). */
function shown(cellOf: Int32Array, maxEid: number, e: number, r: CellRect): boolean {
  const c = e > 0 && e <= maxEid ? cellOf[e]! : DEAD;
  return c === NOWHERE || (c !== DEAD && r.has(c));
}

describe('ViewBits', () => {
  it('inView equals the per-entity cell check for random worlds and views', () => {
    const world = fc.record({ cols: fc.integer({ min: 1, max: 9 }), rows: fc.integer({ min: 1, max: 9 }), maxEid: fc.integer({ min: 0, max: 300 }), seed: fc.integer() });
    fc.assert(
      fc.property(world, fc.array(fc.tuple(fc.integer({ min: -2, max: 10 }), fc.integer({ min: -2, max: 10 }), fc.integer({ min: -2, max: 10 }), fc.integer({ min: -2, max: 10 })), { minLength: 1, maxLength: 6 }), ({ cols, rows, maxEid, seed }, rects) => {
        const cells = cols * rows;
        const cellOf = new Int32Array(maxEid + 1);
        let s = seed | 0;
        for (let e = 1; e <= maxEid; e++) {
          s = (Math.imul(s, 1103515245) + 12345) | 0;
          const k = (s >>> 8) % (cells + 3); // a grid cell, the always cell, DEAD or NOWHERE
          cellOf[e] = k < cells + 1 ? k : k === cells + 1 ? DEAD : NOWHERE;
        }
        const bits = new ViewBits();
        bits.build(cellOf, maxEid, cells, cols);
        const r = new CellRect(cols, cells);
        for (const [ax, ay, bx, by] of rects) {
          // CellRect takes ranges inside the grid (as rangeOf gives them), possibly empty
          const x0 = Math.min(Math.max(ax, 0), cols - 1);
          const y0 = Math.min(Math.max(ay, 0), rows - 1);
          const x1 = Math.min(bx, cols - 1);
          const y1 = Math.min(by, rows - 1);
          r.set([x0, y0, x1, y1]);
          for (let w = 0; w <= (maxEid >> 5) + 1; w++) {
            const word = bits.inView(w, x0, y0, x1, y1);
            for (let b = 0; b < 32; b++) {
              const e = (w << 5) | b;
              expect((word & (1 << b)) !== 0, `entity ${e} (cell ${cellOf[e]}) in ${[x0, y0, x1, y1]}`).toBe(shown(cellOf, maxEid, e, r));
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a rebuild for a smaller tick forgets the entities of the bigger one', () => {
    const bits = new ViewBits();
    const big = new Int32Array(100).fill(0);
    bits.build(big, 99, 4, 2);
    expect(bits.inView(0, 0, 0, 1, 1)).not.toBe(0);
    const small = new Int32Array(10).fill(DEAD);
    small[3] = 1;
    bits.build(small, 9, 4, 2);
    expect(bits.inView(0, 0, 0, 1, 1)).toBe(1 << 3);
    expect(bits.inView(0, 0, 0, 0, 1)).toBe(0); // cell 1 is column 1
    expect(bits.inView(2, 0, 0, 1, 1)).toBe(0); // past the tick's words
  });
});
