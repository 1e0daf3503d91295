// One end of an established UDP connection (the host keeps one per client, a client one for
// its host): packet numbering and acks (sequence.ts), the reliable channel (reliable.ts),
// snapshot reassembly (fragments.ts) and the liveness clock. It turns decoded packets into
// what they carry and builds the datagrams to send; it owns no socket, so the same code runs
// over node:dgram and over the network simulator.

import {
  DISCONNECT_REPEATS,
  encodeDisconnect,
  encodeInput,
  encodeKeepalive,
  encodeReliable,
  MAX_FRAGMENT_PAYLOAD,
  MAX_FRAGMENTS,
  type PacketHeader,
  SNAPSHOT_HEAD_BYTES,
  UdpDrop,
  type UdpPacket,
  UdpType,
  writeFragmentHead,
  writePairHead,
} from '../protocol/udp.js';
import { Reassembler, type ReassemblerOptions } from './fragments.js';
import { ReliableChannel, type ReliableOptions } from './reliable.js';
import { ReceiveWindow, SentLog } from './sequence.js';

export interface PeerOptions extends ReliableOptions, ReassemblerOptions {
  /** No packet from the peer for this long: it is gone (default 5 s). */
  timeoutMs?: number;
}

/** What one received packet carried. */
export interface Received {
  /** Reliable messages now deliverable, in order. */
  messages: readonly Uint8Array[];
  /** Snapshots completed by this packet, oldest first: number and msgpack bytes. */
  snapshots: readonly { tick: number; bytes: Uint8Array }[];
  /** An INPUT packet's msgpack body. */
  input?: Uint8Array;
  /** The peer said goodbye. */
  disconnected?: true;
}

type Connected = Extract<UdpPacket, { header: PacketHeader }>;

/** A packet that carried no messages or no snapshots says so with these: no arrays per packet. */
const NO_MESSAGES: readonly Uint8Array[] = Object.freeze([]);
const NO_SNAPSHOTS: Received['snapshots'] = Object.freeze([]);

const allocUnsafe = (n: number) => Buffer.allocUnsafe(n);

export class UdpPeer {
  readonly sent = new SentLog();
  readonly window = new ReceiveWindow();
  readonly reliable: ReliableChannel;
  readonly reassembler: Reassembler;
  readonly timeoutMs: number;
  lastHeardAt: number;
  /**
   * Send each one-datagram snapshot with a copy of the one before when they fit together (a
   * PAIR): set by the host while it measures loss on this connection (udp-listener.ts).
   */
  redundant = false;
  /** The last snapshot sent, kept while `redundant` for the next PAIR. */
  private previous: { tick: number; bytes: Buffer } | null = null;

  constructor(
    /** The connection key both sides put in every header. */
    readonly key: Buffer,
    now: number,
    opts: PeerOptions = {},
  ) {
    this.next = { key, seq: 0, ack: 0, ackBits: 0 };
    this.reliable = new ReliableChannel(opts);
    this.reassembler = new Reassembler(opts);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.lastHeardAt = now;
  }

  timedOut(now: number): boolean {
    return now - this.lastHeardAt > this.timeoutMs;
  }

  /** Sent packets known lost / (lost + delivered): the loss rate seen by this side. */
  lossRate(): number {
    const n = this.sent.lost + this.sent.delivered;
    return n === 0 ? 0 : this.sent.lost / n;
  }

