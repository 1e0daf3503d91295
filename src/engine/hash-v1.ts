// The first state hash (recordings of version 1): two 32-bit multiply-xorshift lanes over the
// raw bytes of every networked field (rows 0..maxEid, read as 32-bit words) and the tick, in
// one sequential pass. Kept only so that version 1 recordings still replay; the engine hashes
// with hash.ts.

import { fmix, fnvLane, mixLane, type Hash64 } from './hash.js';
import type { StateBlock } from './layout.js';
import type { Schema } from './schema.js';

const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

export function hashStateV1(schema: Schema, block: StateBlock, maxEid: number): Hash64 {
  let a = 0x811c9dc5 | 0;
  let b = 0x1b873593 | 0;
  for (let g = 0; g < schema.globalNames.length; g++) {
    if (!isNetworkedGlobal(schema, g)) continue;
    scratch[0] = block.globals[g]!;
    a = mixLane(mixLane(a, scratchWords[0]!, 0xcc9e2d51), scratchWords[1]!, 0xcc9e2d51);
    b = fnvLane(fnvLane(b, scratchWords[0]!), scratchWords[1]!);
  }
  const rows = maxEid + 1;
  for (let i = 0; i < schema.fields.length; i++) {
    const f = schema.fields[i]!;
    if (!f.networked) continue;
    // every field is hashed as the 32-bit words of its bytes for rows 0..maxEid: one
    // monomorphic loop whatever the element type, and narrow fields cost less
    const arr = block.fields[i]!;
    const bytes = rows * f.bytes;
    const words = bytes >>> 2;
    const w32 = new Int32Array(arr.buffer, arr.byteOffset, words);
    for (let k = 0; k < words; k++) {
      const v = w32[k]!;
      a = mixLane(a, v, 0xcc9e2d51);
      b = fnvLane(b, v);
    }
    if (bytes & 3) {
      let tail = 0;
      const u8 = new Uint8Array(arr.buffer, arr.byteOffset + words * 4, bytes & 3);
      for (let k = 0; k < u8.length; k++) tail |= u8[k]! << (k * 8);
      a = mixLane(a, tail, 0xcc9e2d51);
      b = fnvLane(b, tail);
    }
  }
  return { hi: fmix(a ^ rows), lo: fmix(b ^ (rows * 31)) };
}

const networkedGlobals = new WeakMap<Schema, boolean[]>();
function isNetworkedGlobal(schema: Schema, g: number): boolean {
  let flags = networkedGlobals.get(schema);
  if (!flags) {
    // engine globals: only the tick is part of the networked state
    flags = schema.globalNames.map((name, i) => (i === 0 ? true : schema.spec.globals[name]?.networked === true));
    networkedGlobals.set(schema, flags);
  }
  return flags[g]!;
}
