// The snapshot ring: the last 32 published ticks of the whole world state, in shared memory.
// The sim worker is its only writer; network workers, the watchdog and the replicator read
// it in place, without copying through postMessage.
//
//   SharedArrayBuffer
//   +--------+---------------------------+----------+----------+-----+-----------+
//   | header | meta[0] meta[1] .. meta[31]| block[0] | block[1] | ... | block[31] |
//   +--------+---------------------------+----------+----------+-----+-----------+
//   header = [newestTick]        meta[i] = [seq, tick, maxEid, aliveCount, hashHi, hashLo]
//   block[i] = one state block (layout.ts): globals, entity order, every field
//   hashHi, hashLo: the tick's state hash where the sim computes one every tick (a recorded
//   session, sim-worker.ts), else 0
//
// Torn reads are prevented by a seqlock per slot. The writer publishing tick T into slot
// T % 32 does:
//
//     Atomics.add(seq, 1)      seq odd  -> "being written"
//     copy globals, order, fields; store tick/maxEid/hash
//     Atomics.add(seq, 1)      seq even -> "stable"
//     Atomics.store(newestTick, T)
//
// A reader does:
//
//     s1 = Atomics.load(seq)   odd, or meta.tick != T  -> not readable now
//     ...read the slot's views in place...
//     s2 = Atomics.load(seq)   s1 != s2               -> torn, discard what was read
//
// Atomics operations are sequentially consistent, so the plain typed-array writes between
// the writer's two increments cannot be observed outside that window by a reader that
// brackets its plain reads with the two loads. The writer never waits for readers: a slow
// reader only loses its read (it is 31 ticks behind by then), the simulation never stalls.

import { blockBytes, blockViews, type StateBlock } from './layout.js';
import type { Schema } from './schema.js';

export const RING_SLOTS = 32;
const META_WORDS = 8;
const M_SEQ = 0;
const M_TICK = 1;
const M_MAX_EID = 2;
const M_ALIVE = 3;
const M_HASH_HI = 4;
const M_HASH_LO = 5;
const HEADER_WORDS = 8;

export interface RingOptions {
  slots?: number;
  /**
   * Test control only: skip the seqlock checks so a test can show that torn reads do happen
   * without the guard. Never set in the engine.
   */
  unguarded?: boolean;
}

export interface SlotInfo {
  tick: number;
  maxEid: number;
  aliveCount: number;
  hashHi: number;
  hashLo: number;
}

export class SnapshotRing {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
  readonly blocks: readonly StateBlock[];
  private readonly header: Int32Array;
  private readonly meta: Int32Array;
  private readonly guarded: boolean;

  static bytes(schema: Schema, capacity: number, slots = RING_SLOTS): number {
    return (HEADER_WORDS + slots * META_WORDS) * 4 + slots * blockBytes(schema, capacity);
  }

  static create(schema: Schema, capacity: number, options: RingOptions = {}): SnapshotRing {
    const slots = options.slots ?? RING_SLOTS;
    const ring = new SnapshotRing(
      schema,
      capacity,
      new SharedArrayBuffer(SnapshotRing.bytes(schema, capacity, slots)),
      options,
    );
    Atomics.store(ring.header, 0, -1);
    for (let s = 0; s < slots; s++) ring.meta[s * META_WORDS + M_TICK] = -1;
    return ring;
  }

  constructor(
    readonly schema: Schema,
    readonly capacity: number,
    buffer: SharedArrayBuffer,
    options: RingOptions = {},
  ) {
    const slots = options.slots ?? RING_SLOTS;
    if (!Number.isInteger(slots) || slots < 2) throw new RangeError('SnapshotRing: options.slots must be an integer >= 2');
    if (buffer.byteLength !== SnapshotRing.bytes(schema, capacity, slots)) {
      throw new RangeError('SnapshotRing: buffer size does not match schema, capacity and slots');
    }
    this.buffer = buffer;
    this.slots = slots;
    this.guarded = options.unguarded !== true;
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    this.meta = new Int32Array(buffer, HEADER_WORDS * 4, slots * META_WORDS);
    const base = (HEADER_WORDS + slots * META_WORDS) * 4;
    const bb = blockBytes(schema, capacity);
    const blocks: StateBlock[] = [];
    for (let s = 0; s < slots; s++) blocks.push(blockViews(schema, capacity, buffer, base + s * bb));
    this.blocks = blocks;
  }

