// Fixed-step pacing. Tick N (counted from the loop's origin) is due at origin + N / hz
// seconds on a monotonic clock, so after any pump the number of ticks run plus the number
// skipped equals floor(elapsed * hz): no setInterval drift, by construction. A late pump
// catches up at most `maxCatchUp` ticks at once; ticks further behind are skipped and
// counted (the origin moves forward by them), never silently dropped.
//
// The clock is injected, so pacing is tested by moving a fake clock, not by sleeping.

export type Clock = () => number; // milliseconds, monotonic

export const monotonicClock: Clock = () => performance.now();

export interface TickLoopOptions {
  hz?: number;
  maxCatchUp?: number;
  clock?: Clock;
}

export class TickLoop {
  readonly hz: number;
  readonly stepMs: number;
  readonly maxCatchUp: number;
  private readonly clock: Clock;
  private origin: number;
  /** Ticks run since the origin was set (skipped ones excluded). */
  private ran = 0;
  skipped = 0;

  constructor(options: TickLoopOptions = {}) {
    this.hz = options.hz ?? 60;
    if (!(this.hz > 0 && this.hz <= 1000)) throw new RangeError('TickLoop: options.hz must be in (0, 1000]');
    this.maxCatchUp = options.maxCatchUp ?? 5;
    if (!Number.isInteger(this.maxCatchUp) || this.maxCatchUp < 1) {
      throw new RangeError('TickLoop: options.maxCatchUp must be an integer >= 1');
    }
    this.clock = options.clock ?? monotonicClock;
    this.stepMs = 1000 / this.hz;
    this.origin = this.clock();
  }

  /** How many ticks are due now; the caller runs exactly that many. Skips are counted here. */
  due(): number {
    // multiply rather than divide by stepMs: 1000 ms must be exactly 60 ticks, not 59.999...
    const elapsedTicks = Math.floor(((this.clock() - this.origin) * this.hz) / 1000 + 1e-9);
    let behind = elapsedTicks - this.ran - this.skipped;
    if (behind > this.maxCatchUp) {
      this.skipped += behind - this.maxCatchUp;
      behind = this.maxCatchUp;
    }
    return behind > 0 ? behind : 0;
  }

  /**
   * Time stood still (an idle simulation slept): the next tick is due one step from now,
   * and the pause is neither caught up nor counted as skipped.
   */
  resume(): void {
    this.origin = this.clock() - (this.ran + this.skipped) * this.stepMs;
  }

  /** The caller ran one due tick. */
  ticked(): void {
    this.ran++;
  }

  get ticksRun(): number {
    return this.ran;
  }

  /** Milliseconds until the next tick is due (0 when one is due now). */
  msUntilNext(): number {
    const next = this.origin + (this.ran + this.skipped + 1) * this.stepMs;
    return Math.max(0, next - this.clock());
  }
}
