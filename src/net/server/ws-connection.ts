// A WebSocket peer (the web page) as a Connection: the rest of the host (joins, inputs, chat,
// snapshots, rate limits, send-rate adaptation, slow-consumer drops) handles it exactly like
// a TCP msgpack client. Only the framing differs (docs/protocol.md, "WebSocket"):
//
//   TCP msgpack:  "LPMP"+version, then  [ uint32 LE length | msgpack payload ] ...
//   WebSocket:    no preamble;          one binary WS message = one msgpack payload
//
// Every frame the host builds carries the 4-byte length header of TCP mode; here the payload
// is sent as a subarray of it. The backlog is ws.bufferedAmount (bytes queued in the ws
// sender and the socket), so skipping and SLOW_CONSUMER work as for TCP.
//
// Writing a snapshot costs about what it costs over TCP: one socket.write of a buffer shared
// by every client that gets the same payload. ws.send would, per client and message, build an
// options object (two, inside ws), a 4-byte header buffer and a Buffer view of the payload,
// then cork, write twice and uncork (a writev of two buffers): at 200 clients x 60 Hz that was
// 1.4 x TCP's write stage, and more garbage. So the second time in a row the same frame is
// written (the clients of one payload are written one after the other, ./snapshots.ts), its
// whole WebSocket frame is built once, header by ws's own Sender.frame (no framing written
// here), and every further client of it gets one socket.write of that buffer. A frame seen
// once (a payload of one client's own) goes through ws.send. Writing to ws's socket directly
// keeps the order of everything ws writes itself (pongs, close frames): with permessage-deflate
// off (the front refuses it) ws writes every frame to the socket at once, never queueing it,
// and bufferedAmount counts the socket's queue.
//
// Pings are answered here, not by ws (the HTTP front turns its autoPong off): a ping counts
// against the peer's message rate like any message (RATE_LIMITED over it), and is not
// answered while the peer is behind on reading. ws's own answer pongs every ping at any
// rate, and cuts a peer with 60 unwritten pongs without a word: neither counted nor logged.

import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import type { RawData, WebSocket } from 'ws';
import { threadClock } from '../../engine/thread-cpu.js';
import { ErrorCode, type ProtocolError } from '../errors.js';
import { errorMsg } from '../protocol/messages.js';
import { LENGTH_BYTES } from '../protocol/msgpack-frame.js';
import { Connection, packr, traffic, type ConnectionEvents, type ConnectionLimits } from './connection.js';
import { DropReason, type DropCounter } from './drops.js';
import { directReads } from './net-reads.js';

/** WebSocket close codes (RFC 6455 section 7.4) for the host's error codes; 1008 for the rest. */
export const WsClose = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  POLICY: 1008,
  TOO_LARGE: 1009,
  INTERNAL: 1011,
  TRY_AGAIN_LATER: 1013,
} as const;

export function wsCloseCode(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.FRAME_TOO_LARGE:
      return WsClose.TOO_LARGE;
    case ErrorCode.SHUTTING_DOWN:
      return WsClose.GOING_AWAY;
    case ErrorCode.SERVER_FULL:
    case ErrorCode.SESSION_FULL:
      return WsClose.TRY_AGAIN_LATER;
    case ErrorCode.INTERNAL_ERROR:
      return WsClose.INTERNAL;
    default:
      return WsClose.POLICY;
  }
}

/** ws's frame builder (lib/sender.js, exported as ws.Sender; not in @types/ws). */
interface WsSender {
  frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[];
}
const sender = (wsModule as unknown as { Sender?: WsSender }).Sender;
const frameOf: WsSender['frame'] | null = typeof sender?.frame === 'function' ? sender.frame.bind(sender) : null;
const BINARY_FINAL = { fin: true, opcode: 0x2, mask: false, readOnly: false, rsv1: false } as const;
const BINARY = { binary: true } as const;

/**
 * The last frame written to a WebSocket peer (by any connection of this thread) and, once it
 * was written twice, its whole WebSocket frame. Frames are never changed once built, and this
 * holds the last one, so identity says "same bytes".
 */
const last: { frame: Uint8Array | null; ws: Buffer | null } = { frame: null, ws: null };

