// Predicted columns (layout: the comment at the top of ./index.ts; docs/snapshot-encoding.md
// "Predicted columns" has a worked example). Things in a game mostly keep moving the way they
// moved: a drone drifts, a laser flies, a player holds a key. A client that holds two acked
// states, of ticks base2 < base, can extrapolate each value to the new tick; the host sends
// only how far the truth is from that guess, in as few bits as the column needs. For
// drones the guess is off by at most a step or two of the quantization (rounding), so each
// value takes 2 or 3 bits where a difference from the base took 8 and a whole value 16.
//
//   prediction P = h + floor((2 (h - h2) (tick - base) + (base - base2)) / (2 (base - base2)))
//                  h, h2: the entity's wire values at base and base2 (signed for i16 / i32),
//                  when it is live in base2 with the same gen byte as in base; else P = h
//   residual     = new wire value - P, stored in k bits, two's complement, LSB first
//
// Integer arithmetic only (the quotient rounded half up): any language gets the same P.

/** Bits per residual a predicted column may use. */
export const MAX_RESIDUAL_BITS = 8;

/** The prediction of a wire value from its values at base (h) and base2 (h2): see above. */
export function predict(h: number, h2: number, num: number, den: number): number {
  return h + Math.floor((2 * (h - h2) * num + den) / (2 * den));
}

/** Bits (1..) a two's complement integer needs: 0 and -1 take 1, 1 and -2 take 2, ... */
export function signedBits(r: number): number {
  return 33 - Math.clz32(r < 0 ? ~r : r);
}

/** Bytes of n residuals of k bits. */
export const packedBytes = (n: number, k: number): number => (n * k + 7) >> 3;

/** Write n residuals (each fitting k bits) into out, LSB first: every one of its packedBytes(n, k) bytes, the padding bits 0. */
export function packResiduals(r: Int32Array, n: number, k: number, out: Uint8Array): void {
  const mask = (1 << k) - 1;
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    acc |= (r[i]! & mask) << bits;
    bits += k;
    while (bits >= 8) {
      out[at++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[at] = acc & 0xff;
}

/** Read residual i (k bits, sign-extended) of a packed column (the decoder reads them in order, as a stream; this is the one-at-a-time reference). */
export function residualAt(p: Uint8Array, i: number, k: number): number {
  const bit = i * k;
  const byte = bit >> 3;
  // k <= 8 bits starting anywhere in a byte span at most two bytes
  const word = p[byte]! | ((p[byte + 1] ?? 0) << 8);
  const v = (word >> (bit & 7)) & ((1 << k) - 1);
  return (v << (32 - k)) >> (32 - k);
}
