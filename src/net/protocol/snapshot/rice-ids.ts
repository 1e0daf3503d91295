// Ascending entity ids as Rice-coded gaps: the id lists of snapshot parts (./fragments.ts).
// A part lists the entities of one interest cell, a few dozen to a few hundred ids spread over
// the whole id range; a bitmap would cost top / 8 bytes for each, a list 2 bytes an id.
// Rice codes the gaps in about log2(mean gap) + 2 bits each (a cell of 40 ids among 12,000:
// 10 bits an id, against 16 for a list of u16).
//
//   bin = k (1 byte, 0..24) | n (unsigned LEB128, n >= 1) | n codes | zero bits to the byte
//
//   code of a gap g >= 1 (the first gap is the first id, each next one id - previous id):
//     q = (g - 1) >> k   as q one-bits and a zero-bit
//     (g - 1) & (2^k - 1) as k bits, most significant first
//   bits fill each byte from its most significant bit
//
//   ids 5, 6, 300 (gaps 5, 1, 294), k = 6:
//     06 03 | 0 000100  0 000000  11110 100101 | 0000000  ->  06 03 08 03 d2 80
//
// The encoder tries the k around log2(mean gap) and keeps the shortest.

/** The LEB128 bytes of n. */
function lebBytes(n: number): number {
  let b = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    b++;
  }
  return b;
}

/** Bits of the n gaps coded with parameter k. */
function codeBits(ids: ArrayLike<number>, n: number, k: number): number {
  let bits = n * (k + 1);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    bits += (ids[i]! - prev - 1) >>> k;
    prev = ids[i]!;
  }
  return bits;
}

/** The best k for these ids, and the bytes they take with it. */
export function riceSize(ids: ArrayLike<number>, n: number): { k: number; bytes: number } {
  const k0 = Math.max(0, Math.floor(Math.log2(Math.max(1, ids[n - 1]! / n))));
  let best = { k: 0, bits: Infinity };
  for (let k = Math.max(0, k0 - 1); k <= Math.min(24, k0 + 1); k++) {
    const bits = codeBits(ids, n, k);
    if (bits < best.bits) best = { k, bits };
  }
  return { k: best.k, bytes: 1 + lebBytes(n) + ((best.bits + 7) >> 3) };
}

/** Write ids[0..n) (ascending, >= 1, n >= 1) into `out` (at least riceSize bytes); returns the bytes written. */
export function writeRiceIds(ids: ArrayLike<number>, n: number, k: number, out: Uint8Array): number {
  let at = 0;
  out[at++] = k;
  for (let v = n; ; v = Math.floor(v / 0x80)) {
    if (v < 0x80) {
      out[at++] = v;
      break;
    }
    out[at++] = (v & 0x7f) | 0x80;
  }
  let acc = 0; // pending bits, fewer than 8 between writes
  let held = 0;
  const put = (value: number, count: number) => {
    // count <= 24 and held < 8: the accumulator never passes 31 bits
    acc = (acc << count) | value;
    held += count;
    while (held >= 8) {
      held -= 8;
      out[at++] = (acc >>> held) & 0xff;
    }
    acc &= (1 << held) - 1;
  };
  const low = (1 << k) - 1;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const v = ids[i]! - prev - 1;
    prev = ids[i]!;
    let q = v >>> k;
    while (q > 24) {
      put(0xffffff, 24);
      q -= 24;
    }
    put((1 << q) - 1, q);
    put(0, 1);
    if (k > 0) put(v & low, k);
  }
  if (held > 0) out[at++] = (acc << (8 - held)) & 0xff;
  return at;
}

/**
 * Read a Rice-coded id list into `out` (room for the bin's length * 8 ids); returns the
 * count, or a string saying why the bytes are not a valid list of ids in 1..max.
 */
export function readRiceIds(bin: Uint8Array, max: number, out: Uint32Array): number | string {
  if (bin.length < 2) return 'ids must hold k, n and the codes';
  const k = bin[0]!;
  if (k > 24) return `ids: k ${k} over 24`;
  let at = 1;
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= bin.length || shift > 28) return 'ids: n is not a number';
    const b = bin[at++]!;
    n += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (n < 1 || n > (bin.length - at) * 8 || n > max) return `ids: ${n} ids cannot be in ${bin.length} bytes and 1..${max}`;
  let bit = at * 8; // the next bit to read
  const end = bin.length * 8;
  const next = () => (bin[bit >> 3]! >> (7 - (bit++ & 7))) & 1;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (;;) {
      if (bit >= end) return 'ids end inside a code';
      if (next() === 0) break;
      q++;
    }
    if (bit + k > end) return 'ids end inside a code';
    let r = 0;
    for (let j = 0; j < k; j++) r = r * 2 + next();
    const id = prev + q * 2 ** k + r + 1;
    if (id > max) return `ids: id ${id} over ${max}`;
    out[i] = id;
    prev = id;
  }
  // what follows the last code: zero bits to the end of its byte, nothing more
  if (end - bit >= 8) return 'ids: bytes after the last code';
  while (bit < end) if (next() !== 0) return 'ids: padding bits are not zero';
  return n;
}
