// LAN discovery over UDP broadcast. Two sockets per node:
//
//   listener  bound to <broadcast address>:<discovery port>, SO_REUSEADDR, so every node
//             (and every client listing sessions) on the machine hears each broadcast
//   unicast   bound to <bind address>:<any port>: sends beacons and queries to the
//             broadcast address, and receives the direct answers to its queries
//
// A node beacons about once a second (jittered) and queries once at start so it need not
// wait. Malformed datagrams are dropped with a counted reason: one bad datagram never stops
// discovery. Tests bind to 127.0.0.x (broadcast 127.255.255.255 stays on the machine), and
// a node under test refuses any other interface unless the test created it (see hermetic.ts).

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../../engine/log.js';
import { DropCounter, DropReason } from '../server/drops.js';
import { encodeBeacon, encodeQuery, parseDatagram, type Beacon } from './beacon.js';
import { assertHermetic } from './hermetic.js';

export const DEFAULT_DISCOVERY_PORT = 5052;

export interface DiscoveryOptions {
  id: string;
  bind: string;
  port?: number;
  key?: string | undefined;
  intervalMs?: number;
  /** This node's beacon (null for a listener that only lists sessions). */
  beacon?: () => Omit<Beacon, 'v' | 'k' | 'q' | 'id'> | null;
  log: Logger;
}

export interface SeenNode {
  beacon: Beacon;
  lastSeen: number;
}

/** The broadcast address of the network `bind` is on. */
export function broadcastAddressFor(bind: string): string {
  if (bind.startsWith('127.')) return '127.255.255.255';
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.address !== bind) continue;
      const ip = a.address.split('.').map(Number);
      const mask = a.netmask.split('.').map(Number);
      return ip.map((o, i) => (o | (~mask[i]! & 255)) & 255).join('.');
    }
  }
  return '255.255.255.255';
}

export class Discovery extends EventEmitter<{ beacon: [Beacon]; lost: [string] }> {
  readonly drops: DropCounter;
  readonly seen = new Map<string, SeenNode>();
  readonly broadcast: string;
  readonly port: number;
  private listener: Socket | null = null;
  private unicast: Socket | null = null;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly lastSeq = new Map<string, number>();
  private readonly replies = new Map<string, { at: number; n: number }>();

  constructor(private readonly o: DiscoveryOptions) {
    super();
    this.drops = new DropCounter(o.log);
    this.broadcast = broadcastAddressFor(o.bind);
    this.port = o.port ?? DEFAULT_DISCOVERY_PORT;
  }

  async start(): Promise<void> {
    assertHermetic(this.o.bind);
    const listener = (this.listener = createSocket({ type: 'udp4', reuseAddr: true }));
    const unicast = (this.unicast = createSocket({ type: 'udp4' }));
    for (const s of [listener, unicast]) {
      s.on('message', (m, r) => this.onDatagram(m, r));
      s.on('error', (err) => this.o.log.warn({ err: err.message }, 'discovery socket error'));
    }
    await new Promise<void>((r) => listener.bind(this.port, this.broadcast, () => r()));
    await new Promise<void>((r) => unicast.bind(0, this.o.bind, () => r()));
    unicast.setBroadcast(true);
    this.query();
    this.announce();
  }

  /** Ask every node to answer now. */
  query(): void {
    this.send(encodeQuery(this.o.id, ++this.seq, this.o.key), this.broadcast, this.port);
  }

  /** Beacon now (and then about every intervalMs). */
  announce(): void {
    clearTimeout(this.timer);
    const b = this.ownBeacon();
    if (b) this.send(b, this.broadcast, this.port);
    const every = this.o.intervalMs ?? 1000;
    this.timer = setTimeout(() => this.announce(), every * (0.9 + Math.random() * 0.2));
    this.timer.unref();
    this.expire();
  }

  private ownBeacon(): Buffer | null {
    const b = this.o.beacon?.();
    return b ? encodeBeacon({ ...b, id: this.o.id, q: ++this.seq }, this.o.key) : null;
  }

  private send(buf: Buffer, address: string, port: number): void {
    if (!this.unicast) return; // stopped
    this.unicast.send(buf, port, address, (err) => {
      if (err) this.drops.count(DropReason.DISCOVERY_SEND_FAILED, { err: err.message });
    });
  }

  private onDatagram(buf: Buffer, r: RemoteInfo): void {
    const p = parseDatagram(buf, this.o.key);
    if (!p.ok) return this.drops.count(p.reason, { from: `${r.address}:${r.port}` });
    const d = p.d;
    if (d.id === this.o.id) return; // our own broadcast, looped back
    if (this.o.key) {
      // signed datagrams carry a growing sequence: a replayed one is dropped
      if (d.q <= (this.lastSeq.get(d.id) ?? -1)) return this.drops.count(DropReason.BEACON_REPLAY, { from: r.address });
      this.lastSeq.set(d.id, d.q);
    }
    if (d.k === 'q') return this.answer(p.bytes, r);
    this.seen.set(d.id, { beacon: d, lastSeen: performance.now() });
    this.emit('beacon', d);
  }

  /** Answer a query with our beacon: never larger than the query, at most 4 a second per source. */
  private answer(queryBytes: number, r: RemoteInfo): void {
    const b = this.ownBeacon();
    if (!b) return;
    if (b.length > queryBytes) return this.drops.count(DropReason.QUERY_REPLY_LARGER_THAN_QUERY, { from: r.address });
    const key = `${r.address}:${r.port}`;
    const now = performance.now();
    const rl = this.replies.get(key);
    if (rl && now - rl.at < 1000) {
      if (rl.n >= 4) return this.drops.count(DropReason.QUERY_RATE_LIMITED, { from: key });
      rl.n++;
    } else this.replies.set(key, { at: now, n: 1 });
    if (this.replies.size > 1024) this.replies.clear();
    this.send(b, r.address, r.port);
  }

  /** Nodes silent for 3.5 beacon intervals are forgotten. */
  private expire(): void {
    const limit = (this.o.intervalMs ?? 1000) * 3.5;
    const now = performance.now();
    for (const [id, s] of this.seen) {
      if (now - s.lastSeen > limit) {
        this.seen.delete(id);
        this.emit('lost', id);
      }
    }
  }

  /** Idempotent: a node that left its session (LanNode.leave) is stopped again on exit. */
  stop(): void {
    clearTimeout(this.timer);
    this.listener?.close();
    this.unicast?.close();
    this.listener = null;
    this.unicast = null;
  }
}
