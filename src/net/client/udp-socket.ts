// A client's UDP connection to a host, shaped like the TCP socket the client library uses
// (events 'connect', 'data', 'error', 'close'; write / end / destroy in msgpack-mode bytes),
// so LanpartyClient runs over UDP unchanged but for how it opens its socket.
//
//   'connect' at once (the client then writes the preamble and its join, which wait here)
//   REQUEST (1,200 bytes, our nonce) every 250 ms   until a CHALLENGE for our nonce
//   RESPONSE (cookie + the join) every 250 ms       until ACCEPTED or DENIED
//   ACCEPTED -> a DatagramStream carries everything from then on
//   DENIED   -> the host's error as a msgpack `error` frame, then 'close'
//   no CHALLENGE within `answerMs` (transport 'auto': 1 s) -> 'error' (code ETIMEDOUT), 'close'
//   RESET with our key (the host lost our connection) -> 'error' (code ECONNRESET), 'close'

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { Packr } from 'msgpackr';
import { encodeMsgpackFrame, LENGTH_BYTES, PREAMBLE_BYTES, preamble } from '../protocol/msgpack-frame.js';
import { decodeUdp, encodeRequest, encodeResponse, NONCE_BYTES, UdpType } from '../protocol/udp.js';
import { DatagramStream, UdpPeer } from '../udp/index.js';

const RETRY_MS = 250;
/**
 * The receive buffer asked for (Linux caps it at net.core.rmem_max). At the default (~208 KB,
 * ~90 full datagrams) a client sent a 1,000-entity world (five datagrams a snapshot, 300 a
 * second) overflows after a 300 ms stall of its process, and what the kernel drops is loss
 * to the host, which steps the client down; 1 MiB rides out a stall of a second.
 */
export const CLIENT_RECV_BUFFER_BYTES = 1024 * 1024;
const SERVICE_MS = 20;
const packr = new Packr({ useRecords: false });

export interface UdpSocketOptions {
  host: string;
  port: number;
  /** Give up (error ETIMEDOUT) when the host has not answered the handshake in this long (default 1 s). */
  answerMs?: number;
  /** Largest frame on the reliable stream (default 16 MiB, as over TCP). */
  maxFrame?: number;
}

export class UdpClientSocket extends EventEmitter {
  /** Datagrams counted by why they were dropped (the host's connection, or garbage). */
  readonly drops: Record<string, number> = {};
  private readonly dgram: DgramSocket;
  private readonly nonce = randomBytes(NONCE_BYTES);
  private challenge: { time: number; cookie: Buffer } | null = null;
  private join: Buffer | null = null;
  private readonly early: Buffer[] = [];
  private preambleLeft = PREAMBLE_BYTES;
  private stream: DatagramStream | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = performance.now();
  private lastTryAt = -Infinity;
  private closed = false;
  private closing = false;

  constructor(private readonly o: UdpSocketOptions) {
    super();
    this.dgram = createSocket({ type: 'udp4' });
    this.dgram.on('message', (m) => this.onDatagram(m));
    this.dgram.on('error', (err) => this.fail(err));
    // connect(): the kernel then drops datagrams from anyone but the host
    this.dgram.connect(o.port, o.host, () => {
      try {
        this.dgram.setRecvBufferSize(CLIENT_RECV_BUFFER_BYTES);
      } catch {
        // not allowed here: the default stays, which only costs drops under a stall
      }
      this.emit('connect');
      this.handshake(performance.now());
    });
    this.timer = setInterval(() => this.service(), SERVICE_MS);
  }

  get connected(): boolean {
    return this.stream !== null;
  }

  /** The connection's packet counters (null before it is accepted). */
  get peer(): UdpPeer | null {
    return this.stream?.peer ?? null;
  }

  private count(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  private send(b: Buffer): void {
    if (!this.closed) this.dgram.send(b);
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.stream) return this.stream.write(chunk);
    let data = Buffer.from(chunk);
    if (this.preambleLeft > 0) {
      const n = Math.min(this.preambleLeft, data.length);
      this.preambleLeft -= n;
      data = data.subarray(n);
    }
    if (data.length === 0) return true;
    // the first frame is the join: it rides the RESPONSE; the rest waits for ACCEPTED
    if (!this.join) {
      this.join = data.subarray(LENGTH_BYTES);
      this.handshake(performance.now());
    } else this.early.push(data);
    return true;
  }

