// A UDP connection seen as the byte stream msgpack mode expects, so the host's Connection
// and the client library run over UDP unchanged: what is written is msgpack-mode frames
// (uint32 length + one msgpack map), what is read is the same.
//
//   write(frame)  -- a snapshot (host) or an input (client)? --> unreliable datagram(s)
//                 -- anything else --> the reliable stream: frames cut in pieces of at most
//                                      RELIABLE_PIECE bytes, each a RELIABLE message, resent
//                                      until acked and read back in order
//   datagrams in  --> whole frames out, each one 'data' event (never half a frame, so an
//                     unreliable input can never land in the middle of a reliable message)
//
// The socket the datagrams go through and the address checks belong to the owner (the host's
// UdpListener, the client's UdpClientSocket); this class only needs `send`.

import { EventEmitter } from 'node:events';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { LENGTH_BYTES, msgpackFrameFormat, PREAMBLE_BYTES, preamble } from '../protocol/msgpack-frame.js';
import type { UdpDrop, UdpPacket } from '../protocol/udp.js';
import type { UdpPeer } from './peer.js';
import { ACK_WINDOW } from './sequence.js';

/** Bytes of the reliable stream per RELIABLE message. */
export const RELIABLE_PIECE = 1024;
/** Send a KEEPALIVE after this long without sending anything (ms). */
export const KEEPALIVE_MS = 100;
/**
 * Received this many packets since this side last sent one: send a KEEPALIVE at once. Acks
 * name the newest packet and the 32 before it; a receiver that reads a burst (its process
 * was descheduled while 60 datagrams queued up) and answers only after it would leave the
 * older ones unnamed, and the sender would count them lost (and step the rate down) though
 * they arrived.
 */
export const ACK_AFTER_PACKETS = ACK_WINDOW / 2;
/** end() waits this long at most for the last reliable messages to be acked (ms). */
export const ENDING_MS = 1000;

const TYPE_KEY = Buffer.from([0xa4, 0x74, 0x79, 0x70, 0x65]); // msgpack "type"

/**
 * The `type` of a msgpack map without decoding it: a fixmap / map16 / map32 whose first key
 * is "type" with a short string value (how every lanparty message is packed). null otherwise,
 * which sends the frame the safe way (reliable).
 */
export function peekType(payload: Uint8Array): string | null {
  const h = payload[0];
  const at = h === undefined ? -1 : (h & 0xf0) === 0x80 ? 1 : h === 0xde ? 3 : h === 0xdf ? 5 : -1;
  if (at < 0 || payload.length < at + TYPE_KEY.length + 1) return null;
  for (let i = 0; i < TYPE_KEY.length; i++) if (payload[at + i] !== TYPE_KEY[i]) return null;
  const s = payload[at + TYPE_KEY.length]!;
  if ((s & 0xe0) !== 0xa0) return null;
  const from = at + TYPE_KEY.length + 1;
  const len = s & 0x1f;
  if (payload.length < from + len) return null;
  return Buffer.from(payload.buffer, payload.byteOffset + from, len).toString('latin1');
}

/** peekType(payload) === the latin1 string of `type`, without making the string (once per datagram sent). */
export function typeIs(payload: Uint8Array, type: Uint8Array): boolean {
  const h = payload[0];
  const at = h === undefined ? -1 : (h & 0xf0) === 0x80 ? 1 : h === 0xde ? 3 : h === 0xdf ? 5 : -1;
  const from = at + TYPE_KEY.length + 1;
  if (at < 0 || type.length > 0x1f || payload.length < from + type.length) return false;
  for (let i = 0; i < TYPE_KEY.length; i++) if (payload[at + i] !== TYPE_KEY[i]) return false;
  if (payload[from - 1] !== (0xa0 | type.length)) return false;
  for (let i = 0; i < type.length; i++) if (payload[from + i] !== type[i]) return false;
  return true;
}

export interface DatagramStreamOptions {
  /** The message type sent unreliably: 'snapshot' from the host, 'input' from a client. */
  unreliable: string;
  /** Largest frame accepted from the reliable stream. */
  maxFrame: number;
  /** Put one datagram on the wire. */
  send(datagram: Buffer): void;
  /** Memory for snapshot datagrams (default: a new buffer each), see SendSlab. */
  alloc?: (bytes: number) => Buffer;
  /** A packet dropped by the connection's own checks (replay, stale...). */
  dropped(reason: UdpDrop): void;
  /** The clock (ms; default performance.now): the network simulator's tests run on their own. */
  now?: () => number;
}

export class DatagramStream extends EventEmitter {
  destroyed = false;
  /** Snapshots sent: the number in each FRAGMENT header. */
  private snapshotNo = 0;
  private readonly frames: FrameDecoder;
  private lastSentAt: number;
  /** Packets taken from the peer since this side last sent one (see ACK_AFTER_PACKETS). */
  private receivedSinceSent = 0;
  /** The first bytes written are the msgpack preamble: not sent, the other side knows the mode. */
  private preambleLeft = PREAMBLE_BYTES;
  private endingSince = -1;
  private readonly now: () => number;
  /** The `type` sent unreliably, as the bytes of a msgpack string. */
  private readonly unreliableType: Buffer;
  /**
   * Where whole frames go instead of 'data' events, set by a reader that takes them as they
   * are (the host's Connection): the payload alone, no length prefix, valid only during the
   * call. Each datagram is a whole frame already; framing it again for a 'data' listener cost
   * a buffer, a copy and the frame decoder's pass per input read.
   */
  frameSink: ((payload: Buffer) => void) | null = null;
  private readonly send: (datagram: Buffer) => void;

