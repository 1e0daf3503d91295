// A network simulator for tests and benches: datagrams between named endpoints suffer
// latency, jitter, loss, duplication and reordering, decided by a seeded PRNG so a run can
// be replayed exactly. Time is whatever the caller says it is (`now` in ms): tests drive a
// virtual clock and stay deterministic; RealtimeLink (realtime.ts) drives it with timers.

/** mulberry32: small, fast, good enough to decide the fate of packets; never for crypto. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkConditions {
  /** One-way delay, ms (default 0). */
  latencyMs?: number;
  /** Each datagram's delay is latency +- up to this, uniformly (default 0). Jitter reorders. */
  jitterMs?: number;
  /** Probability a datagram is lost, 0..1 (default 0). */
  loss?: number;
  /** Probability a datagram arrives twice, 0..1 (default 0). */
  duplicate?: number;
  /** Probability a datagram is held back an extra `reorderMs` (default 0 / 2 x latency). */
  reorder?: number;
  reorderMs?: number;
}

export interface SimDatagram {
  from: string;
  to: string;
  bytes: Buffer;
  /** When it was sent and when it arrives (ms). */
  sentAt: number;
  at: number;
}

export interface SimStats {
  sent: number;
  lost: number;
  duplicated: number;
  delivered: number;
}

function check(c: LinkConditions): Required<LinkConditions> {
  const p = (name: keyof LinkConditions, v: number, max: number): number => {
    if (!(v >= 0 && v <= max)) throw new RangeError(`${name} must be between 0 and ${max}, got ${v}`);
    return v;
  };
  const latencyMs = p('latencyMs', c.latencyMs ?? 0, 60_000);
  return {
    latencyMs,
    jitterMs: p('jitterMs', c.jitterMs ?? 0, latencyMs),
    loss: p('loss', c.loss ?? 0, 1),
    duplicate: p('duplicate', c.duplicate ?? 0, 1),
    reorder: p('reorder', c.reorder ?? 0, 1),
    reorderMs: p('reorderMs', c.reorderMs ?? 2 * latencyMs, 60_000),
  };
}

export class NetSim {
  private readonly random: () => number;
  private readonly conditions: Required<LinkConditions>;
  /** In flight, kept sorted by arrival time (then by send order: stable). */
  private queue: SimDatagram[] = [];
  readonly stats: SimStats = { sent: 0, lost: 0, duplicated: 0, delivered: 0 };

  constructor(conditions: LinkConditions = {}, seed = 1) {
    this.conditions = check(conditions);
    this.random = seededRandom(seed);
  }

  /** Put a datagram on the wire at time `now`. It is copied: the sender may reuse its buffer. */
  send(from: string, to: string, bytes: Uint8Array, now: number): void {
    const c = this.conditions;
    this.stats.sent++;
    if (this.random() < c.loss) {
      this.stats.lost++;
      return;
    }
    const copies = this.random() < c.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = c.latencyMs + (this.random() * 2 - 1) * c.jitterMs;
      if (this.random() < c.reorder) delay += c.reorderMs;
      this.insert({ from, to, bytes: Buffer.from(bytes), sentAt: now, at: now + Math.max(0, delay) });
    }
  }

  /** Datagrams that have arrived by `now`, in arrival order; they leave the wire. */
  deliver(now: number): SimDatagram[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.at <= now) n++;
    const out = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    this.stats.delivered += out.length;
    return out;
  }

  /** When the next datagram arrives (Infinity: none in flight). */
  nextArrival(): number {
    return this.queue[0]?.at ?? Infinity;
  }

  get inFlight(): number {
    return this.queue.length;
  }

  private insert(d: SimDatagram): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.queue[mid]!.at <= d.at) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, d);
  }
}
