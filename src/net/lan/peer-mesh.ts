// TCP links between peers. The node with the lower id connects to the higher one (as in
// seed 000), so there is one link per pair.
//
//   connector -> acceptor, once:   'L' 'P' 'P' 'E' <version = 1>
//   then frames both ways:         uint32 LE length | msgpack { b: bin, m?: hex }
//     b = msgpack of the message { t, from, n, ... }, n growing by 1 per message on a link
//     m = HMAC-SHA256(key, b) when the session has a key
//   the first message each way is { t: "hello", from, n: 0 }
//   a link idle for KEEPALIVE_MS carries { t: "ka", from, n } (not passed on), and a link
//   on which nothing arrived for LINK_DEAD_MS is closed: a partition leaves TCP links open
//   but dead (their retransmissions back off for seconds after the network heals), and a
//   dead link is never re-dialled while it stands
//   a link closed on purpose (silent, or a protocol error) ends with { t: "bye", from, n }
//   (not passed on), so that the other end can tell it from a link whose far process died:
//   onPeerDown says 'lost' for a link that ended from the far side without a word while this
//   process ran (the kernel closed it: the far process died), and 'closed' otherwise: closed
//   here, "bye" received, or ended while or just after this process stood still (paused,
//   starved): its peers closed such links for its silence, and a "bye" can be lost when
//   this side writes to the closed link before it reads (EPIPE)
//
// A link whose hello, MAC, sender or sequence is wrong is closed and counted: with a key,
// a stranger cannot speak for a peer id, nor replay a recorded message.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import type { Logger } from '../../engine/log.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { encodeMsgpackFrame, msgpackFrameFormat } from '../protocol/msgpack-frame.js';
import { DropCounter, DropReason } from '../server/drops.js';
import { assertHermetic } from './hermetic.js';

export const PEER_MAGIC = Buffer.from('LPPE1', 'latin1');
export const DEFAULT_PEER_PORT = 5051;
const MAX_PEER_FRAME = 64 * 1024 * 1024;
export const KEEPALIVE_MS = 200;
export const LINK_DEAD_MS = 1000;

export interface MeshMessage {
  t: string;
  [k: string]: unknown;
}

export interface MeshOptions {
  id: string;
  bind: string;
  port?: number;
  key?: string | undefined;
  log: Logger;
  onMessage(from: string, m: MeshMessage): void;
  onPeerUp?(id: string): void;
  /** 'lost': ended from the far side without a word (its process died); 'closed': closed on purpose, here or there. */
  onPeerDown?(id: string, how: PeerDown): void;
}

export type PeerDown = 'lost' | 'closed';

/** How long a link closed here waits for its "bye" to go out before it is destroyed. */
const BYE_LINGER_MS = 1000;

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

class Link {
  peer = '';
  sendSeq = 0;
  recvSeq = -1;
  lastRecv = performance.now();
  lastSend = performance.now();
  /** Closed here on purpose (reject): out of the mesh, nothing more is read from it. */
  closedHere = false;
  /** The far end said "bye": it closes the link on purpose (its process lives). */
  saidBye = false;
  private decoder = new FrameDecoder(msgpackFrameFormat, MAX_PEER_FRAME);
  private magicLeft: number;

  constructor(
    readonly socket: Socket,
    readonly outbound: boolean,
    private readonly mesh: PeerMesh,
  ) {
    this.magicLeft = outbound ? 0 : PEER_MAGIC.length;
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', () => {});
    socket.on('close', () => mesh.linkClosed(this));
  }

