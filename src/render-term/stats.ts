// Rates for the HUD (snapshots per second, KB/s in) from cumulative counters, over a
// sliding window. Pure: the caller passes the time.

export class RateMeter {
  private readonly samples: { t: number; v: number }[] = [];

  constructor(private readonly windowMs = 1000) {}

  /** The counter's running total at time `now` (ms). */
  add(now: number, total: number): void {
    this.samples.push({ t: now, v: total });
    // keep one sample at or before the window's start, so the rate covers the whole window
    while (this.samples.length > 2 && this.samples[1]!.t <= now - this.windowMs) this.samples.shift();
  }

  /** Units per second over the window (0 until two samples). */
  rate(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0]!;
    const b = this.samples[this.samples.length - 1]!;
    return b.t > a.t ? ((b.v - a.v) * 1000) / (b.t - a.t) : 0;
  }

  reset(): void {
    this.samples.length = 0;
  }
}
