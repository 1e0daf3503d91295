// Budgeted clients (host option `budget`, ./budget.ts), on the network thread that writes
// them: every budgeted client's state (what it holds, its cell priorities, its byte bucket)
// lives here, so each snapshot is a delta from the previous one sent. Reads the snapshot ring
// in place; never touches a socket.

import type { GameDef } from '../../engine/game.js';
import type { StateBlock } from '../../engine/layout.js';
import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import { encodeMsgpackFrame } from '../protocol/msgpack-frame.js';
import type { SnapshotCodec } from '../protocol/snapshot/index.js';
import { globalsOf } from '../protocol/snapshot/source.js';
import { BudgetClient, Scratch } from './budget.js';
import type { InterestIndex, TickGrid } from './interest.js';

export interface BudgetRequest {
  /** The client's state here (made by `client()`). */
  state: BudgetClient;
  self: number;
  /** Start over with a first snapshot (after a welcome, or a frame that was never sent). */
  reset: boolean;
  hz: number;
}

export class BudgetEncoder {
  private readonly cells: number;
  private readonly scratch: Scratch;
  private readonly changed: Int32Array;
  private readonly range = new Int32Array(4);

  constructor(
    game: GameDef,
    private readonly ring: SnapshotRing,
    private readonly codec: SnapshotCodec,
    private readonly interest: InterestIndex,
    private readonly capacity: number,
  ) {
    if (!game.interest) throw new RangeError('a byte budget needs a game with an interest grid');
    this.cells = interest.cols * interest.rows;
    this.scratch = new Scratch(this.cells, interest.xIndex, interest.yIndex);
    this.changed = new Int32Array(this.cells);
  }

  /** A new client's state, for `budget` bytes per second. */
  client(budget: number): BudgetClient {
    return new BudgetClient(this.capacity, this.cells, budget);
  }

  /**
   * One payload per request (null: the tick was not readable; the clients were started over,
   * so their next snapshot is a first one).
   */
  frames(tick: number, reqs: readonly BudgetRequest[]): { frames: Array<Uint8Array | null>; bytes: number } {
    const n = reqs.length;
    const frames: Array<Uint8Array | null> = new Array(n).fill(null);
    const ring = this.ring;
    const token = ring.beginRead(tick);
    if (token < 0) {
      for (const q of reqs) q.state.reset();
      return { frames, bytes: 0 };
    }
    const block = ring.blockOf(tick);
    const maxEid = ring.info(tick).maxEid;
    let bytes = 0;
    try {
      const grid = this.interest.gridOf(block, tick, maxEid);
      this.changesPerCell(grid, block, tick);
      const globals = globalsOf(this.codec, block); // the same for every client of the tick
      for (let i = 0; i < n; i++) {
        const q = reqs[i]!;
        const c = q.state;
        if (q.reset) c.reset();
        this.interest.rangeOf(block, tick, maxEid, q.self, this.range);
        const msg = c.next(this.codec, block, tick, grid, this.changed, this.range, q.self, q.hz, this.scratch, globals);
        const frame = encodeMsgpackFrame(this.codec.pack(msg));
        c.spent(frame.byteLength);
        bytes += frame.byteLength;
        frames[i] = frame;
      }
    } finally {
      this.interest.release();
    }
    if (!ring.endRead(tick, token)) {
      // torn: nothing of this tick may be sent, and the clients' states must not count it
      for (const q of reqs) q.state.reset();
      return { frames: new Array(n).fill(null), bytes: 0 };
    }
    return { frames, bytes };
  }

  /** Entities per cell whose position changed since the previous tick's slot (all, if unreadable). */
  private changesPerCell(grid: TickGrid, block: StateBlock, tick: number): void {
    const g = grid.grid;
    const { changed, cells, scratch, ring } = this;
    const xs = block.fields[scratch.xIndex]!;
    const ys = block.fields[scratch.yIndex]!;
    const pt = ring.beginRead(tick - 1);
    if (pt < 0) {
      for (let c = 0; c < cells; c++) changed[c] = g.cellStart[c + 1]! - g.cellStart[c]!;
      return;
    }
    const prev = ring.blockOf(tick - 1);
    const px = prev.fields[scratch.xIndex]!;
    const py = prev.fields[scratch.yIndex]!;
    for (let c = 0; c < cells; c++) {
      let k = 0;
      for (let i = g.cellStart[c]!; i < g.cellStart[c + 1]!; i++) {
        const e = g.items[i]!;
        if (xs[e] !== px[e] || ys[e] !== py[e]) k++;
      }
      changed[c] = k;
    }
    if (!ring.endRead(tick - 1, pt)) for (let c = 0; c < cells; c++) changed[c] = g.cellStart[c + 1]! - g.cellStart[c]!;
  }
}