  private handshake(now: number): void {
    if (this.stream || this.closed) return;
    this.lastTryAt = now;
    if (!this.challenge) return this.send(encodeRequest(this.nonce));
    if (this.join) this.send(encodeResponse(this.nonce, this.challenge.time, this.challenge.cookie, this.join));
  }

  private onDatagram(m: Buffer): void {
    const d = decodeUdp(m);
    if (!d.ok) return this.count(d.reason);
    const p = d.packet;
    switch (p.type) {
      case UdpType.CHALLENGE:
        if (this.challenge || !p.nonce.equals(this.nonce)) return this.count('udp.unexpected_challenge');
        this.challenge = { time: p.time, cookie: Buffer.from(p.cookie) };
        return this.handshake(performance.now());
      case UdpType.ACCEPTED:
        if (this.stream || !p.nonce.equals(this.nonce)) return this.count('udp.unexpected_accepted');
        return this.accepted(Buffer.from(p.key));
      case UdpType.DENIED: {
        if (this.stream || !p.nonce.equals(this.nonce)) return this.count('udp.unexpected_denied');
        this.emit('data', preamble());
        this.emit('data', encodeMsgpackFrame(packr.pack({ type: 'error', code: p.code, message: `refused over UDP: ${p.code}` })));
        return this.destroy();
      }
      case UdpType.RESET:
        // only who saw our key can send this: the host lost our connection (its network
        // thread restarted): end at once, as a TCP reset does, so the owner rejoins now
        if (!this.stream || !this.stream.peer.key.equals(p.key)) return this.count('udp.unexpected_reset');
        return this.fail(Object.assign(new Error(`the host at ${this.o.host}:${this.o.port} has no connection for us`), { code: 'ECONNRESET' }), false);
      case UdpType.REQUEST:
      case UdpType.RESPONSE:
        return this.count('udp.wrong_direction');
      default:
        if (!this.stream) return this.count('udp.unknown_connection');
        if (!this.stream.peer.key.equals(p.header.key)) return this.count('udp.forged_key');
        if (p.type === UdpType.INPUT) return this.count('udp.wrong_direction');
        this.stream.receive(p, performance.now());
    }
  }

  private accepted(key: Buffer): void {
    const now = performance.now();
    const stream = new DatagramStream(new UdpPeer(key, now), {
      unreliable: 'input',
      maxFrame: this.o.maxFrame ?? 16 * 1024 * 1024,
      send: (b) => this.send(b),
      dropped: (r) => this.count(r),
    });
    this.stream = stream;
    stream.on('data', (c: Buffer) => this.emit('data', c));
    stream.once('close', () => {
      if (!this.closing) this.destroy();
    });
    stream.write(preamble()); // skipped: the host knows the mode
    stream.emitPreamble();
    for (const f of this.early.splice(0)) stream.write(f);
  }

  private service(): void {
    const now = performance.now();
    if (this.stream) return this.stream.service(now);
    if (now - this.startedAt > (this.o.answerMs ?? 1000) && !this.challenge) {
      return this.fail(Object.assign(new Error(`no UDP answer from ${this.o.host}:${this.o.port}`), { code: 'ETIMEDOUT' }));
    }
    if (now - this.lastTryAt >= RETRY_MS) {
      // the same nonce again: a challenge that comes late (a loaded host, a slow link) still counts
      this.handshake(now);
    }
  }

  private fail(err: Error, sayGoodbye = true): void {
    if (this.closed) return;
    this.emit('error', err);
    this.destroy(sayGoodbye);
  }

  end(): void {
    if (this.stream) this.stream.end();
    else this.destroy();
  }

  destroy(sayGoodbye = true): void {
    if (this.closing) return;
    this.closing = true;
    if (this.stream && !this.stream.destroyed) this.stream.destroy(sayGoodbye);
    this.closed = true;
    clearInterval(this.timer);
    try {
      this.dgram.close();
    } catch {
      // already closed by an error
    }
    // asynchronously, as a TCP socket does: callers close and go on before 'close' runs
    process.nextTick(() => this.emit('close', false));
  }

  setNoDelay(): this {
    return this;
  }
}
