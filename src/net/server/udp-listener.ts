// The host's UDP side (docs/protocol.md "UDP mode"): one dgram socket on the game port's
// number, the stateless handshake, and one DatagramStream per connected client, handed to
// the NetServer as if it were a TCP socket in msgpack mode. Sessions, joins, chat,
// snapshots, interest and budgets are therefore the TCP path's own code.
//
//   datagram -> decodeUdp -> REQUEST  -> CHALLENGE (rate-limited, no state kept)
//                         -> RESPONSE -> cookie checked -> ACCEPTED + a new stream
//                                                          (a repeat: the same ACCEPTED again)
//                         -> connected types -> stream of that address, key checked
//   every 20 ms: resends, keepalives, timeouts
//
// Every datagram dropped is counted under its udp.* reason (drops.ts) and logged.

import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as DgramSocket, type SocketOptions } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIPv4, type Socket } from 'node:net';
import {
  decodeUdp,
  encodeAccepted,
  encodeChallenge,
  encodeReset,
  KEY_BYTES,
  UdpDrop,
  type UdpPacket,
  UdpType,
} from '../protocol/udp.js';
import { CookieJar, DatagramStream, SendSlab, UdpPeer } from '../udp/index.js';
import type { DropCounter } from './drops.js';

/** Challenges sent per second at most, over all addresses (a spoofed flood costs this much). */
export const CHALLENGES_PER_SECOND = 2000;
const SERVICE_MS = 20;

/** What a Connection needs of its socket, over UDP. */
class HostUdpStream extends DatagramStream {
  remoteAddress = '';
  remotePort = 0;
  nonce = Buffer.alloc(0);
  /** The connection key as two little-endian u32 (compared with every packet's). */
  key0 = 0;
  key1 = 0;
  /** Bytes "queued": the loss the host sees, in the units SendRate steps down on (see writableLength). */
  lossBacklog = 0;
  /** The last loss window was over LOSS_STEP_DOWN too. */
  lossyBefore = false;
  setNoDelay(): void {}
  get writableLength(): number {
    return this.lossBacklog;
  }
}

export interface UdpListenerOptions {
  /** Largest frame on the reliable stream (the TCP inbound limit). */
  maxFrame: number;
  /** SendRate's backlog high water: reported while the measured loss is over LOSS_STEP_DOWN. */
  highWater: number;
  timeoutMs?: number;
  /** Challenges per second at most (default CHALLENGES_PER_SECOND). */
  challengesPerSecond?: number;
}

/**
 * Over this share of packets lost in two LOSS_WINDOW_MS windows in a row, the client is sent
 * fewer snapshots. High on purpose: Wi-Fi loses a few percent whatever the rate (fewer
 * snapshots would not help: PAIRs cover it, see UdpPeer.redundant), and over ~60 packets a
 * second 5 % loss often reads as 10 % by chance. One bad window is a burst (a stalled
 * receiver, a microwave oven) that a lower rate would only outlast; a fifth lost over four
 * seconds is congestion, which a lower rate relieves.
 */
export const LOSS_STEP_DOWN = 0.2;
export const LOSS_WINDOW_MS = 2000;

/**
 * Kernel buffers for one socket that every client shares: at the default (~208 KB, a few
 * hundred small datagrams) 200 clients sending 40 packets a second fill it in ~40 ms, so a
 * stall of the network thread (a GC, a big encode) would drop their inputs and acks, which
 * the host would then read as loss. Linux caps the request at net.core.rmem_max / wmem_max.
 */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** libuv's datagrams read per socket in one poll (uv__udp_recvmsg: 32, and one more). */
export const UV_READS_PER_POLL = 32;

export function roomyBuffers(socket: DgramSocket): void {
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {
    // not allowed here: the defaults stay, which only costs drops under a stall
  }
}

/** The address literalFirst last found to be an IPv4 literal (a connection's sends pass the same string). */
let lastLiteral = '';

/** dgram's lookup: an IPv4 literal at once, anything else (a bind to a name) through DNS. */
const literalFirst: NonNullable<SocketOptions['lookup']> = (address, options, callback) => {
  if (address === lastLiteral || isIPv4(address)) {
    lastLiteral = address;
    callback(null, address, 4);
  } else lookup(address, options, callback);
};