  private onData(chunk: Buffer): void {
    // closed here: what still arrives is not read
    if (this.closedHere) return;
    this.lastRecv = performance.now();
    if (this.magicLeft > 0) {
      const n = Math.min(this.magicLeft, chunk.length);
      const at = PEER_MAGIC.length - this.magicLeft;
      if (!chunk.subarray(0, n).equals(PEER_MAGIC.subarray(at, at + n))) return this.mesh.reject(this, DropReason.PEER_BAD_PREAMBLE);
      this.magicLeft -= n;
      chunk = chunk.subarray(n);
      if (!chunk.length) return;
    }
    for (const f of this.decoder.push(chunk)) this.mesh.frame(this, f);
    if (this.decoder.failed) this.mesh.reject(this, DropReason.PEER_FRAME_TOO_LARGE);
  }

  send(m: MeshMessage, key: string | undefined): void {
    this.lastSend = performance.now();
    const b = packr.pack({ ...m, n: this.sendSeq++ });
    const wrapped: Record<string, unknown> = { b };
    if (key) wrapped.m = createHmac('sha256', key).update(b).digest('hex');
    this.socket.write(encodeMsgpackFrame(packr.pack(wrapped)));
  }
}

export class PeerMesh {
  readonly drops: DropCounter;
  port = 0;
  private server!: Server;
  private readonly links = new Map<string, Link>();
  private readonly pending = new Set<Link>();
  private readonly dialing = new Set<string>();
  private keepalive: NodeJS.Timeout | undefined;
  private lastCheck = performance.now();
  /** Until then, links that end are taken as closed on purpose (this process stood still: checkLinks). */
  private stillUntil = 0;

  constructor(private readonly o: MeshOptions) {
    this.drops = new DropCounter(o.log);
  }