  constructor(
    readonly peer: UdpPeer,
    private readonly o: DatagramStreamOptions,
  ) {
    super();
    this.unreliableType = Buffer.from(o.unreliable, 'latin1');
    this.send = (d) => o.send(d);
    this.frames = new FrameDecoder(msgpackFrameFormat, o.maxFrame);
    this.now = o.now ?? (() => performance.now());
    this.lastSentAt = peer.lastHeardAt;
  }

  /** The other side speaks msgpack mode from the start: what it would have said first. */
  emitPreamble(): void {
    this.emit('data', preamble());
  }

  /** Write msgpack-mode bytes: whole frames (the preamble first, which is skipped). */
  write(chunk: Uint8Array): boolean {
    if (this.destroyed) return false;
    let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.preambleLeft > 0) {
      const n = Math.min(this.preambleLeft, data.length);
      this.preambleLeft -= n;
      data = data.subarray(n);
      if (data.length === 0) return true;
    }
    const now = this.now();
    const payload = data.subarray(LENGTH_BYTES);
    if (data.length >= LENGTH_BYTES && data.readUInt32LE(0) === payload.length && typeIs(payload, this.unreliableType)) {
      if (this.o.unreliable === 'snapshot') this.peer.sendSnapshot(++this.snapshotNo, payload, this.send, this.o.alloc);
      else this.o.send(this.peer.inputPacket(payload));
    } else {
      for (let at = 0; at < data.length; at += RELIABLE_PIECE) {
        if (!this.peer.reliable.send(data.subarray(at, at + RELIABLE_PIECE))) {
          // the peer has not acked 1,024 messages: it is gone
          this.destroy();
          return false;
        }
      }
      for (const p of this.peer.reliablePackets(now)) this.o.send(p);
    }
    this.sentAt(now);
    return true;
  }

  /** One packet of this connection (key and address already checked). */
  receive(packet: Extract<UdpPacket, { header: unknown }>, now: number): void {
    if (this.destroyed) return;
    const got = this.peer.receive(packet, now);
    if (typeof got === 'string') return this.o.dropped(got);
    if (!got.disconnected) this.received(now);
    for (const piece of got.messages) {
      for (const f of this.frames.push(Buffer.from(piece))) this.emitFrame(f);
    }
    if (this.frames.failed) return this.destroy();
    for (const snap of got.snapshots) this.emitFrame(snap.bytes);
    if (got.input) this.emitFrame(got.input);
    if (got.disconnected) this.destroy(false);
  }

  /** One whole frame's payload to the reader: its sink, else a msgpack-mode frame in a 'data' event. */
  private emitFrame(payload: Uint8Array): void {
    const sink = this.frameSink;
    if (sink === null) return this.emitFramed(payload);
    sink(Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  }

  private sentAt(now: number): void {
    this.lastSentAt = now;
    this.receivedSinceSent = 0;
  }

  /**
   * A packet of the peer was taken (receive() calls this; a reader that takes packets by
   * another way must too): past ACK_AFTER_PACKETS without sending anything, ack them now.
   */
  received(now: number): void {
    if (++this.receivedSinceSent < ACK_AFTER_PACKETS || this.destroyed) return;
    this.o.send(this.peer.keepalivePacket());
    this.sentAt(now);
  }

  /** The payload framed as msgpack mode frames it, in a buffer of its own (the datagram's is not ours to keep). */
  private emitFramed(payload: Uint8Array): void {
    const frame = Buffer.allocUnsafe(LENGTH_BYTES + payload.length);
    frame.writeUInt32LE(payload.length, 0);
    frame.set(payload, LENGTH_BYTES);
    this.emit('data', frame);
  }

  /** Resends, keepalives and the liveness check; call every few tens of ms. */
  service(now: number): void {
    if (this.destroyed) return;
    if (this.peer.timedOut(now)) return this.destroy(false);
    if (this.endingSince >= 0 && (this.peer.reliable.pending === 0 || now - this.endingSince > ENDING_MS)) return this.destroy();
    const due = this.peer.reliablePackets(now);
    for (const p of due) this.o.send(p);
    if (due.length > 0) this.sentAt(now);
    else if (now - this.lastSentAt >= KEEPALIVE_MS) {
      this.o.send(this.peer.keepalivePacket());
      this.sentAt(now);
    }
  }

  /** Close cleanly: say goodbye (unless the peer already did or vanished), then 'close'. */
  destroy(sayGoodbye = true): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (sayGoodbye) {
      // what the reliable channel still holds (an error message before a close) goes first
      for (const p of this.peer.reliablePackets(this.now())) this.o.send(p);
      for (const p of this.peer.disconnectPackets()) this.o.send(p);
    }
    this.emit('close', false);
  }

  /** Close once what was written is acked (at most ENDING_MS later): a `leave` must arrive. */
  end(): void {
    if (this.destroyed || this.endingSince >= 0) return;
    if (this.peer.reliable.pending === 0) return this.destroy();
    this.endingSince = this.now();
  }
}