export class UdpListener {
  private readonly socket: DgramSocket;
  private readonly cookies = new CookieJar();
  private readonly streams = new Map<string, HostUdpStream>();
  /**
   * The same streams by port: a packet's stream found without making an "address:port"
   * string per datagram (a number key, then one string compare). Two clients on one port
   * (different machines) are rare: the second is found the slow way.
   */
  private readonly byPort = new Map<number, HostUdpStream>();
  private timer: NodeJS.Timeout | undefined;
  private challengeTokens: number;
  private readonly challengeRate: number;
  private tokensAt = performance.now();
  private lossAt = performance.now();
  /** Snapshot datagrams: one slab, carved again once nothing is queued on the socket. */
  private readonly slab = new SendSlab(() => this.socket.getSendQueueCount() > 0);
  private readonly alloc = (n: number): Buffer => this.slab.take(n);
  /** Datagrams read since moreToRead() was last asked. */
  private readSinceAsked = 0;

  constructor(
    private readonly drops: DropCounter,
    private readonly o: UdpListenerOptions,
    /** A new connection, shaped like a TCP socket in msgpack mode. */
    private readonly accept: (socket: Socket) => void,
  ) {
    this.challengeRate = o.challengesPerSecond ?? CHALLENGES_PER_SECOND;
    if (!(this.challengeRate > 0)) throw new RangeError('challengesPerSecond must be positive');
    this.challengeTokens = this.challengeRate;
    // every address we send to is one a datagram came from (an IPv4 literal): Node's default
    // lookup answers a literal a tick later, a queued callback per datagram sent
    this.socket = createSocket({ type: 'udp4', lookup: literalFirst });
    this.socket.on('message', (msg, rinfo) => {
      this.readSinceAsked++;
      this.onDatagram(msg, rinfo);
    });
    this.socket.on('error', () => {}); // ICMP unreachable and the like: the peer times out
  }

  /** The service timer runs only while there are UDP connections: an idle host must not wake every 20 ms. */
  private serviceWhileConnected(): void {
    if (this.streams.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.service(), SERVICE_MS);
      this.timer.unref();
    } else if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  async listen(port: number, bind: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, bind, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    roomyBuffers(this.socket);
    return this.socket.address().port;
  }

  /**
   * A poll of the event loop reads this socket UV_READS_PER_POLL datagrams at most, and the
   * network thread polls only at its looks (three a tick, src/workers/tick-watch.ts): true
   * when it read that many since the last call, so more may be queued and the look polls again.
   */
  moreToRead(): boolean {
    const more = this.readSinceAsked >= UV_READS_PER_POLL;
    this.readSinceAsked = 0;
    return more;
  }

  get connections(): number {
    return this.streams.size;
  }

  private drop(reason: UdpDrop, r: RemoteInfo, detail?: string): void {
    this.drops.count(reason, { from: `${r.address}:${r.port}`, ...(detail ? { detail } : {}) });
  }

  private onDatagram(msg: Buffer, r: RemoteInfo): void {
    const d = decodeUdp(msg);
    if (!d.ok) return this.drop(d.reason, r, d.detail);
    const p = d.packet;
    switch (p.type) {
      case UdpType.REQUEST:
        return this.challenge(p.nonce, r);
      case UdpType.RESPONSE:
        return this.respond(p, r);
      case UdpType.CHALLENGE:
      case UdpType.ACCEPTED:
      case UdpType.DENIED:
      case UdpType.RESET:
        return this.drop(UdpDrop.WRONG_DIRECTION, r, `type ${p.type}`);
      default:
        return this.connected(p, r);
    }
  }

  /** One reply to an address without a connection, within the budget (spoofed floods cost this much). */
  private replyBudget(r: RemoteInfo): boolean {
    const now = performance.now();
    this.challengeTokens = Math.min(this.challengeRate, this.challengeTokens + ((now - this.tokensAt) * this.challengeRate) / 1000);
    this.tokensAt = now;
    if (this.challengeTokens < 1) {
      this.drop(UdpDrop.HANDSHAKE_RATE_LIMITED, r);
      return false;
    }
    this.challengeTokens--;
    return true;
  }

  private challenge(nonce: Buffer, r: RemoteInfo): void {
    if (!this.replyBudget(r)) return;
    const { time, cookie } = this.cookies.issue(r.address, r.port, nonce);
    this.socket.send(encodeChallenge(nonce, time, cookie), r.port, r.address);
  }

