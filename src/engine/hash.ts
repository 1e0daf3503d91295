// A 64-bit hash of the networked state, computed every tick: two independent 32-bit
// multiply-xorshift lanes over the raw bits of every networked field (rows 1..maxEid) and
// every networked global. Dead rows are zeroed on despawn, so hashing whole ranges is
// deterministic. Used by replay verification and, later, by host migration checks.

import type { StateBlock } from './layout.js';
import type { Schema } from './schema.js';

const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

export interface Hash64 {
  hi: number;
  lo: number;
}

function mixLane(h: number, k: number, m: number): number {
  k = Math.imul(k, m);
  k ^= k >>> 15;
  h = Math.imul(h ^ k, 0x85ebca6b);
  return (h << 13) | (h >>> 19);
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
    a = mixLane(a, scratchWords[0]!, 0xcc9e2d51);
    b = mixLane(b, scratchWords[1]!, 0x1b873593);
  }
  const n = maxEid + 1;
  for (let i = 0; i < schema.fields.length; i++) {
    const f = schema.fields[i]!;
    if (!f.networked) continue;
    const arr = block.fields[i]!;
    // floats are hashed by their bits, integers by value
    const words = f.type === 'f32' ? new Int32Array(arr.buffer, arr.byteOffset, n) : arr;
    for (let e = 1; e < n; e++) {
      const v = words[e]! | 0;
      a = mixLane(a, v, 0xcc9e2d51);
      b = mixLane(b, v ^ e, 0x1b873593);
    }
  }
  return { hi: fmix(a ^ n), lo: fmix(b ^ (n * 31)) };
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
