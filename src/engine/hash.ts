// The 64-bit hash of the simulation state after every tick (version 2), what replay checks.
// It covers every engine global (the tick, the PRNG, the entity counts), the networked game
// globals, and the bytes of every networked field for rows 0..maxEid (dead rows are zeroed on
// despawn, so whole ranges hash deterministically).
//
//   field i, bytes [0, rows * size):   | chunk 0 | chunk 1 | ... | chunk n-1 (may be short) |
//                                        CHUNK_BYTES each, hashed as 32-bit words (+ tail bytes)
//   chunks numbered g = 0, 1, 2, ... across the fields in table order
//
//   round = max(1, ceil(all chunks / chunksPerTick))        (1 while the state is small)
//   hash(tick) = fold(globals; round, tick % round; for each field: its chunks with
//                     g % round == tick % round, as (a, b) pairs; the field's length)
//
// Small states are hashed whole every tick. A state of more than chunksPerTick chunks
// (HASH_CHUNKS_PER_TICK, 512 KiB, by default: a shooter of ~18,000 entities) is covered in
// turns: each tick hashes the globals and one chunk in `round`, so every byte is checked once
// every `round` ticks and the tick's cost stays flat. The hash stays a function of the state
// and the tick alone, so replay (which uses the recording's chunksPerTick) and restored worlds
// compute exactly the same values; a divergence in the globals (the PRNG above all) shows at
// once, one in a field within `round` ticks.
//
// Chunk hashes are folded rather than one stream so that a chunk that did not change need not
// be hashed again: StateHasher (state-hasher.ts) keeps each chunk's hash with a copy of the
// bytes it hashed and rehashes only chunks whose bytes differ from that copy, giving exactly
// what hashState below computes from scratch. Chunks are hashed with four interleaved
// accumulators per lane, so the work is not one long chain of dependent multiplies.

import type { StateBlock } from './layout.js';
import type { Schema } from './schema.js';

export interface Hash64 {
  hi: number;
  lo: number;
}

export const CHUNK_BYTES = 4096;
/** Chunks hashed per tick at most, by default (see the header). */
export const HASH_CHUNKS_PER_TICK = 128;

const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

