// A 64-bit hash of the networked state, computed every tick: two independent 32-bit
// multiply-xorshift lanes over the raw bytes of every networked field (rows 0..maxEid, read
// as 32-bit words) and every networked global. Dead rows are zeroed on despawn, so hashing whole ranges is
// deterministic. Used by replay verification and, later, by host migration checks.

import type { StateBlock } from './layout.js';
import type { Schema } from './schema.js';

const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

export interface Hash64 {
  hi: number;
  lo: number;
}

// lane a: murmur3's block step; lane b: FNV-1a over words. Cheap, and independent enough
// that the two 32-bit halves do not collide together.
function mixLane(h: number, k: number, m: number): number {
  k = Math.imul(k, m);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fnvLane(h: number, k: number): number {
  return Math.imul(h ^ k, 0x01000193);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashState(schema: Schema, block: StateBlock, maxEid: number): Hash64 {
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

export function hashToHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}
