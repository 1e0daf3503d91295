// A WebSocket peer (the web page) as a Connection: the rest of the host (joins, inputs, chat,
// snapshots, rate limits, send-rate adaptation, slow-consumer drops) handles it exactly like
// a TCP msgpack client. Only the framing differs (docs/protocol.md, "WebSocket"):
//
//   TCP msgpack:  "LPMP"+version, then  [ uint32 LE length | msgpack payload ] ...
//   WebSocket:    no preamble;          one binary WS message = one msgpack payload
//
// Every frame the host builds carries the 4-byte length header of TCP mode; here the payload
// is sent as a subarray of it (no copy). The backlog is ws.bufferedAmount (bytes queued in
// the ws sender and the socket), so skipping and SLOW_CONSUMER work as for TCP.
//
// Pings are answered here, not by ws (the HTTP front turns its autoPong off): a ping counts
// against the peer's message rate like any message (RATE_LIMITED over it), and is not
// answered while the peer is behind on reading. ws's own answer pongs every ping at any
// rate, and cuts a peer with 60 unwritten pongs without a word: neither counted nor logged.

import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { threadClock } from '../../engine/thread-cpu.js';
import { ErrorCode, type ProtocolError } from '../errors.js';
import { errorMsg } from '../protocol/messages.js';
import { LENGTH_BYTES } from '../protocol/msgpack-frame.js';
import { Connection, packr, traffic, type ConnectionEvents, type ConnectionLimits } from './connection.js';
import { DropReason, type DropCounter } from './drops.js';

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

export class WsConnection extends Connection {
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    socket: Socket,
    limits: ConnectionLimits,
    drops: DropCounter,
    events: ConnectionEvents,
  ) {
    super(socket, limits, drops, events, false);
    this.mode = 'msgpack';
    // this thread's 'read' stage, as for TCP: ws parses the bytes in its own 'data' listener
    // (added at the upgrade, before this one) and emits the messages from within it, so a
    // listener before it and one after it time ws's parsing and our handling together
    let t0 = 0;
    socket.prependListener('data', () => (t0 = threadClock().startInTurn()));
    socket.on('data', () => threadClock().add('read', performance.now() - t0));
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
    this.deliver(buf);
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
    const payload = frame.subarray(LENGTH_BYTES);
    traffic.bytesOut += payload.byteLength;
    this.ws.send(payload, { binary: true });
    if (this.backlog > this.limits.maxBacklog && this.behindSince === 0) this.behindSince = performance.now();
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
