// Budgeted clients (host option `budget`, ./budget.ts), on the network thread that writes
// them: every budgeted client's state (what it holds, its cell priorities, its byte bucket)
// lives here, so each snapshot is a delta from the previous one sent. Refreshed cells are
// encoded once per tick for every client that refreshes them (./tick-fragments.ts). Reads the
// snapshot ring in place; never touches a socket.

import type { GameDef } from '../../engine/game.js';
import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import { BudgetClient } from './budget.js';
import type { SnapshotFragments } from './tick-fragments.js';

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

  constructor(
    game: GameDef,
    private readonly ring: SnapshotRing,
    /** The thread's shared fragments (SnapshotEncoder.fragments): refreshed cells are parts. */
    private readonly fragments: SnapshotFragments,
  ) {
    if (!game.interest) throw new RangeError('a byte budget needs a game with an interest grid');
    this.cells = fragments.cells;
  }

  /** A new client's state, for `budget` bytes per second. */
  client(budget: number): BudgetClient {
    return new BudgetClient(this.fragments.capacity, this.cells, budget);
  }

  /**
   * One payload per request (null: the tick was not readable; the clients were started over,
   * so their next snapshot is a first one).
   */
  frames(tick: number, reqs: readonly BudgetRequest[]): { frames: Array<Uint8Array | null>; bytes: number } {
    const n = reqs.length;
    const frames: Array<Uint8Array | null> = new Array(n).fill(null);
    const t = this.fragments.begin(this.ring, tick);
    if (!t) {
      for (const q of reqs) q.state.reset();
      return { frames, bytes: 0 };
    }
    let bytes = 0;
    let intact = false;
    try {
      for (let i = 0; i < n; i++) {
        const q = reqs[i]!;
        if (q.reset) q.state.reset();
        const frame = t.budgetFrameFor(q.state, q.self, q.hz);
        bytes += frame.byteLength;
        frames[i] = frame;
      }
    } finally {
      intact = t.end();
    }
    if (!intact) {
      // torn: nothing of this tick may be sent, and the clients' states must not count it
      for (const q of reqs) q.state.reset();
      return { frames: new Array(n).fill(null), bytes: 0 };
    }
    return { frames, bytes };
  }
}
