// The rate of WebSocket upgrades, per remote address: a token bucket each, so that one
// guest's upgrade flood is refused (503) while every other guest's page still connects and
// reconnects. The map is bounded: full buckets are forgotten first (a new one is the same),
// then the oldest, so addresses cannot grow it without end.

/** Addresses remembered at most. */
const MAX_ADDRESSES = 4096;

interface Bucket {
  tokens: number;
  at: number;
}

export class UpgradeBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** One upgrade from `address` at `now` (ms): false when the address is over its rate. */
  take(address: string, now: number): boolean {
    let b = this.buckets.get(address);
    if (b === undefined) {
      if (this.buckets.size >= MAX_ADDRESSES) this.prune(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(address, b);
    } else {
      b.tokens = this.refilled(b, now);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(b: Bucket, now: number): number {
    return Math.min(this.burst, b.tokens + ((now - b.at) * this.perSecond) / 1000);
  }

  private prune(now: number): void {
    for (const [a, b] of this.buckets) if (this.refilled(b, now) >= this.burst) this.buckets.delete(a);
    // Map keeps insertion order: the first entries are the oldest addresses
    for (const a of this.buckets.keys()) {
      if (this.buckets.size < MAX_ADDRESSES) break;
      this.buckets.delete(a);
    }
  }
}
