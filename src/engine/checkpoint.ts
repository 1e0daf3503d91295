// A checkpoint: the whole state of one tick as bytes (globals, entity order, every field for
// rows 0..maxEid). Taken from a consistent ring slot; loaded into a block to resume there.
// Host migration ships these to the backups; recordings embed them after a restart.

import type { StateBlock } from './layout.js';
import type { SnapshotRing } from './snapshot-ring.js';

export interface Checkpoint {
  tick: number;
  maxEid: number;
  globals: Float64Array;
  order: Uint8Array;
  fields: Uint8Array[];
}

const bytesOf = (a: ArrayBufferView, n: number) => new Uint8Array(a.buffer, a.byteOffset, n);

/** Copy rows 0..maxEid of a block (copies: the result owns its memory). */
export function checkpointOfBlock(block: StateBlock, tick: number, maxEid: number): Checkpoint {
  const rows = maxEid + 1;
  return {
    tick,
    maxEid,
    globals: Float64Array.from(block.globals),
    order: bytesOf(block.order, rows * 4).slice(),
    fields: block.fields.map((f) => bytesOf(f, rows * f.BYTES_PER_ELEMENT).slice()),
  };
}

/** The newest consistent tick of a ring, or null when none is readable right now. */
export function checkpointOfRing(ring: SnapshotRing): Checkpoint | null {
  const newest = ring.newestTick();
  for (let t = newest; t >= 0 && t > newest - ring.slots; t--) {
    const token = ring.beginRead(t);
    if (token < 0) continue;
    const cp = checkpointOfBlock(ring.blockOf(t), t, ring.info(t).maxEid);
    if (ring.endRead(t, token)) return cp;
  }
  return null;
}

/** Overwrite a block with a checkpoint (rows past maxEid are cleared). */
export function loadCheckpoint(cp: Checkpoint, block: StateBlock): void {
  block.globals.set(cp.globals.subarray(0, block.globals.length));
  const put = (dst: ArrayBufferView, src: Uint8Array) => {
    const view = bytesOf(dst, dst.byteLength);
    view.fill(0);
    view.set(src.subarray(0, view.length));
  };
  put(block.order, cp.order);
  cp.fields.forEach((f, i) => put(block.fields[i]!, f));
}
