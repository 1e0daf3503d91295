// Snapshots larger than one datagram are cut into fragments and put back together.
//
// The receiving side keeps at most `maxSets` incomplete snapshots (the newest ticks win),
// each at most MAX_FRAGMENTS x MAX_FRAGMENT_PAYLOAD bytes, each for at most `timeoutMs`:
// a peer sending huge counts or sets it never completes (a fragment bomb) costs bounded
// memory and each excess fragment is dropped with a reason. A snapshot older than the
// newest completed one is useless (deltas go forward) and dropped as stale.

import { MAX_FRAGMENT_PAYLOAD, MAX_FRAGMENTS, UdpDrop } from '../protocol/udp.js';

/** Cut an encoded snapshot into fragment payloads (at least one). */
export function splitSnapshot(bytes: Uint8Array): Uint8Array[] {
  const count = Math.max(1, Math.ceil(bytes.length / MAX_FRAGMENT_PAYLOAD));
  if (count > MAX_FRAGMENTS) throw new RangeError(`snapshot of ${bytes.length} bytes needs ${count} fragments, over ${MAX_FRAGMENTS}`);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) parts.push(bytes.subarray(i * MAX_FRAGMENT_PAYLOAD, (i + 1) * MAX_FRAGMENT_PAYLOAD));
  return parts;
}

interface PartialSet {
  count: number;
  /** Part i at i x MAX_FRAGMENT_PAYLOAD (every part but the last is that long): no join at the end. */
  whole: Buffer;
  /** Which parts arrived. */
  got: Uint8Array;
  /** Length of the last part, once it arrived. */
  lastBytes: number;
  have: number;
  bytes: number;
  startedAt: number;
}

export type FragmentResult = { done: Uint8Array } | { pending: true } | { drop: UdpDrop };

export interface ReassemblerOptions {
  /** Incomplete snapshots kept at once (default 4). */
  maxSets?: number;
  /** An incomplete snapshot is thrown away after this (default 250 ms: 15 ticks, long superseded). */
  timeoutMs?: number;
}

export class Reassembler {
  private readonly sets = new Map<number, PartialSet>();
  private readonly maxSets: number;
  private readonly timeoutMs: number;
  /** Newest tick completed: anything at or before it is stale. */
  newestDone = -1;
  /** Incomplete sets thrown away (timed out or pushed out by newer ones). */
  expired = 0;

  constructor(opts: ReassemblerOptions = {}) {
    this.maxSets = opts.maxSets ?? 4;
    this.timeoutMs = opts.timeoutMs ?? 250;
    if (!(this.maxSets >= 1)) throw new RangeError('maxSets must be at least 1');
    if (!(this.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  }

  /** Bytes held by incomplete sets (bounded by maxSets x 64 x 1,200). */
  get heldBytes(): number {
    let n = 0;
    for (const s of this.sets.values()) n += s.bytes;
    return n;
  }

  get heldSets(): number {
    return this.sets.size;
  }

  add(tick: number, index: number, count: number, bytes: Uint8Array, now: number): FragmentResult {
    this.expire(now);
    if (tick <= this.newestDone) return { drop: UdpDrop.STALE_SEQUENCE };
    if (count < 1 || count > MAX_FRAGMENTS || index >= count || bytes.length > MAX_FRAGMENT_PAYLOAD) {
      return { drop: UdpDrop.BAD_FRAGMENT };
    }
    // every fragment but the last is full: a short middle part is a forgery or a bug
    if (index < count - 1 && bytes.length !== MAX_FRAGMENT_PAYLOAD) return { drop: UdpDrop.BAD_FRAGMENT };
    if (count === 1) return this.complete(tick, bytes);
    let set = this.sets.get(tick);
    if (!set) {
      if (this.sets.size >= this.maxSets) {
        const oldest = Math.min(...this.sets.keys());
        if (tick < oldest) return { drop: UdpDrop.FRAGMENT_LIMIT };
        this.sets.delete(oldest);
        this.expired++;
      }
      set = { count, whole: Buffer.allocUnsafe(count * MAX_FRAGMENT_PAYLOAD), got: new Uint8Array(count), lastBytes: 0, have: 0, bytes: 0, startedAt: now };
      this.sets.set(tick, set);
    } else if (set.count !== count) {
      return { drop: UdpDrop.BAD_FRAGMENT };
    }
    if (set.got[index]) return { drop: UdpDrop.REPLAYED };
    // copied into the set's buffer: the datagram's buffer is not ours to keep
    set.whole.set(bytes, index * MAX_FRAGMENT_PAYLOAD);
    set.got[index] = 1;
    if (index === count - 1) set.lastBytes = bytes.length;
    set.have++;
    set.bytes += bytes.length;
    if (set.have < set.count) return { pending: true };
    this.sets.delete(tick);
    return this.complete(tick, set.whole.subarray(0, (count - 1) * MAX_FRAGMENT_PAYLOAD + set.lastBytes));
  }

  /**
   * A PAIR: snapshot `tick` whole, and a copy of `tick - 1`. Both are new unless completed
   * already: the copy stands in for a lost or late datagram of the previous snapshot.
   */
  addPair(tick: number, bytes: Uint8Array, previous: Uint8Array, now: number): { done: { tick: number; bytes: Uint8Array }[] } | { drop: UdpDrop } {
    this.expire(now);
    if (tick <= this.newestDone) return { drop: UdpDrop.STALE_SEQUENCE };
    const done = tick - 1 > this.newestDone ? [{ tick: tick - 1, bytes: previous }] : [];
    done.push({ tick, bytes });
    this.complete(tick, bytes);
    return { done };
  }

  private complete(tick: number, whole: Uint8Array): FragmentResult {
    this.newestDone = tick;
    for (const t of [...this.sets.keys()]) {
      if (t <= tick) {
        this.sets.delete(t);
        this.expired++;
      }
    }
    return { done: whole };
  }

  private expire(now: number): void {
    for (const [t, s] of this.sets) {
      if (now - s.startedAt > this.timeoutMs) {
        this.sets.delete(t);
        this.expired++;
      }
    }
  }
}
