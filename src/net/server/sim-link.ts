// What a network thread knows of the simulation: the game's definition (its own instance),
// the snapshot ring and the control block (read), and its own command queue (written). All
// of it is shared memory handed over at start; nothing here waits on the main thread.

import type { GameDef } from '../../engine/game.js';
import { getGame } from '../../engine/games/index.js';
import { InputQueue } from '../../engine/input-queue.js';
import { SnapshotRing } from '../../engine/snapshot-ring.js';
import { Ctl } from '../../workers/messages.js';
import { watchTicks, type WatchOptions } from '../../workers/tick-watch.js';

export interface SimLink {
  readonly game: GameDef;
  readonly ring: SnapshotRing;
  /** This thread's command queue (it is the only producer). */
  readonly queue: InputQueue;
  readonly capacity: number;
  /** Newest published tick. */
  readonly tick: number;
  /**
   * `fn` with each newly published tick, on this thread; returns a stop function. Batched: the
   * thread sleeps between three looks at its sockets a tick (tick-watch.ts WatchOptions:
   * `more`, `beforePoll`, `quiet`).
   */
  onTick(fn: (tick: number) => void, looks?: Pick<WatchOptions, 'more' | 'beforePoll' | 'quiet'>): () => void;
  /** End the sim's idle sleep now (a join: the first player must not wait for its next look). */
  wake(): void;
  /** Let the sim run `k` ticks a wake from its next one (Ctl.GROUP): nobody is sent the ticks between. */
  group(k: number): void;
}

export function simLink(o: {
  gameName: string;
  gameOptions: Record<string, unknown>;
  capacity: number;
  /** The sim's ticks per second. */
  hz: number;
  ringBuffer: SharedArrayBuffer;
  controlBuffer: SharedArrayBuffer;
  queueBuffer: SharedArrayBuffer;
}): SimLink {
  const game = getGame(o.gameName).create({ ...o.gameOptions, capacity: o.capacity });
  const control = new Int32Array(o.controlBuffer);
  return {
    game,
    ring: new SnapshotRing(game.schema, o.capacity, o.ringBuffer),
    queue: new InputQueue(o.queueBuffer),
    capacity: o.capacity,
    get tick() {
      return Atomics.load(control, Ctl.TICK);
    },
    onTick: (fn, looks) => {
      const watch = watchTicks(control, fn, { ...looks, batchStepMs: 1000 / o.hz });
      return () => watch.stop();
    },
    wake: () => {
      Atomics.add(control, Ctl.WAKE, 1);
      Atomics.notify(control, Ctl.WAKE);
    },
    group: (k) => {
      if (Atomics.load(control, Ctl.GROUP) !== k) Atomics.store(control, Ctl.GROUP, k);
    },
  };
}
