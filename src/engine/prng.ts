// sfc32: a small, fast, well-tested 32-bit PRNG. Its whole state (four u32 words) lives in the
// world's globals, so it is published with every snapshot, replayed exactly from a recording,
// and carried across a watchdog restart or a host migration. The simulation never calls
// Math.random().

export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
}

/** Expand a 32-bit seed into a state, then discard the first outputs as sfc32 recommends. */
export function seedRng(seed: number): RngState {
  const s: RngState = { a: 0x9e3779b9, b: 0x243f6a88, c: 0xb7e15162, d: seed >>> 0 };
  for (let i = 0; i < 12; i++) nextU32(s);
  return s;
}

export function nextU32(s: RngState): number {
  const t = (((s.a + s.b) | 0) + s.d) | 0;
  s.d = (s.d + 1) | 0;
  s.a = s.b ^ (s.b >>> 9);
  s.b = (s.c + (s.c << 3)) | 0;
  s.c = (s.c << 21) | (s.c >>> 11);
  s.c = (s.c + t) | 0;
  return t >>> 0;
}

/** Uniform float in [0, 1). */
export function nextFloat(s: RngState): number {
  return nextU32(s) / 4294967296;
}

/** Uniform integer in [lo, hi). */
export function nextInt(s: RngState, lo: number, hi: number): number {
  return lo + Math.floor(nextFloat(s) * (hi - lo));
}
