// Reliable, ordered messages on the datagram channel itself (welcome, chat, roster, errors).
//
// Sending: each message gets the next id (from 1) and waits in `unacked`. Every packet
// that carries messages is remembered by its packet seq; when the peer acks that seq (the
// ack + ackBits of any packet it sends), those messages are done. A message not acked
// `resendMs` after it was last sent goes out again in the next RELIABLE packet, so a loss
// costs one resend interval, never a stalled snapshot stream.
//
// Receiving: messages are delivered in id order exactly once; ones that arrive early wait
// (at most `window` ids ahead, the rest are dropped and will be resent); repeats are
// dropped.

import { MAX_RELIABLE_BYTES, MAX_RELIABLE_PER_PACKET, RELIABLE_ENTRY_BYTES, type ReliableEntry, UdpDrop } from '../protocol/udp.js';

interface Outgoing {
  id: number;
  bytes: Uint8Array;
  lastSentAt: number;
}

export interface ReliableOptions {
  /** Resend an unacked message after this long (default 100 ms; a LAN round trip is ~1 ms). */
  resendMs?: number;
  /** Most messages waiting for an ack before `send` refuses (default 1,024). */
  maxUnacked?: number;
  /** Most out-of-order messages held by the receiver (default 256). */
  window?: number;
}

const NOTHING: readonly ReliableEntry[] = Object.freeze([]);

export class ReliableChannel {
  private nextId = 1;
  private readonly unacked = new Map<number, Outgoing>();
  private readonly inFlight = new Map<number, number[]>();
  private nextExpected = 1;
  private readonly early = new Map<number, Uint8Array>();
  private readonly resendMs: number;
  private readonly maxUnacked: number;
  private readonly window: number;
  resent = 0;

  constructor(opts: ReliableOptions = {}) {
    this.resendMs = opts.resendMs ?? 100;
    this.maxUnacked = opts.maxUnacked ?? 1024;
    this.window = opts.window ?? 256;
  }

  /** Queue a message; false when too many wait for acks already (the peer is gone or stuck). */
  send(bytes: Uint8Array): boolean {
    if (bytes.length + RELIABLE_ENTRY_BYTES + 1 > MAX_RELIABLE_BYTES) throw new RangeError(`reliable message of ${bytes.length} bytes is too large`);
    if (this.unacked.size >= this.maxUnacked) return false;
    const id = this.nextId++;
    this.unacked.set(id, { id, bytes, lastSentAt: -Infinity });
    return true;
  }

  get pending(): number {
    return this.unacked.size;
  }

  /** Messages due (new or past their resend time) that fit one packet, oldest first; marks them sent. */
  due(now: number): readonly ReliableEntry[] {
    // the common case, checked for every connection every 20 ms: nothing waits
    if (this.unacked.size === 0) return NOTHING;
    const out: ReliableEntry[] = [];
    let bytes = 1;
    for (const m of this.unacked.values()) {
      if (now - m.lastSentAt < this.resendMs) continue;
      const size = RELIABLE_ENTRY_BYTES + m.bytes.length;
      if (out.length === MAX_RELIABLE_PER_PACKET || bytes + size > MAX_RELIABLE_BYTES) break;
      if (m.lastSentAt !== -Infinity) this.resent++;
      m.lastSentAt = now;
      bytes += size;
      out.push({ id: m.id, bytes: m.bytes });
    }
    return out;
  }

  /** The packet `seq` carried these messages. */
  sentIn(seq: number, entries: readonly ReliableEntry[]): void {
    this.inFlight.set(seq, entries.map((e) => e.id));
    // forget packets long out of any ack window
    for (const s of this.inFlight.keys()) {
      if (s < seq - 64) this.inFlight.delete(s);
      else break;
    }
  }

  /** The peer acked packet `seq`. */
  onPacketAcked(seq: number): void {
    if (this.inFlight.size === 0) return; // the common case: acks of snapshots and inputs
    const ids = this.inFlight.get(seq);
    if (!ids) return;
    this.inFlight.delete(seq);
    for (const id of ids) this.unacked.delete(id);
  }

  /** A message arrived: the ones now deliverable in order, or why it was dropped. */
  receive(entry: ReliableEntry): Uint8Array[] | UdpDrop {
    if (entry.id < this.nextExpected || this.early.has(entry.id)) return UdpDrop.REPLAYED;
    if (entry.id >= this.nextExpected + this.window) return UdpDrop.RELIABLE_WINDOW;
    if (entry.id !== this.nextExpected) {
      this.early.set(entry.id, Uint8Array.from(entry.bytes));
      return [];
    }
    const out: Uint8Array[] = [Uint8Array.from(entry.bytes)];
    this.nextExpected++;
    for (let next = this.early.get(this.nextExpected); next; next = this.early.get(this.nextExpected)) {
      this.early.delete(this.nextExpected);
      out.push(next);
      this.nextExpected++;
    }
    return out;
  }
}