  /** Take one packet of this connection (its key already matched). A drop reason, or what it carried. */
  receive(p: Connected, now: number): Received | UdpDrop {
    const why = this.window.accept(p.header.seq);
    if (why) return why;
    this.lastHeardAt = now;
    for (const seq of this.sent.onAck(p.header.ack, p.header.ackBits).acked) this.reliable.onPacketAcked(seq);
    const out: Received = { messages: NO_MESSAGES, snapshots: NO_SNAPSHOTS };
    switch (p.type) {
      case UdpType.FRAGMENT: {
        const r = this.reassembler.add(p.tick, p.index, p.count, p.bytes, now);
        if ('drop' in r) return r.drop;
        if ('done' in r) out.snapshots = [{ tick: p.tick, bytes: r.done }];
        break;
      }
      case UdpType.PAIR: {
        const r = this.reassembler.addPair(p.tick, p.bytes, p.previous, now);
        if ('drop' in r) return r.drop;
        out.snapshots = r.done;
        break;
      }
      case UdpType.INPUT:
        out.input = p.bytes;
        break;
      case UdpType.RELIABLE: {
        const messages: Uint8Array[] = [];
        for (const m of p.messages) {
          const got = this.reliable.receive(m);
          if (typeof got !== 'string') messages.push(...got);
        }
        out.messages = messages;
        break;
      }
      case UdpType.DISCONNECT:
        out.disconnected = true;
        break;
      case UdpType.KEEPALIVE:
        break;
    }
    return out;
  }

  /** The header of the next packet: one object, refilled for every packet (never kept by the encoders). */
  private readonly next: PacketHeader;

  private header(): PacketHeader {
    const h = this.next;
    h.seq = this.sent.take();
    h.ack = this.window.newest;
    h.ackBits = this.window.bits;
    return h;
  }

  /**
   * Send one snapshot (numbered `no`: 1, 2, 3... on this connection) through `send`, its
   * datagrams in memory from `alloc` (the host's SendSlab: no buffer of their own).
   */
  sendSnapshot(no: number, bytes: Uint8Array, send: (datagram: Buffer) => void, alloc: (n: number) => Buffer = allocUnsafe): void {
    const count = Math.max(1, Math.ceil(bytes.length / MAX_FRAGMENT_PAYLOAD));
    if (count > MAX_FRAGMENTS) throw new RangeError(`snapshot of ${bytes.length} bytes needs ${count} fragments, over ${MAX_FRAGMENTS}`);
    const previous = this.previous;
    // a copy: kept for the next PAIR (only while the connection loses packets)
    this.previous = this.redundant && count === 1 ? { tick: no, bytes: Buffer.from(bytes) } : null;
    if (previous && this.previous && previous.tick === no - 1 && bytes.length + previous.bytes.length <= MAX_FRAGMENT_PAYLOAD) {
      const d = alloc(SNAPSHOT_HEAD_BYTES + bytes.length + previous.bytes.length);
      writePairHead(d, this.header(), no, bytes.length, previous.bytes.length);
      d.set(bytes, SNAPSHOT_HEAD_BYTES);
      d.set(previous.bytes, SNAPSHOT_HEAD_BYTES + bytes.length);
      return send(d);
    }
    for (let i = 0, at = 0; i < count; i++, at += MAX_FRAGMENT_PAYLOAD) {
      const n = Math.min(MAX_FRAGMENT_PAYLOAD, bytes.length - at);
      const d = alloc(SNAPSHOT_HEAD_BYTES + n);
      writeFragmentHead(d, this.header(), no, i, count, n);
      d.set(n === bytes.length ? bytes : bytes.subarray(at, at + n), SNAPSHOT_HEAD_BYTES);
      send(d);
    }
  }

  /** The datagrams carrying one snapshot, each in a buffer of its own. */
  snapshotPackets(no: number, bytes: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    this.sendSnapshot(no, bytes, (d) => out.push(d));
    return out;
  }

  inputPacket(bytes: Uint8Array): Buffer {
    return encodeInput(this.header(), bytes);
  }

  /** Reliable messages due now (new or to resend), in as many packets as they need. */
  reliablePackets(now: number): Buffer[] {
    const out: Buffer[] = [];
    for (let due = this.reliable.due(now); due.length > 0; due = this.reliable.due(now)) {
      const h = this.header();
      this.reliable.sentIn(h.seq, due);
      out.push(encodeReliable(h, due));
    }
    return out;
  }

  keepalivePacket(): Buffer {
    return encodeKeepalive(this.header());
  }

  /** The same goodbye a few times over: one of them should arrive. */
  disconnectPackets(): Buffer[] {
    return Array.from({ length: DISCONNECT_REPEATS }, () => encodeDisconnect(this.header()));
  }
}
