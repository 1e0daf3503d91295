// One client connection on the host: wire-mode detection from the first bytes, framing,
// decoding, rate limiting, back-pressure, and closing with an error in the peer's own mode.
// What the messages mean is the HostServer's business.
//
//   first byte 'L'            -> msgpack mode: 5-byte preamble "LPMP" + version, answered in kind
//   first byte digit/space/'-' -> JSON mode: 64-byte headers (seed 003 clients and new JSON clients)
//   an HTTP method + ' '       -> handed to the HTTP front (./http.ts): the page, WebSocket
//   anything else             -> BAD_PREAMBLE

import type { Socket } from 'node:net';
import { C1, Packr, Unpackr } from 'msgpackr';
import { threadClock } from '../../engine/thread-cpu.js';
import { ErrorCode, protocolError, type ProtocolError } from '../errors.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { encodeJsonFrame, encodeJsonMessage, jsonFrameDecoder } from '../protocol/json-frame.js';
import { errorMsg } from '../protocol/messages.js';
import {
  MSGPACK_MAGIC,
  MSGPACK_VERSION,
  PREAMBLE_BYTES,
  encodeMsgpackFrame,
  msgpackFrameDecoder,
  preamble,
} from '../protocol/msgpack-frame.js';
import { DatagramStream } from '../udp/index.js';
import type { DropCounter } from './drops.js';
import { directReads } from './net-reads.js';

export type WireMode = 'json' | 'msgpack';

export interface ConnectionLimits {
  maxFrame: number;
  /** Bytes queued for the socket beyond which snapshots are skipped. */
  maxBacklog: number;
  /** Messages per second, and the burst allowed above it. */
  ratePerSecond: number;
  rateBurst: number;
  /** Invalid messages tolerated before the peer is closed. */
  maxInvalid: number;
}

export interface ConnectionEvents {
  /** A whole frame arrived (JSON payloads are still raw: "hello" is not JSON). */
  frame(conn: Connection, payload: Buffer): void;
  closed(conn: Connection): void;
  /**
   * The first bytes are an HTTP request line: the socket (with `head`, the bytes read so far)
   * is the HTTP front's from now on. Absent: HTTP is a BAD_PREAMBLE like any other.
   */
  http?(conn: Connection, head: Buffer): void;
}

// msgpack in the standard form a foreign client can read: maps, bin, no record extension
export const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

let nextConnectionId = 1;

/** Bytes through every connection of this process (for `lanparty top`). */
export const traffic = { bytesIn: 0, bytesOut: 0 };

