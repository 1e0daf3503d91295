// The simulator on real sockets, in real time, for benches and tests: a relay that a client
// connects to instead of the host. Datagrams (UdpRelay) go through a NetSim each way; a TCP
// stream (TcpRelay) gets the same latency and jitter, and its losses the way TCP suffers
// them: the lost segment comes again after the retransmission timeout (Linux's minimum,
// 200 ms) and everything behind it waits (head-of-line blocking), in order, never lost.

import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { roomyBuffers } from '../server/udp-listener.js';
import { type LinkConditions, NetSim, seededRandom } from './netsim.js';

/** Linux's minimum retransmission timeout (ms): what one lost segment costs a TCP stream. */
export const TCP_MIN_RTO_MS = 200;
const PUMP_MS = 1;

export interface RelayTarget {
  host: string;
  port: number;
}

/** Something passed through the relay: direction, bytes, when it entered and left (ms, performance.now). */
export type RelayObserver = (toClient: boolean, client: string, bytes: Buffer, enteredAt: number, leftAt: number) => void;
/** Something entered the relay (and may be lost in it): direction, bytes, when (ms, performance.now). */
export type RelayEntryObserver = (toClient: boolean, client: string, bytes: Buffer, enteredAt: number) => void;

export class UdpRelay {
  private readonly outer: DgramSocket;
  private readonly upstream = new Map<string, DgramSocket>();
  private readonly sim: NetSim;
  private readonly timer: NodeJS.Timeout;
  port = 0;

  constructor(
    private readonly target: RelayTarget,
    conditions: LinkConditions,
    seed = 1,
    private readonly observe?: RelayObserver,
    private readonly entered?: RelayEntryObserver,
  ) {
    this.sim = new NetSim(conditions, seed);
    this.outer = createSocket('udp4');
    this.outer.on('message', (m, r) => this.enter(false, `${r.address}:${r.port}`, m));
    this.timer = setInterval(() => this.pump(), PUMP_MS);
  }

  async listen(bind: string): Promise<number> {
    await new Promise<void>((r) => this.outer.bind(0, bind, () => r()));
    // the simulator loses what its conditions say, not what overflows while this process stalls
    roomyBuffers(this.outer);
    this.port = this.outer.address().port;
    return this.port;
  }

  get stats() {
    return this.sim.stats;
  }

  private enter(toClient: boolean, client: string, m: Buffer): void {
    const now = performance.now();
    this.entered?.(toClient, client, m, now);
    if (toClient) this.sim.send('host', client, m, now);
    else this.sim.send(client, 'host', m, now);
  }

  private up(client: string): DgramSocket {
    const known = this.upstream.get(client);
    if (known) return known;
    const s = createSocket('udp4');
    s.on('message', (m) => this.enter(true, client, m));
    s.on('error', () => {});
    s.connect(this.target.port, this.target.host, () => roomyBuffers(s));
    this.upstream.set(client, s);
    return s;
  }

  private pump(): void {
    const now = performance.now();
    for (const d of this.sim.deliver(now)) {
      const toClient = d.to !== 'host';
      const client = toClient ? d.to : d.from;
      this.observe?.(toClient, client, d.bytes, d.sentAt, now);
      if (toClient) {
        const [host, port] = [client.slice(0, client.lastIndexOf(':')), Number(client.slice(client.lastIndexOf(':') + 1))];
        this.outer.send(d.bytes, port, host);
      } else {
        const s = this.up(client);
        // a connected dgram socket sends once its connect completed
        try {
          s.send(d.bytes);
        } catch {
          s.once('connect', () => s.send(d.bytes));
        }
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.upstream.values()) s.close();
    this.outer.close();
  }
}

interface Chunk {
  bytes: Buffer;
  enteredAt: number;
  at: number;
}

/** One direction of a relayed TCP connection: chunks delayed, in order, losses as retransmissions. */
class TcpPipe {
  private readonly queue: Chunk[] = [];
  private lastAt = 0;

  constructor(
    private readonly c: Required<Pick<LinkConditions, 'latencyMs' | 'jitterMs' | 'loss'>>,
    private readonly random: () => number,
    private readonly out: Socket,
    private readonly onOut: (bytes: Buffer, enteredAt: number, leftAt: number) => void,
  ) {}

  push(bytes: Buffer, now: number): void {
    // one segment per 1,448 bytes (loopback MSS aside, what a LAN would carry)
    const segments = Math.max(1, Math.ceil(bytes.length / 1448));
    let delay = this.c.latencyMs + (this.random() * 2 - 1) * this.c.jitterMs;
    for (let s = 0; s < segments; s++) while (this.random() < this.c.loss) delay += TCP_MIN_RTO_MS;
    const at = Math.max(now + delay, this.lastAt);
    this.lastAt = at;
    this.queue.push({ bytes, enteredAt: now, at });
  }

  pump(now: number): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const c = this.queue.shift()!;
      this.onOut(c.bytes, c.enteredAt, now);
      if (!this.out.destroyed) this.out.write(c.bytes);
    }
  }
}

export class TcpRelay {
  private readonly server: Server;
  private readonly pipes = new Set<TcpPipe>();
  private readonly sockets = new Set<Socket>();
  private readonly timer: NodeJS.Timeout;
  private readonly random: () => number;
  port = 0;

  constructor(
    private readonly target: RelayTarget,
    private readonly conditions: LinkConditions,
    seed = 1,
    private readonly observe?: RelayObserver,
  ) {
    this.random = seededRandom(seed);
    this.server = createServer({ noDelay: true }, (s) => this.accept(s));
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const p of this.pipes) p.pump(now);
    }, PUMP_MS);
  }

  async listen(bind: string): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, bind, () => r()));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  private accept(client: Socket): void {
    const name = `${client.remoteAddress}:${client.remotePort}`;
    const host = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    const c = { latencyMs: this.conditions.latencyMs ?? 0, jitterMs: this.conditions.jitterMs ?? 0, loss: this.conditions.loss ?? 0 };
    const up = new TcpPipe(c, this.random, host, (b, e, l) => this.observe?.(false, name, b, e, l));
    const down = new TcpPipe(c, this.random, client, (b, e, l) => this.observe?.(true, name, b, e, l));
    this.pipes.add(up).add(down);
    for (const s of [client, host]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        this.pipes.delete(up);
        this.pipes.delete(down);
        client.destroy();
        host.destroy();
      });
    }
    client.on('data', (b: Buffer) => up.push(b, performance.now()));
    host.on('data', (b: Buffer) => down.push(b, performance.now()));
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}
