// The network thread's counters, in shared memory so the main thread (status line, `lanparty
// top`, tests, the load bench) reads them at any moment without a message round trip. The
// network thread is their only writer; readers may see a counter a moment old, never torn
// (each is one aligned 8-byte slot).
//
//   Float64Array: [ NetCounter slots ... | drops per reason, in NET_DROP_REASONS order ]

import { ErrorCode } from '../errors.js';
import { DropReason } from './drops.js';

/** Named counters and gauges (cumulative unless marked "now"). */
export const NetCounter = {
  /** Connections open now, and by kind (now). */
  connections: 0,
  legacy: 1,
  json: 2,
  msgpack: 3,
  monitors: 4,
  /** Welcomed clients by snapshot rate (now); rate changes (cumulative). */
  hz60: 5,
  hz30: 6,
  hz20: 7,
  lowered: 8,
  raised: 9,
  /** Snapshot ticks handled, and ticks skipped because the previous one was still being sent. */
  encodes: 10,
  busySkips: 11,
  framesOut: 12,
  bytesOut: 13,
  /** Time in the network thread by stage, ms. */
  encodeMs: 14,
  writeMs: 15,
  readMs: 16,
  interestPayloads: 17,
  rateSkips: 18,
  budgetFrames: 19,
  budgetBytes: 20,
  /** Bytes through every socket (in / out, frames and everything else). */
  trafficIn: 21,
  trafficOut: 22,
  /** CPU time of the network thread, ms (0 where the platform cannot tell). */
  cpuMs: 23,
  /** Welcomed clients now. */
  clients: 24,
  /** WebSocket connections now (also counted in msgpack). */
  ws: 25,
  /** Files served by the HTTP front (cumulative), and its HTTP sockets open now. */
  httpServed: 26,
  http: 27,
  /** Whole-world msgpack payloads encoded (one per base, base2 and form a tick: Snapshots.byBase). */
  basePayloads: 28,
} as const;
export type NetCounter = (typeof NetCounter)[keyof typeof NetCounter];
const COUNTERS = 32;

/** Every reason a drop can be counted under, in slot order ('other' for none of them). */
export const NET_DROP_REASONS: readonly string[] = [...Object.values(ErrorCode), ...Object.values(DropReason), 'other'];
const reasonIndex = new Map(NET_DROP_REASONS.map((r, i) => [r, i]));

export class NetStats {
  readonly buffer: SharedArrayBuffer;
  private readonly v: Float64Array;

  static create(): NetStats {
    return new NetStats(new SharedArrayBuffer((COUNTERS + NET_DROP_REASONS.length) * 8));
  }

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.v = new Float64Array(buffer);
  }

  add(c: NetCounter, n = 1): void {
    this.v[c]! += n;
  }

  set(c: NetCounter, n: number): void {
    this.v[c] = n;
  }

  get(c: NetCounter): number {
    return this.v[c]!;
  }

  drop(reason: string): void {
    this.v[COUNTERS + (reasonIndex.get(reason) ?? reasonIndex.get('other')!)]! += 1;
  }

  /** Drops by reason, only the reasons that happened. */
  drops(): Record<string, number> {
    const out: Record<string, number> = {};
    NET_DROP_REASONS.forEach((r, i) => {
      const n = this.v[COUNTERS + i]!;
      if (n) out[r] = n;
    });
    return out;
  }

  dropTotal(): number {
    let n = 0;
    for (let i = 0; i < NET_DROP_REASONS.length; i++) n += this.v[COUNTERS + i]!;
    return n;
  }

  /** Every named counter, by name. */
  counters(): Record<keyof typeof NetCounter, number> {
    const out = {} as Record<keyof typeof NetCounter, number>;
    for (const [k, i] of Object.entries(NetCounter)) out[k as keyof typeof NetCounter] = this.v[i]!;
    return out;
  }
}