export class Connection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  mode: WireMode | null = null;
  /** Set by the server once the peer has identified itself. */
  kind: 'legacy' | 'client' | 'monitor' | null = null;
  client = 0;
  /** Snapshots per second the client asked for in its join (0: the host's default). */
  wantRate = 0;
  /** The join asked for implicit acks (granted when the transport is in order). */
  wantImplicitAcks = false;
  /** The join said it decodes difference columns (docs/snapshot-encoding.md, "Columns"). */
  wantDiffs = false;
  /** The join said it decodes predicted columns (docs/snapshot-encoding.md, "Predicted columns"). */
  wantPred = false;
  /**
   * Bytes written arrive in order or the connection dies (TCP, and WebSocket over it); false
   * over UDP, where a snapshot written may never arrive.
   */
  readonly inOrder: boolean;
  /** Refuse this peer (connection cap, shutdown) as soon as its mode is known. */
  refuseWith: ErrorCode | null = null;
  closed = false;
  behindSince = 0;
  private decoder: FrameDecoder | null = null;
  private pending: Buffer | null = null;
  private tokens: number;
  private tokensAt = performance.now();
  private invalid = 0;

  private readonly onSocketData = (chunk: Buffer) => {
    // reading, decoding and handling the messages: this thread's 'read' stage
    const clock = threadClock();
    const t0 = clock.startInTurn();
    this.onData(chunk);
    clock.addRun('read', t0);
  };
  /** The same for reads into the thread's one read buffer (net-reads.ts), once the mode is known. */
  private readonly onSocketRead = (n: number, buf: Buffer) => {
    const clock = threadClock();
    const t0 = clock.startInTurn();
    traffic.bytesIn += n;
    if (!this.closed) {
      const decoder = this.decoder!;
      decoder.pushTransient(buf, 0, n, this.onFrameRead);
      if (decoder.failed && !this.closed) this.fail(decoder.failed);
    }
    clock.addRun('read', t0);
  };
  private readonly onFrameRead = (frame: Buffer): boolean => !this.closed && this.deliver(frame);
  /** Whole frames from a UDP connection (DatagramStream.frameSink), once the mode is known. */
  private readonly onDatagramFrame = (payload: Buffer) => {
    const clock = threadClock();
    const t0 = clock.startInTurn();
    traffic.bytesIn += payload.length + 4;
    if (!this.closed) this.deliver(payload);
    clock.addRun('read', t0);
  };
  private readonly onSocketDrain = () => (this.behindSince = 0);
  private readonly onSocketError = () => {}; // 'close' follows; resets are normal on a LAN
  private readonly onSocketClose = () => {
    if (this.decoder?.midFrame && !this.closed) this.drops.count(ErrorCode.TRUNCATED_FRAME, { conn: this.id });
    this.closed = true;
    this.events.closed(this);
  };

  constructor(
    readonly socket: Socket,
    protected readonly limits: ConnectionLimits,
    protected readonly drops: DropCounter,
    protected readonly events: ConnectionEvents,
    /** False for a subclass that reads the socket through another layer (WebSocket). */
    private readonly readSocket = true,
  ) {
    this.remoteAddress = socket.remoteAddress ?? '0.0.0.0';
    this.remotePort = socket.remotePort ?? 0;
    this.inOrder = !((socket as unknown) instanceof DatagramStream);
    this.tokens = limits.rateBurst;
    socket.setNoDelay(true);
    if (!readSocket) return;
    socket.on('data', this.onSocketData);
    socket.on('drain', this.onSocketDrain);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
  }

  private onData(chunk: Buffer): void {
    traffic.bytesIn += chunk.length;
    if (this.closed) return;
    if (!this.decoder) {
      const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      this.pending = null;
      if (!this.detect(data)) return;
      return;
    }
    this.feed(chunk);
  }

  /** Pick the wire mode from the first bytes; true once decided (or failed). */
  private detect(data: Buffer): boolean {
    const first = data[0]!;
    if (first === MSGPACK_MAGIC[0]) {
      if (data.length < PREAMBLE_BYTES) {
        if (!MSGPACK_MAGIC.subarray(0, data.length).equals(data.subarray(0, MSGPACK_MAGIC.length))) {
          // answered in JSON mode like every other unknown preamble
          this.mode = 'json';
          return this.fail(protocolError(ErrorCode.BAD_PREAMBLE, 'unknown preamble')), true;
        }
        this.pending = data;
        return false;
      }
      if (!data.subarray(0, 4).equals(MSGPACK_MAGIC)) {
        this.mode = 'json';
        return this.fail(protocolError(ErrorCode.BAD_PREAMBLE, 'unknown preamble')), true;
      }
      this.mode = 'msgpack';
      if (data[4] !== MSGPACK_VERSION) {
        // answer in msgpack mode: our preamble (the version we speak), then the error frame
        this.socket.write(preamble());
        this.decoder = msgpackFrameDecoder(this.limits.maxFrame);
        return this.fail(protocolError(ErrorCode.BAD_VERSION, `protocol version ${data[4]} not supported (${MSGPACK_VERSION})`)), true;
      }
      this.socket.write(preamble());
      this.decoder = msgpackFrameDecoder(this.limits.maxFrame);
      if (data.length > PREAMBLE_BYTES) this.feed(data.subarray(PREAMBLE_BYTES));
      this.readDirect();
      return true;
    }
    const http = this.events.http ? httpStart(data) : 'no';
    if (http === 'more') {
      this.pending = data;
      return false;
    }
    if (http === 'yes') {
      // the socket is the HTTP front's now: this connection lets go of it without a word
      this.socket.off('data', this.onSocketData).off('drain', this.onSocketDrain).off('close', this.onSocketClose);
      this.socket.off('error', this.onSocketError);
      this.closed = true;
      this.events.http!(this, data);
      return true;
    }
    this.mode = 'json';
    if ((first >= 0x30 && first <= 0x39) || first === 0x20 || first === 0x2d) {
      this.decoder = jsonFrameDecoder(this.limits.maxFrame);
      this.feed(data);
      this.readDirect();
      return true;
    }
    this.fail(protocolError(ErrorCode.BAD_PREAMBLE, 'first bytes are neither a msgpack preamble nor a JSON header'));
    return true;
  }

  /**
   * A game peer now (its mode is known, not an HTTP request): its next reads skip the stream
   * machinery (net-reads.ts). The 'data' listener stays for a socket that cannot (UDP).
   */
  private readDirect(): void {
    if (!this.readSocket || this.closed) return;
    const s = this.socket as unknown;
    if (s instanceof DatagramStream) {
      // what follows the join: whole frames, handed over as they are
      if (this.mode === 'msgpack') s.frameSink = this.onDatagramFrame;
      this.direct = this.mode === 'msgpack';
      return;
    }
    this.direct = directReads(this.socket, this.onSocketRead);
  }

  /** Reads go to onSocketRead (net-reads.ts), not to 'data'. */
  direct = false;

  private feed(chunk: Buffer): void {
    const decoder = this.decoder!;
    const frames = decoder.push(chunk);
    for (const f of frames) {
      if (this.closed) return;
      if (!this.deliver(f)) return;
    }
    if (decoder.failed && !this.closed) this.fail(decoder.failed);
  }

  /** Hand one whole frame to the server; false when handling it failed (the peer is closed). */
  protected deliver(frame: Buffer): boolean {
    try {
      this.events.frame(this, frame);
      return true;
    } catch (err) {
      // a bug in handling one message must not take the host down
      this.drops.count(ErrorCode.INTERNAL_ERROR, { conn: this.id, err: (err as Error).stack });
      this.fail(protocolError(ErrorCode.INTERNAL_ERROR, 'the host failed handling a message'), false);
      return false;
    }
  }

  /** Token bucket: false (and counted) when the peer is over its message rate. */
  admit(): boolean {
    const now = performance.now();
    const l = this.limits;
    this.tokens = Math.min(l.rateBurst, this.tokens + ((now - this.tokensAt) * l.ratePerSecond) / 1000);
    this.tokensAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.drops.count(ErrorCode.RATE_LIMITED, { conn: this.id });
    return false;
  }

  /** Decode a frame's payload in this connection's mode; null (and error handling) when it is not valid. */
  decode(payload: Buffer): unknown {
    try {
      if (this.mode === 'msgpack') {
        const v: unknown = unpackr.unpack(payload);
        // 0xc1 is never used in msgpack; msgpackr returns a marker object for it instead of failing
        if (v === C1) throw new Error('0xc1');
        return v;
      }
      return JSON.parse(payload.toString('utf8'));
    } catch {
      this.reject(protocolError(ErrorCode.BAD_ENCODING, `payload is not valid ${this.mode === 'msgpack' ? 'msgpack' : 'JSON'}`));
      return undefined;
    }
  }

  /**
   * A message that cannot be used: counted, logged, answered with an error, dropped. The
   * connection stays open until maxInvalid such messages, then TOO_MANY_ERRORS closes it.
   */
  reject(err: ProtocolError): void {
    this.drops.count(err.code, { conn: this.id, why: err.message });
    if (++this.invalid > this.limits.maxInvalid) {
      this.fail(protocolError(ErrorCode.TOO_MANY_ERRORS, `more than ${this.limits.maxInvalid} invalid messages`));
      return;
    }
    if (this.kind !== 'legacy') this.send(errorMsg(err));
  }

  /** Send one message in this connection's mode. */
  send(message: unknown): void {
    if (this.mode === 'msgpack') this.write(encodeMsgpackFrame(packr.pack(message)));
    else this.write(encodeJsonMessage(message));
  }

  /**
   * Send one message to many connections, encoded once per wire mode (a broadcast to 1,000
   * players must not pack the same message 1,000 times).
   */
  static sendMany(conns: Iterable<Connection>, message: unknown): void {
    let mp: Uint8Array | null = null;
    let json: Uint8Array | null = null;
    for (const c of conns) {
      if (c.closed) continue;
      if (c.mode === 'msgpack') c.write((mp ??= encodeMsgpackFrame(packr.pack(message))));
      else c.write((json ??= encodeJsonMessage(message)));
    }
  }

  /** Send raw JSON text as one JSON-mode frame (seed 003 messages). */
  sendJsonText(text: string): void {
    this.write(encodeJsonFrame(text));
  }

  write(frame: Uint8Array): void {
    if (this.closed) return;
    traffic.bytesOut += frame.byteLength;
    this.socket.write(frame);
    if (this.socket.writableLength > this.limits.maxBacklog && this.behindSince === 0) this.behindSince = performance.now();
  }

  /** Bytes written that the kernel has not taken yet. */
  get backlog(): number {
    return this.socket.writableLength;
  }

  /** True while the peer is not reading fast enough: skip snapshots until it drains. */
  get behind(): boolean {
    return this.behindSince !== 0;
  }

  /** Count and log (unless it is no fault of the peer's), tell the peer in its own mode (when known), then close. */
  fail(err: ProtocolError, counted = true): void {
    if (this.closed) return;
    if (counted) this.drops.count(err.code, { conn: this.id, why: err.message });
    if (this.mode === 'msgpack' && this.decoder) this.socket.write(encodeMsgpackFrame(packr.pack(errorMsg(err))));
    else if (this.mode === 'json' && this.kind !== 'legacy') this.socket.write(encodeJsonMessage(errorMsg(err)));
    this.close();
  }

  /** Close without a word (after an error was sent, or on shutdown). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    // a peer that never reads would keep the socket half-open: cut it after a moment
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}

/** Request methods that start an HTTP request line, each followed by a space. */
const HTTP_METHODS = ['GET ', 'HEAD ', 'POST ', 'PUT ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '].map((m) => Buffer.from(m, 'latin1'));

/** Whether the first bytes start an HTTP request: 'more' while they are a prefix of one. */
export function httpStart(data: Buffer): 'yes' | 'no' | 'more' {
  let more = false;
  for (const m of HTTP_METHODS) {
    const n = Math.min(m.length, data.length);
    if (!data.subarray(0, n).equals(m.subarray(0, n))) continue;
    if (n === m.length) return 'yes';
    more = true;
  }
  return more ? 'more' : 'no';
}
