// Packet sequence numbers, both ways.
//
// Receiving: ReceiveWindow remembers the newest seq and which of the 32 before it arrived.
// A seq seen already is a replay (or a network duplicate); one older than the window is
// stale: both are dropped before their body is looked at. The same state is the ack and
// ackBits this side piggybacks on every packet it sends.
//
//        ackBits bit 31 ...      bit 1   bit 0
//   seq  newest-32  ...       newest-2 newest-1  newest (= ack)
//
// Sending: SentLog numbers outgoing packets and learns from the peer's ack + ackBits which
// arrived; a packet that falls out of the peer's window unacked counts as lost. The
// delivered/lost counts are the loss rate the host adapts its send rate to.

import { UdpDrop } from '../protocol/udp.js';

export const ACK_WINDOW = 32;

export class ReceiveWindow {
  /** Newest seq received (0: none yet; real seqs start at 1). */
  newest = 0;
  /** Bit i: newest - 1 - i was received. */
  bits = 0;

  /** Record seq; a drop reason when it must be ignored (already seen, or too old to tell). */
  accept(seq: number): UdpDrop | null {
    if (seq === 0) return UdpDrop.STALE_SEQUENCE;
    if (seq > this.newest) {
      const shift = seq - this.newest;
      this.bits = shift > ACK_WINDOW ? 0 : shift === ACK_WINDOW ? 1 << 31 : ((this.bits << shift) | (1 << (shift - 1))) >>> 0;
      if (this.newest === 0) this.bits = 0;
      this.newest = seq;
      return null;
    }
    if (seq === this.newest) return UdpDrop.REPLAYED;
    const back = this.newest - seq;
    if (back > ACK_WINDOW) return UdpDrop.STALE_SEQUENCE;
    const bit = 1 << (back - 1);
    if (this.bits & bit) return UdpDrop.REPLAYED;
    this.bits = (this.bits | bit) >>> 0;
    return null;
  }
}

export interface AckResult {
  /** Seqs newly known delivered. */
  acked: readonly number[];
  /** Seqs newly known lost (they left the peer's window unacked). */
  lost: readonly number[];
}

/** What an ack that says nothing new returns (most name nothing lost): no array per packet. */
const NONE: readonly number[] = Object.freeze([]);

/**
 * Sent seqs remembered (a ring of flags, not a set of numbers: no allocation per packet, and
 * an ack does not walk every pending seq). Far more than an ack can name (33): a seq this
 * far behind the newest sent is long out of any window, and counted lost when its slot is
 * needed again.
 */
const SENT_RING = 1024;
const SENT_MASK = SENT_RING - 1;

export class SentLog {
  private next = 1;
  /** Flag per seq (at seq % SENT_RING): sent and not yet known delivered or lost. */
  private readonly pending = new Uint8Array(SENT_RING);
  /** Every seq below this is known delivered or lost. */
  private oldest = 1;
  /** Newest ack seen from the peer: acks must only move forward (a replayed old ack is ignored). */
  private peerAck = 0;
  /** What onAck returns, reused by the next call. */
  private readonly result: AckResult = { acked: NONE, lost: NONE };
  delivered = 0;
  lost = 0;

  /** The seq for the next packet. */
  take(): number {
    const seq = this.next++;
    if (seq - this.oldest >= SENT_RING) this.expire(seq - SENT_RING + 1);
    this.pending[seq & SENT_MASK] = 1;
    return seq;
  }

  /**
   * What the peer's ack + ackBits say. Acks of seqs never sent are ignored. The result
   * object is reused by the next call; its arrays are to be read, not changed.
   */
  onAck(ack: number, bits: number): AckResult {
    // arrays made only when something is in them (a host reads thousands of acks a second;
    // emptying reused arrays cost more than the rare new one)
    const out = this.result;
    out.acked = NONE;
    out.lost = NONE;
    if (ack === 0 || ack >= this.next || ack < this.peerAck) return out;
    this.peerAck = ack;
    let acked: number[] | null = null;
    if (this.mark(ack)) acked = [ack];
    for (let i = 0; i < ACK_WINDOW; i++) if (bits & (1 << i) && this.mark(ack - 1 - i)) (acked ??= []).push(ack - 1 - i);
    if (acked) out.acked = acked;
    out.lost = this.expire(ack - ACK_WINDOW) ?? NONE;
    return out;
  }

  /** Whether `seq` was pending: it is delivered now. */
  private mark(seq: number): boolean {
    const i = seq & SENT_MASK;
    if (seq < this.oldest || this.pending[i] === 0) return false;
    this.pending[i] = 0;
    this.delivered++;
    return true;
  }

  /** Every seq below `upTo` still pending is lost: those seqs, or null when none was. */
  private expire(upTo: number): number[] | null {
    let lost: number[] | null = null;
    for (; this.oldest < upTo; this.oldest++) {
      const i = this.oldest & SENT_MASK;
      if (this.pending[i] === 0) continue;
      this.pending[i] = 0;
      this.lost++;
      (lost ??= []).push(this.oldest);
    }
    return lost;
  }

  /** Packets sent so far. */
  get sent(): number {
    return this.next - 1;
  }
}