  async start(): Promise<void> {
    assertHermetic(this.o.bind);
    this.server = createServer((s) => this.adopt(new Link(s, false, this)));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port ?? DEFAULT_PEER_PORT, this.o.bind, () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    this.lastCheck = performance.now();
    this.keepalive = setInterval(() => this.checkLinks(), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Keepalives on idle links; close the links nothing arrived on for LINK_DEAD_MS. */
  private checkLinks(): void {
    const now = performance.now();
    // this process did not run for a while (paused, starved): what arrived meanwhile is not
    // read yet, so every link gets a fresh window instead of being taken for dead
    const stalled = now - this.lastCheck > 3 * KEEPALIVE_MS;
    if (stalled) this.stillUntil = now + LINK_DEAD_MS;
    this.lastCheck = now;
    for (const link of [...this.links.values()]) {
      if (stalled) link.lastRecv = now;
      else if (now - link.lastRecv > LINK_DEAD_MS) {
        this.reject(link, DropReason.PEER_SILENT);
        continue;
      }
      if (now - link.lastSend >= KEEPALIVE_MS) link.send({ t: 'ka', from: this.o.id }, this.o.key);
    }
  }

  /** Whether a link to `id` is up. */
  has(id: string): boolean {
    return this.links.has(id);
  }

  /** Dial a peer we learnt of, when it is ours to dial (our id is the lower one). */
  dial(id: string, ip: string, port: number): void {
    if (id <= this.o.id || this.links.has(id) || this.dialing.has(id)) return;
    this.dialing.add(id);
    const s = connect({ host: ip, port, localAddress: this.o.bind });
    s.once('connect', () => {
      s.write(PEER_MAGIC);
      this.adopt(new Link(s, true, this), id);
    });
    s.once('error', () => this.dialing.delete(id));
    s.once('close', () => this.dialing.delete(id));
  }

  private adopt(link: Link, expected?: string): void {
    this.pending.add(link);
    if (expected) link.peer = expected;
    link.send({ t: 'hello', from: this.o.id }, this.o.key);
  }

  /** @internal */
  frame(link: Link, f: Buffer): void {
    // the rest of a chunk whose earlier frame closed the link
    if (link.closedHere) return;
    let wrapped: { b?: unknown; m?: unknown };
    let m: MeshMessage & { from?: unknown; n?: unknown };
    try {
      wrapped = unpackr.unpack(f);
      if (!(wrapped?.b instanceof Uint8Array)) return this.reject(link, DropReason.PEER_BAD_FRAME);
      if (this.o.key) {
        const want = createHmac('sha256', this.o.key).update(wrapped.b).digest();
        const got = typeof wrapped.m === 'string' ? Buffer.from(wrapped.m, 'hex') : Buffer.alloc(0);
        if (got.length !== want.length || !timingSafeEqual(got, want)) return this.reject(link, DropReason.PEER_BAD_MAC);
      }
      m = unpackr.unpack(wrapped.b);
    } catch {
      return this.reject(link, DropReason.PEER_BAD_ENCODING);
    }
    if (typeof m !== 'object' || m === null || typeof m.t !== 'string' || typeof m.from !== 'string') {
      return this.reject(link, DropReason.PEER_BAD_MESSAGE);
    }
    if (typeof m.n !== 'number' || m.n <= link.recvSeq) return this.reject(link, DropReason.PEER_REPLAY);
    link.recvSeq = m.n;
    if (this.pending.has(link)) {
      if (m.t !== 'hello' || (link.peer && link.peer !== m.from) || m.from === this.o.id) return this.reject(link, DropReason.PEER_BAD_HELLO);
      this.pending.delete(link);
      this.dialing.delete(m.from);
      link.peer = m.from;
      const old = this.links.get(m.from);
      this.links.set(m.from, link);
      if (old) old.socket.destroy();
      else this.o.onPeerUp?.(m.from);
      return;
    }
    if (m.from !== link.peer) return this.reject(link, DropReason.PEER_WRONG_SENDER);
    if (m.t === 'ka') return;
    if (m.t === 'bye') return void (link.saidBye = true);
    try {
      this.o.onMessage(link.peer, m);
    } catch (err) {
      // a bug in handling one message must not take the node down: count it, drop the link
      this.o.log.error({ err: (err as Error).stack }, 'peer message handler failed');
      this.reject(link, DropReason.PEER_HANDLER_ERROR);
    }
  }

  /**
   * Close a link on purpose (silent, or a protocol error): it leaves the mesh now, and the far
   * end is told "bye" before the end of the stream, so it does not take this for a death.
   * @internal
   */
  reject(link: Link, reason: DropReason): void {
    if (link.closedHere) return;
    this.drops.count(reason, { peer: link.peer || undefined });
    link.closedHere = true;
    const live = this.drop(link);
    if (!link.socket.destroyed && link.socket.writable) {
      link.send({ t: 'bye', from: this.o.id }, this.o.key);
      link.socket.end();
      setTimeout(() => link.socket.destroy(), BYE_LINGER_MS).unref();
    } else {
      link.socket.destroy();
    }
    if (live) this.o.onPeerDown?.(link.peer, 'closed');
  }

  /** Take the link out of the mesh; true if it was a peer's live link. */
  private drop(link: Link): boolean {
    this.pending.delete(link);
    if (!link.peer || this.links.get(link.peer) !== link) return false;
    this.links.delete(link.peer);
    return true;
  }

  /** Whether this process did not run for a while (checkLinks late), or did not until lately. */
  private stoodStill(now: number): boolean {
    return now - this.lastCheck > 3 * KEEPALIVE_MS || now < this.stillUntil;
  }

  /** @internal */
  linkClosed(link: Link): void {
    if (!this.drop(link)) return;
    const lost = !link.saidBye && !this.stoodStill(performance.now());
    this.o.onPeerDown?.(link.peer, lost ? 'lost' : 'closed');
  }

  send(to: string, m: MeshMessage): boolean {
    const link = this.links.get(to);
    if (!link) return false;
    link.send({ ...m, from: this.o.id }, this.o.key);
    return true;
  }

  peers(): string[] {
    return [...this.links.keys()];
  }

  stop(): void {
    clearInterval(this.keepalive);
    this.server?.close();
    for (const l of [...this.links.values(), ...this.pending]) l.socket.destroy();
  }
}