/** murmur3's block step: one word into a lane. */
export function mixLane(h: number, k: number, m: number): number {
  k = Math.imul(k, m);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** FNV-1a over a word. */
export function fnvLane(h: number, k: number): number {
  return Math.imul(h ^ k, 0x01000193);
}

export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where hashChunk puts its two lanes (no allocation per chunk). */
export const chunkOut = new Int32Array(2);

/**
 * The two lanes of bytes [start, end) of a field: `words` views the field as 32-bit words,
 * `bytes` as bytes (for the tail of a length that is not a multiple of 4); start is a multiple
 * of 4. Lane a: xor, rotate, multiply (the rotation carries high bits down); lane b: add,
 * multiply, xorshift. Each keeps four accumulators over the words k = 0, 1, 2, 3 (mod 4).
 */
export function hashChunk(words: Int32Array, bytes: Uint8Array, start: number, end: number): void {
  let a0 = 0x243f6a88 | 0, a1 = 0x85a308d3 | 0, a2 = 0x13198a2e | 0, a3 = 0x03707344 | 0;
  let b0 = 0xa4093822 | 0, b1 = 0x299f31d0 | 0, b2 = 0x082efa98 | 0, b3 = 0xec4e6c89 | 0;
  const from = start >>> 2;
  const to = end >>> 2;
  let k = from;
  for (const last = to - 3; k < last; k += 4) {
    const v0 = words[k]!, v1 = words[k + 1]!, v2 = words[k + 2]!, v3 = words[k + 3]!;
    let x = a0 ^ v0;
    a0 = Math.imul((x << 13) | (x >>> 19), 0x9e3779b1);
    x = a1 ^ v1;
    a1 = Math.imul((x << 13) | (x >>> 19), 0x9e3779b1);
    x = a2 ^ v2;
    a2 = Math.imul((x << 13) | (x >>> 19), 0x9e3779b1);
    x = a3 ^ v3;
    a3 = Math.imul((x << 13) | (x >>> 19), 0x9e3779b1);
    b0 = Math.imul((b0 + v0) | 0, 0x85ebca77);
    b0 ^= b0 >>> 15;
    b1 = Math.imul((b1 + v1) | 0, 0x85ebca77);
    b1 ^= b1 >>> 15;
    b2 = Math.imul((b2 + v2) | 0, 0x85ebca77);
    b2 ^= b2 >>> 15;
    b3 = Math.imul((b3 + v3) | 0, 0x85ebca77);
    b3 ^= b3 >>> 15;
  }
  // the last 0-3 words, then the 0-3 tail bytes as one word, into the first accumulators
  let tail = 0;
  for (let t = to << 2; t < end; t++) tail |= bytes[t]! << ((t & 3) * 8);
  for (; k <= to; k++) {
    const v = k < to ? words[k]! : tail;
    const x = a0 ^ v;
    a0 = Math.imul((x << 13) | (x >>> 19), 0x9e3779b1);
    b0 = Math.imul((b0 + v) | 0, 0x85ebca77);
    b0 ^= b0 >>> 15;
  }
  const n = end - start;
  chunkOut[0] = mixLane(mixLane(mixLane(mixLane(n, a0, 0xcc9e2d51), a1, 0xcc9e2d51), a2, 0xcc9e2d51), a3, 0xcc9e2d51);
  chunkOut[1] = mixLane(mixLane(mixLane(mixLane(n, b0, 0x1b873593), b1, 0x1b873593), b2, 0x1b873593), b3, 0x1b873593);
}

/** The networked fields' indices in block.fields, per schema (the hash skips the others). */
const networkedFieldsOf = new WeakMap<Schema, number[]>();
export function networkedFields(schema: Schema): number[] {
  let out = networkedFieldsOf.get(schema);
  if (!out) {
    out = schema.fields.flatMap((f, i) => (f.networked ? [i] : []));
    networkedFieldsOf.set(schema, out);
  }
  return out;
}

/** The globals the hash covers, per schema: every engine global and the networked game ones. */
const hashedGlobalsOf = new WeakMap<Schema, number[]>();
function hashedGlobals(schema: Schema): number[] {
  let out = hashedGlobalsOf.get(schema);
  if (!out) {
    out = schema.globalNames.flatMap((name, g) => (!(name in schema.spec.globals) || schema.spec.globals[name]?.networked === true ? [g] : []));
    hashedGlobalsOf.set(schema, out);
  }
  return out;
}

/** Lanes (a, b) during a fold; `begin` resets them to the globals' fold. */
export class Fold {
  a = 0;
  b = 0;

  /** Fold the globals and the round; returns the round (see the header). */
  begin(schema: Schema, globals: Float64Array, maxEid: number, chunksPerTick: number): number {
    let a = 0x811c9dc5 | 0;
    let b = 0x1b873593 | 0;
    for (const g of hashedGlobals(schema)) {
      scratch[0] = globals[g]!;
      a = mixLane(mixLane(a, scratchWords[0]!, 0xcc9e2d51), scratchWords[1]!, 0xcc9e2d51);
      b = fnvLane(fnvLane(b, scratchWords[0]!), scratchWords[1]!);
    }
    this.a = a;
    this.b = b;
    const round = hashRound(schema, maxEid, chunksPerTick);
    this.add(round, globals[0]! % round);
    return round;
  }

  /** One chunk's lanes, or (with its length) the end of a field. */
  add(x: number, y: number): void {
    this.a = mixLane(this.a, x, 0xcc9e2d51);
    this.b = mixLane(this.b, y, 0x1b873593);
  }

  end(): Hash64 {
    return { hi: fmix(this.a), lo: fmix(this.b) };
  }
}

/** How many ticks it takes to hash every chunk of rows 0..maxEid (1: all of them every tick). */
export function hashRound(schema: Schema, maxEid: number, chunksPerTick: number): number {
  let chunks = 0;
  for (const i of networkedFields(schema)) chunks += Math.ceil(((maxEid + 1) * schema.fields[i]!.bytes) / CHUNK_BYTES);
  return Math.max(1, Math.ceil(chunks / chunksPerTick));
}

/** The state hash computed from scratch (what StateHasher must always equal). */
export function hashState(schema: Schema, block: StateBlock, maxEid: number, chunksPerTick = HASH_CHUNKS_PER_TICK): Hash64 {
  const fold = new Fold();
  const round = fold.begin(schema, block.globals, maxEid, chunksPerTick);
  const turn = block.globals[0]! % round;
  const rows = maxEid + 1;
  let g = 0;
  for (const i of networkedFields(schema)) {
    const arr = block.fields[i]!;
    const len = rows * arr.BYTES_PER_ELEMENT;
    const words = new Int32Array(arr.buffer, arr.byteOffset, arr.byteLength >>> 2);
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    for (let start = 0; start < len; start += CHUNK_BYTES, g++) {
      if (g % round !== turn) continue;
      hashChunk(words, bytes, start, Math.min(start + CHUNK_BYTES, len));
      fold.add(chunkOut[0]!, chunkOut[1]!);
    }
    fold.add(len, i);
  }
  return fold.end();
}

export function hashToHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}