  slotOf(tick: number): number {
    return tick % this.slots;
  }

  /** Newest published tick, or -1 before the first publish. */
  newestTick(): number {
    return Atomics.load(this.header, 0);
  }

  /** Writer side: copy `src` (rows 0..maxEid) into the slot of `tick`. */
  publish(tick: number, src: StateBlock, info: Omit<SlotInfo, 'tick'>): void {
    const slot = this.slotOf(tick);
    const m = slot * META_WORDS;
    const dst = this.blocks[slot]!;
    const rows = info.maxEid + 1;
    Atomics.add(this.meta, m + M_SEQ, 1);
    dst.globals.set(src.globals);
    dst.order.set(src.order.subarray(0, rows));
    for (let i = 0; i < dst.fields.length; i++) {
      // the typed arrays of one field have the same element type in both blocks
      (dst.fields[i] as Uint8Array).set((src.fields[i] as Uint8Array).subarray(0, rows));
    }
    this.meta[m + M_TICK] = tick;
    this.meta[m + M_MAX_EID] = info.maxEid;
    this.meta[m + M_ALIVE] = info.aliveCount;
    this.meta[m + M_HASH_HI] = info.hashHi | 0;
    this.meta[m + M_HASH_LO] = info.hashLo | 0;
    Atomics.add(this.meta, m + M_SEQ, 1);
    Atomics.store(this.header, 0, tick);
  }

  /**
   * Reader side, step 1: returns a token (>= 0) when the slot holds `tick` and is stable,
   * or -1 when it does not (overwritten, never written, or being written right now).
   */
  beginRead(tick: number): number {
    const m = this.slotOf(tick) * META_WORDS;
    const seq = Atomics.load(this.meta, m + M_SEQ);
    if (!this.guarded) return 0;
    if (seq & 1) return -1;
    if (this.meta[m + M_TICK] !== tick) return -1;
    return seq;
  }

  /** Reader side, step 2: true when nothing was written to the slot since beginRead. */
  endRead(tick: number, token: number): boolean {
    if (!this.guarded) return true;
    return Atomics.load(this.meta, this.slotOf(tick) * META_WORDS + M_SEQ) === token;
  }

  /** Meta of the slot holding `tick`; only meaningful between beginRead and a true endRead. */
  info(tick: number): SlotInfo {
    const m = this.slotOf(tick) * META_WORDS;
    return {
      tick: this.meta[m + M_TICK]!,
      maxEid: this.meta[m + M_MAX_EID]!,
      aliveCount: this.meta[m + M_ALIVE]!,
      hashHi: this.meta[m + M_HASH_HI]! >>> 0,
      hashLo: this.meta[m + M_HASH_LO]! >>> 0,
    };
  }

  blockOf(tick: number): StateBlock {
    return this.blocks[this.slotOf(tick)]!;
  }

  /**
   * A consistent copy of the newest readable tick into `dst`, trying older ticks when the
   * newest is being overwritten. Returns the slot info, or null when nothing is readable.
   */
  copyNewest(dst: StateBlock): SlotInfo | null {
    const newest = this.newestTick();
    for (let t = newest; t >= 0 && t > newest - this.slots; t--) {
      const token = this.beginRead(t);
      if (token < 0) continue;
      const info = this.info(t);
      const src = this.blockOf(t);
      const rows = info.maxEid + 1;
      dst.globals.set(src.globals);
      dst.order.set(src.order.subarray(0, rows));
      for (let i = 0; i < dst.fields.length; i++) {
        const d = dst.fields[i] as Uint8Array;
        d.fill(0);
        d.set((src.fields[i] as Uint8Array).subarray(0, rows));
      }
      if (this.endRead(t, token)) return info;
    }
    return null;
  }
}
