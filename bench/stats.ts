/** Linear-interpolated quantile (q in [0, 1]) of unsorted samples; NaN when empty. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);

/** Round to `digits` decimals (results files stay readable). */
export const round = (v: number, digits = 4): number => Number(v.toFixed(digits));