  private respond(p: Extract<UdpPacket, { type: 3 }>, r: RemoteInfo): void {
    const bad = this.cookies.check(r.address, r.port, p.nonce, p.time, p.cookie);
    if (bad) return this.drop(bad, r);
    const addr = `${r.address}:${r.port}`;
    const known = this.streams.get(addr);
    if (known) {
      // the network repeated the response, or the ACCEPTED was lost: the same answer again
      if (known.nonce.equals(p.nonce)) this.socket.send(encodeAccepted(p.nonce, known.peer.key), r.port, r.address);
      else this.drop(UdpDrop.REPLAYED, r, 'a second handshake from a connected address');
      return;
    }
    const now = performance.now();
    const peer = new UdpPeer(randomBytes(KEY_BYTES), now, this.o.timeoutMs !== undefined ? { timeoutMs: this.o.timeoutMs } : {});
    const stream = new HostUdpStream(peer, {
      unreliable: 'snapshot',
      maxFrame: this.o.maxFrame,
      send: (b) => this.socket.send(b, r.port, r.address),
      alloc: this.alloc,
      dropped: (reason) => this.drop(reason, r),
    });
    stream.remoteAddress = r.address;
    stream.remotePort = r.port;
    stream.nonce = Buffer.from(p.nonce);
    stream.key0 = peer.key.readUInt32LE(0);
    stream.key1 = peer.key.readUInt32LE(4);
    this.streams.set(addr, stream);
    if (!this.byPort.has(r.port)) this.byPort.set(r.port, stream);
    this.serviceWhileConnected();
    stream.once('close', () => {
      this.streams.delete(addr);
      if (this.byPort.get(r.port) === stream) this.byPort.delete(r.port);
      this.serviceWhileConnected();
    });
    this.socket.send(encodeAccepted(p.nonce, peer.key), r.port, r.address);
    this.accept(stream as unknown as Socket);
    // what the client said first: the msgpack preamble, then its join
    stream.emitPreamble();
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(p.join.length, 0);
    stream.emit('data', Buffer.concat([head, p.join]));
  }

  private connected(p: Extract<UdpPacket, { header: unknown }>, r: RemoteInfo): void {
    let stream = this.byPort.get(r.port);
    if (stream === undefined || stream.remoteAddress !== r.address) stream = this.streams.get(`${r.address}:${r.port}`);
    if (!stream) {
      this.drop(UdpDrop.UNKNOWN_CONNECTION, r);
      // a client of a network thread that died (or that we timed out) learns at once that it
      // must handshake again, with its token; a goodbye needs no answer
      if (p.type !== UdpType.DISCONNECT && this.replyBudget(r)) this.socket.send(encodeReset(p.header.key), r.port, r.address);
      return;
    }
    // constant time like timingSafeEqual (no early exit), without a call into C++ per packet
    const k = p.header.key;
    if (((k.readUInt32LE(0) ^ stream.key0) | (k.readUInt32LE(4) ^ stream.key1)) !== 0) return this.drop(UdpDrop.FORGED_KEY, r);
    // snapshots go one way: a client sending fragments is up to no good (a fragment bomb)
    if (p.type === UdpType.FRAGMENT || p.type === UdpType.PAIR) return this.drop(UdpDrop.WRONG_DIRECTION, r, `snapshot type ${p.type} from a client`);
    stream.receive(p, performance.now());
  }

  private service(): void {
    const now = performance.now();
    const lossWindow = now - this.lossAt >= LOSS_WINDOW_MS;
    for (const s of this.streams.values()) {
      s.service(now);
      const sent = s.peer.sent;
      // the first packet known lost turns PAIRs on; a window without loss turns them off
      if (sent.lost > 0) s.peer.redundant = true;
      if (!lossWindow) continue;
      const n = sent.lost + sent.delivered;
      const lossy = n >= 40 && sent.lost / n > LOSS_STEP_DOWN;
      s.lossBacklog = lossy && s.lossyBefore ? this.o.highWater + 1 : 0;
      s.lossyBefore = lossy;
      if (sent.lost === 0 && n > 0) s.peer.redundant = false;
      sent.lost = 0;
      sent.delivered = 0;
    }
    if (lossWindow) this.lossAt = now;
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of [...this.streams.values()]) s.destroy();
    try {
      this.socket.close();
    } catch {
      // never bound (the port was taken): nothing to close
    }
  }
}
