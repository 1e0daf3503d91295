// Which older acked ticks a client that takes predicted columns still holds, so that a delta
// may name one as its base2 (docs/snapshot-encoding.md "Predicted columns").
//
// With implicit acks (TCP, WebSocket: every snapshot written arrives, in order) the client
// keeps its two newest decoded states: base2 is the snapshot written before the base.
//
// With explicit acks (UDP) the client keeps the ticks it acked, and drops those below the
// base2 (or the base, when there is none) of each snapshot it receives. So the host keeps
// the acks it read and a floor, the highest such bound of the snapshots it sent (a snapshot
// lost on the way dropped nothing, which only leaves the client holding more): any ack at or
// above the floor is still held.

/** Acks remembered: enough to find one at least as far behind the base as the tick is ahead. */
const KEPT = 4;

export class AckedBases {
  /** Acked (or, implicit, written) ticks, ascending, the newest last. */
  private readonly ticks: number[] = [];
  private floor = -1;

  constructor(private readonly implicit: boolean) {}

  /** The client acks explicitly: any ack at or above the floor may be a delta's base. */
  get explicit(): boolean {
    return !this.implicit;
  }

  /** With explicit acks: the client still holds `t`, which may be a delta's base at `tick`. */
  holds(t: number, tick: number, slots: number): boolean {
    return !this.implicit && t >= this.floor && t < tick && tick - t < slots && this.ticks.includes(t);
  }

  /** The client acked `tick` (implicit: `tick` was written to it). */
  acked(tick: number): void {
    if (this.ticks.length > 0 && tick <= this.ticks[this.ticks.length - 1]!) return;
    this.ticks.push(tick);
    if (this.ticks.length > KEPT) this.ticks.shift();
  }

  /** The client holds none of its acks any more (it said ack -1). */
  reset(): void {
    this.ticks.length = 0;
    this.floor = -1;
  }

  /** A snapshot against `base` (and `base2`, -1: none) was sent. */
  sent(base: number, base2: number): void {
    if (!this.implicit && base >= 0) this.floor = Math.max(this.floor, base2 >= 0 ? base2 : base);
  }

  /**
   * The base2 for a delta of `tick` against `base`, or -1: an older tick the client holds,
   * within the ring's `slots`. The newest one at least as far behind the base as the tick
   * is ahead of it (the guess's error grows with (tick - base) / (base - base2)), else the
   * oldest held.
   */
  base2For(tick: number, base: number, slots: number): number {
    const t = this.ticks;
    if (this.implicit) {
      // the two newest states: the base and the snapshot written before it
      return t.length >= 2 && t[t.length - 1] === base && tick - t[t.length - 2]! < slots ? t[t.length - 2]! : -1;
    }
    let oldest = -1;
    for (let i = t.length - 1; i >= 0; i--) {
      const a = t[i]!;
      if (a >= base) continue;
      if (a < this.floor || tick - a >= slots) break;
      if (base - a >= tick - base) return a;
      oldest = a;
    }
    return oldest;
  }
}