/** The host frame's payload as one unmasked, final, binary WebSocket frame (header by ws). */
function wholeWsFrame(payload: Buffer): Buffer | null {
  if (!frameOf) return null;
  const parts = frameOf(payload, BINARY_FINAL);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** ws's receiver: a Writable that ws ends at a close frame and destroys at a protocol error. */
type Receiver = {
  write?: (chunk: Buffer) => boolean;
  _write?: (chunk: Buffer, encoding: string, cb: (err?: Error | null) => void) => void;
  destroy?: (err: Error) => void;
  /** Messages are emitted from within the parse (ws's default), not deferred to setImmediate. */
  _allowSynchronousEvents?: boolean;
  /** Negotiated extensions (permessage-deflate would inflate asynchronously). */
  _extensions?: Record<string, unknown>;
  writableEnded?: boolean;
  destroyed?: boolean;
};

/**
 * This thread's 'read' stage, as for TCP (./connection.ts): ws hands each chunk the socket
 * reads to its receiver (ws's private _receiver.write), which parses the frames and emits the
 * messages from within that call, so timing the call times ws's parsing and our handling
 * together. Two more 'data' listeners on the socket (one before ws's, one after) would do the
 * same from outside, but a socket with 3 listeners costs every chunk a copy of the listener
 * list: ~5 ms/s at 200 clients. Without that private method (another ws), only the handling
 * is timed (onMessage) and ws's parsing falls in "other".
 *
 * The chunks themselves come as TCP's do (./net-reads.ts: into the thread's one read buffer,
 * without the Readable stream machinery and its 'data' event: at 200 clients x 60 Hz about
 * 6 ms/s of the network thread's 140, measured against 'data' in one sitting). ws's receiver
 * keeps views of a chunk (a message split across reads, a close reason), so each read is
 * copied out of the shared buffer: a pooled copy of a few dozen bytes.
 *
 * The copy goes to the receiver's parser (its _write) directly, not through the Writable's
 * write: with permessage-deflate off the parser finishes every chunk before it returns, so the
 * Writable's bookkeeping (its state, a deferred callback per read) buys nothing here. Measured
 * in one sitting, 3 runs each: ws/tcp host CPU 1.16 against 1.23 through write(). The parser
 * bounds what it keeps (maxPayload), so there is no backpressure to give. ws stops reading at
 * a close frame or a protocol error (it removes its 'data' listener, and ends or destroys its
 * receiver): reads that come after are dropped as ws would drop them. Where ws lacks these
 * private parts, its 'data' listener reads the socket as ws meant.
 */
function readInto(ws: WebSocket, socket: Socket): { timed: boolean; direct: boolean; parser: boolean } {
  const receiver = (ws as unknown as { _receiver?: Receiver })._receiver;
  const write = receiver?.write;
  if (typeof write !== 'function') return { timed: false, direct: false, parser: false };
  /** `feed` timed as this thread's 'read' stage. */
  const timed =
    (feed: (chunk: Buffer) => boolean) =>
    (chunk: Buffer): boolean => {
      const t0 = threadClock().startInTurn();
      const more = feed(chunk);
      threadClock().add('read', performance.now() - t0);
      return more;
    };
  receiver!.write = timed((chunk) => write.call(receiver, chunk));
  // ws's parser proper, without the Writable around it (see above); its errors destroy the
  // receiver as the Writable would, which ws hears as its receiver's 'error'. Only while every
  // parse finishes before it returns (no deferred events, no inflating): a parse that did not
  // would be entered again by the next read, where the Writable would have queued it.
  const synchronous = receiver!._allowSynchronousEvents === true && !!receiver!._extensions && Object.keys(receiver!._extensions).length === 0;
  const parse = synchronous && typeof receiver!._write === 'function' && typeof receiver!.destroy === 'function' ? receiver!._write : undefined;
  const parsed = (err?: Error | null) => {
    if (err) receiver!.destroy!(err);
  };
  const feed = parse ? timed((chunk) => (parse.call(receiver, chunk, 'buffer', parsed), true)) : receiver!.write;
  const direct = directReads(
    socket,
    (n, buf) => {
      // ws is done with this peer (close frame, protocol error): what follows is not parsed
      if (receiver!.writableEnded || receiver!.destroyed) return;
      const chunk = Buffer.allocUnsafe(n);
      buf.copy(chunk, 0, 0, n);
      if (!feed(chunk)) socket.pause();
    },
    true,
  );
  return { timed: true, direct, parser: direct && !!parse };
}

export class WsConnection extends Connection {
  private closeTimer: NodeJS.Timeout | undefined;
  /** ws's parsing and our handling are timed together (readInto); else onMessage times the handling. */
  private readonly readsTimed: boolean;
  /** The socket reads into the thread's read buffer (./net-reads.ts), not through 'data'. */
  readonly directReads: boolean;
  /** Those reads go to ws's frame parser itself, not through its receiver's Writable. */
  readonly parsesDirectly: boolean;

  constructor(
    readonly ws: WebSocket,
    socket: Socket,
    limits: ConnectionLimits,
    drops: DropCounter,
    events: ConnectionEvents,
  ) {
    super(socket, limits, drops, events, false);
    this.mode = 'msgpack';
    ({ timed: this.readsTimed, direct: this.directReads, parser: this.parsesDirectly } = readInto(ws, socket));
    socket.on('drain', () => (this.behindSince = 0));
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('ping', (data: Buffer) => this.onPing(data));
    ws.on('error', (err: Error & { code?: string }) => this.onError(err));
    ws.on('close', () => {
      clearTimeout(this.closeTimer);
      this.closed = true;
      this.events.closed(this);
    });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    // binaryType 'nodebuffer': a whole message, reassembled by ws, is one Buffer
    const buf = data as Buffer;
    traffic.bytesIn += buf.length;
    if (this.closed) return;
    if (!isBinary) {
      this.drops.count(DropReason.WS_TEXT_MESSAGE, { conn: this.id });
      this.closeWith(WsClose.UNSUPPORTED_DATA, 'binary messages only');
      return;
    }
    if (this.readsTimed) return void this.deliver(buf);
    const t0 = threadClock().startInTurn();
    this.deliver(buf);
    threadClock().add('read', performance.now() - t0);
  }

  private onPing(data: Buffer): void {
    traffic.bytesIn += data.length;
    if (this.closed || !this.admit()) return;
    // a peer that does not read gets no more bytes than a snapshot skip allows; SLOW_CONSUMER follows
    if (this.backlog > this.limits.maxBacklog) return;
    this.ws.pong(data);
  }

  /** ws found the peer's bytes unusable and closes the socket itself (1009 over maxPayload, 1002...). */
  private onError(err: Error & { code?: string }): void {
    if (this.closed) return;
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.drops.count(ErrorCode.FRAME_TOO_LARGE, { conn: this.id, why: err.message });
    else this.drops.count(DropReason.WS_BAD_FRAME, { conn: this.id, why: err.message, code: err.code });
    this.closed = true;
  }

  override write(frame: Uint8Array): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    const payloadBytes = frame.byteLength - LENGTH_BYTES;
    traffic.bytesOut += payloadBytes;
    if (frame === last.frame && (last.ws ??= wholeWsFrame(this.payloadOf(frame))) !== null) this.socket.write(last.ws);
    else {
      last.frame = frame;
      last.ws = null;
      this.ws.send(this.payloadOf(frame), BINARY);
    }
    if (this.backlog > this.limits.maxBacklog && this.behindSince === 0) this.behindSince = performance.now();
  }

  private payloadOf(frame: Uint8Array): Buffer {
    return Buffer.from(frame.buffer, frame.byteOffset + LENGTH_BYTES, frame.byteLength - LENGTH_BYTES);
  }

  override get backlog(): number {
    return this.ws.bufferedAmount;
  }

  override fail(err: ProtocolError, counted = true): void {
    if (this.closed) return;
    if (counted) this.drops.count(err.code, { conn: this.id, why: err.message });
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(packr.pack(errorMsg(err)), { binary: true });
    this.closeWith(wsCloseCode(err.code), err.code);
  }

  override close(): void {
    this.closeWith(WsClose.NORMAL, '');
  }

  private closeWith(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
    // a peer that never reads never answers the close: cut it after a moment
    this.closeTimer = setTimeout(() => this.ws.terminate(), 1000);
    this.closeTimer.unref();
  }
}
