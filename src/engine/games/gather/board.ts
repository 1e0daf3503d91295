// Which cells hold a player or a gatherable: what placing a gatherable or a joining player on
// a free cell needs. It is derived state, never the truth: the truth is the Position rows in
// the world (so a snapshot restore or a host migration needs nothing more), and the board is
// rebuilt from them at its first use in a tick, then kept in step by whoever changes the
// world during that tick (joins; the gather system, which drops it after the moves and builds
// it again only when it has a gatherable to place).
//
//   players[cell]     players standing on the cell (players may share a cell)
//   gatherable[cell]  eid of the gatherable on the cell, 0 for none (at most one per cell)
//   occupied          cells with a player or a gatherable: free cells = cells - occupied

import { nextInt, type RngState } from '../../prng.js';
import { CELL, type GatherConfig } from './schema.js';
import type { GatherWorld } from './world.js';

const SAMPLE_TRIES = 8;

export class Board {
  readonly cells: number;
  readonly players: Int32Array;
  readonly gatherable: Int32Array;
  occupied = 0;
  gatherables = 0;
  private builtFor: GatherWorld | null = null;
  private builtAt = -1;

  constructor(private readonly cfg: GatherConfig) {
    this.cells = cfg.cols * cfg.rows;
    this.players = new Int32Array(this.cells);
    this.gatherable = new Int32Array(this.cells);
  }

  cellAt(x: number, y: number): number {
    return (y / CELL) * this.cfg.cols + x / CELL;
  }

  /** Whether the board matches `w` at its current tick (nothing moved since it was built). */
  isValidFor(w: GatherWorld): boolean {
    return this.builtFor === w && this.builtAt === w.g[w.G.tick];
  }

  /** Make the board match `w` at its current tick, rebuilding it when it may not. */
  sync(w: GatherWorld): this {
    if (!this.isValidFor(w)) this.rebuild(w);
    return this;
  }

  /** The world changed behind the board's back: the next sync rebuilds. */
  invalidate(): void {
    this.builtFor = null;
  }

  rebuild(w: GatherWorld): void {
    this.players.fill(0);
    this.gatherable.fill(0);
    this.occupied = 0;
    this.gatherables = 0;
    const arch = w.c.Entity.archetype;
    const { x, y } = w.c.Position;
    const PLAYER = w.A.player + 1;
    const GATHERABLE = w.A.gatherable + 1;
    const maxEid = w.g[w.G.maxEid]!;
    for (let e = 1; e <= maxEid; e++) {
      const a = arch[e];
      if (a === PLAYER) this.addPlayer(this.cellAt(x[e]!, y[e]!));
      else if (a === GATHERABLE) this.putGatherable(this.cellAt(x[e]!, y[e]!), e);
    }
    this.builtFor = w;
    this.builtAt = w.g[w.G.tick]!;
  }

  addPlayer(cell: number): void {
    if (this.players[cell]!++ === 0 && this.gatherable[cell] === 0) this.occupied++;
  }

  putGatherable(cell: number, eid: number): void {
    if (this.gatherable[cell] !== 0) return; // never two on one cell (placement prevents it)
    if (this.players[cell] === 0) this.occupied++;
    this.gatherable[cell] = eid;
    this.gatherables++;
  }

  takeGatherable(cell: number): void {
    if (this.gatherable[cell] === 0) return;
    this.gatherable[cell] = 0;
    this.gatherables--;
    if (this.players[cell] === 0) this.occupied--;
  }

  /**
   * A cell with neither a player nor a gatherable, uniformly at random from the world's PRNG,
   * or -1 when none is. Up to SAMPLE_TRIES random cells first (each try that lands on a free
   * cell is uniform over the free cells); if all are taken, one draw of the r-th free cell
   * (uniform too) and a scan. The mix is uniform, and the work is bounded.
   */
  randomFreeCell(rng: RngState): number {
    const free = this.cells - this.occupied;
    if (free <= 0) return -1;
    for (let i = 0; i < SAMPLE_TRIES; i++) {
      const c = nextInt(rng, 0, this.cells);
      if (this.players[c] === 0 && this.gatherable[c] === 0) return c;
    }
    let r = nextInt(rng, 0, free);
    for (let c = 0; c < this.cells; c++) {
      if (this.players[c] === 0 && this.gatherable[c] === 0 && r-- === 0) return c;
    }
    return -1; // unreachable while `occupied` is exact
  }

  xOf(cell: number): number {
    return (cell % this.cfg.cols) * CELL;
  }

  yOf(cell: number): number {
    return Math.floor(cell / this.cfg.cols) * CELL;
  }
}
