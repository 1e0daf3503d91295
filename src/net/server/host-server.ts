// The host's client side, as the main thread sees it. The connections themselves live on a
// network thread (net-thread.ts: a piscina worker running one long task), which reads the
// snapshot ring and writes the sockets itself and puts inputs into its own command queue.
// This side starts it, keeps a copy of the sessions (for backups, and for a restart), reads
// its counters from shared memory, and restarts it if it dies: the players' connections drop,
// they reconnect with their tokens to the same port, and the game never noticed.
//
// One network thread: Node 20 has no way for several threads to listen on one port
// (`reusePort` is Node >= 22.12), and on the 2-core machines this targets one thread writing
// every socket costs less than two sharing them (docs/architecture.md).
//
// The thread can be started ahead of need (`netThreadPool()`, given as `pool`): piscina loads
// the task's module as the thread starts, so a LAN node taking over as host only runs the
// task (build the server, listen) on a thread that is there already.

import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { logger } from '../../engine/log.js';
import { readMirror, threadClock, threadMirrorBuffer } from '../../engine/thread-cpu.js';
import type { SimHost } from '../../workers/sim-host.js';
import { workerFile } from '../../workers/worker-file.js';
import { lanAddress } from '../address.js';
import type { ChatLimits } from './chat.js';
import type { ConnectionLimits } from './connection.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http.js';
import { NetStats } from './net-stats.js';
import { netStatsOf, statsMessageOf } from './stats-view.js';
import { isSendHz, type SendHz } from '../protocol/messages.js';
import type { PeersMsg } from '../protocol/peers.js';
import type { SessionRecord } from './sessions.js';
import type { FromNetThread, NetOptions, NetTask, NetTaskResult, ToNetThread } from './thread-messages.js';

export const DEFAULT_PORT = 5050;

export interface HostServerOptions {
  sim: SimHost;
  gameName: string;
  gameOptions?: Record<string, unknown>;
  bind?: string;
  /** 0 picks a free port. */
  port?: number;
  maxConnections?: number;
  handshakeTimeoutMs?: number;
  /** How long a disconnected player's entity waits for a reconnect. */
  graceMs?: number;
  /** A peer whose backlog stays over the cap this long is dropped. */
  stuckMs?: number;
  /** How long a join may wait for its entity before JOIN_REFUSED. */
  joinTimeoutTicks?: number;
  limits?: Partial<ConnectionLimits>;
  /** Limits of the HTTP front (the web page and WebSocket peers on the game port). */
  http?: Partial<HttpLimits>;
  /** Election epoch of this host (LAN sessions), sent in every welcome for fencing. */
  epoch?: number;
  /** Sessions of the previous host (migration): their tokens stay valid for the grace period. */
  sessions?: { records: SessionRecord[]; nextClient: number };
  /** Chat rate limit per client (default: bursts of 5, then 1 per second). */
  chat?: Partial<ChatLimits>;
  /** Snapshots per second per client (60, 30 or 20; a client may ask for less). Default 60. */
  sendHz?: SendHz;
  /** Interest management for games that define it (default on). Off: everyone gets everything. */
  interest?: boolean;
  /**
   * Bytes per second per (msgpack) client, with a priority accumulator choosing what goes
   * first (src/net/server/budget.ts). Needs interest management. Default: no budget.
   */
  budgetBytesPerSec?: number;
  /** Allow injectNetFault() (tests). */
  faultInjection?: boolean;
  /** A network thread started ahead of need (netThreadPool()); the server owns it from now on. */
  pool?: NetThreadPool;
}

export type NetThreadPool = Piscina<NetTask, NetTaskResult>;

/**
 * The network thread's pool: one thread, started now, with net-thread.ts loaded; idle (a
 * worker waiting for a task polls nothing) until HostServer runs its one task on it.
 */
export function netThreadPool(): NetThreadPool {
  return new Piscina({
    filename: workerFile(import.meta.url, 'net-thread'),
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Infinity,
    // the task never ends while the host runs: the worker's event loop must stay free
    atomics: 'disabled',
  });
}

const log = logger('host');

export class HostServer {
  readonly bind: string;
  port = 0;
  /** Times the network thread died and was replaced. */
  netRestarts = 0;
  private readonly stats_ = NetStats.create();
  private readonly seqBuffer = new SharedArrayBuffer(4);
  /** The network thread's CPU by stage, mirrored by it (src/engine/thread-cpu.ts). */
  private readonly netClock = threadMirrorBuffer();
  private readonly pool: NetThreadPool;
  private readonly mirror = new Map<number, SessionRecord>();
  private nextClient = 1;
  /** The LAN peer list, kept for a restarted network thread (null: a dedicated host). */
  private peers: PeersMsg | null = null;
  private options: NetOptions;
  private channel: MessageChannel | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private readonly onSimStats: () => void;

  private constructor(private readonly o: HostServerOptions) {
    const sim = o.sim;
    if (o.sendHz !== undefined && !isSendHz(o.sendHz)) throw new RangeError('sendHz must be 60, 30 or 20');
    if (sim.netQueues.length < 1) throw new RangeError('HostServer: the SimHost has no network queue (netQueues: 0)');
    this.bind = lanAddress(o.bind);
    this.options = {
      gameName: o.gameName,
      gameOptions: o.gameOptions ?? {},
      capacity: sim.capacity,
      hz: sim.hz,
      bind: this.bind,
      port: o.port ?? DEFAULT_PORT,
      maxConnections: o.maxConnections ?? 1100,
      handshakeTimeoutMs: o.handshakeTimeoutMs ?? 5000,
      graceMs: o.graceMs ?? 10_000,
      stuckMs: o.stuckMs ?? 10_000,
      joinTimeoutTicks: o.joinTimeoutTicks ?? 60,
      limits: { maxFrame: 64 * 1024, maxBacklog: 256 * 1024, ratePerSecond: 240, rateBurst: 480, maxInvalid: 20, ...o.limits },
      http: { ...DEFAULT_HTTP_LIMITS, ...o.http },
      epoch: o.epoch ?? 0,
      chat: o.chat ?? {},
      sendHz: o.sendHz ?? 60,
      interest: o.interest ?? true,
      budgetBytesPerSec: o.budgetBytesPerSec ?? 0,
      faultInjection: o.faultInjection === true,
    };
    if (this.options.budgetBytesPerSec > 0 && !(this.options.interest && sim.game.interest && !sim.game.visibility)) {
      throw new RangeError('a byte budget needs a game with interest management, and interest on');
    }
    if (o.sessions) {
      for (const r of o.sessions.records) this.mirror.set(r.client, r);
      this.nextClient = o.sessions.nextClient;
    }
    this.pool = o.pool ?? netThreadPool();
    this.onSimStats = () => this.post({ type: 'sim', stats: sim.stats ?? null, restarts: sim.restarts });
    sim.on('stats', this.onSimStats);
  }

  static async start(options: HostServerOptions): Promise<HostServer> {
    const h = new HostServer(options);
    try {
      h.port = await h.run();
    } catch (err) {
      await h.pool.destroy();
      options.sim.off('stats', h.onSimStats);
      throw err;
    }
    return h;
  }

  /** Start the network thread's task; resolves with the port once it listens. */
  private run(): Promise<number> {
    const channel = new MessageChannel();
    this.channel = channel;
    const sim = this.o.sim;
    const task: NetTask = {
      options: this.options,
      ringBuffer: sim.ring.buffer,
      controlBuffer: sim.controlBuffer,
      queueBuffer: sim.netQueues[0]!.buffer,
      statsBuffer: this.stats_.buffer,
      seqBuffer: this.seqBuffer,
      clockBuffer: this.netClock,
      sessions: this.mirror.size || this.o.sessions ? { records: [...this.mirror.values()], nextClient: this.nextClient } : null,
      peers: this.peers,
      port: channel.port2,
    };
    return new Promise<number>((resolve, reject) => {
      let listening = false;
      channel.port1.on('message', (m: FromNetThread) => {
        if (m.type === 'listening') {
          listening = true;
          // a replacement listens on the same port, where the clients come back
          this.options = { ...this.options, port: m.port };
          resolve(m.port);
        } else if (m.type === 'session') {
          this.mirror.set(m.record.client, m.record);
          this.nextClient = m.nextClient;
        } else if (m.type === 'session-end') {
          this.mirror.delete(m.client);
        } else if (m.type === 'heap') {
          this.heapWaiters.splice(0).forEach((w) => w(m.heapUsed));
        }
      });
      channel.port1.unref();
      this.running = this.pool.run(task, { transferList: [channel.port2] }).then(
        (r) => {
          channel.port1.close();
          // the error as listen itself gives it (code, address, port: src/net/listen.ts)
          if ('listenFailed' in r) reject(Object.assign(new Error(r.listenFailed.message), { ...r.listenFailed, syscall: 'listen' }));
        },
        (err: Error) => {
          channel.port1.close();
          if (!listening) return reject(err);
          if (!this.stopping) void this.restart(err);
        },
      );
    });
  }

  private async restart(err: Error): Promise<void> {
    this.netRestarts++;
    log.error({ err: err.message, restarts: this.netRestarts }, 'network thread died: starting a new one');
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await this.run();
        log.warn({ port: this.port, sessions: this.mirror.size }, 'network thread restarted');
        return;
      } catch (e) {
        log.error({ err: (e as Error).message, attempt }, 'network thread restart failed');
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  private post(m: ToNetThread): void {
    this.channel?.port1.postMessage(m);
  }

  private readonly heapWaiters: Array<(bytes: number) => void> = [];

  /** The network thread's heap used, after a full GC when the process runs with --expose-gc. */
  netHeapUsed(): Promise<number> {
    return new Promise((resolve) => {
      this.heapWaiters.push(resolve);
      this.post({ type: 'heap' });
    });
  }

  /** The LAN peers changed (src/net/lan/node.ts): the clients are told where to go if this host dies. */
  setPeers(m: PeersMsg): void {
    this.peers = m;
    this.post({ type: 'peers', peers: m });
  }

  /** Tests only (needs faultInjection): the network thread throws and dies. */
  injectNetFault(): void {
    this.post({ type: 'fault' });
  }

  /** Drops by reason, from the network thread's shared counters. */
  get drops(): { counts: Record<string, number>; total(): number } {
    const s = this.stats_;
    return { counts: s.drops(), total: () => s.dropTotal() };
  }

  /** Sessions for replication to backups. */
  exportSessions(): { records: SessionRecord[]; nextClient: number } {
    return { records: [...this.mirror.values()], nextClient: this.nextClient };
  }

  stats() {
    // CPU by thread and stage (src/engine/thread-cpu.ts): this thread, the sim worker, the network thread
    const sim = this.o.sim.threadStats() ?? this.o.sim.stats?.thread;
    const net = readMirror('net', this.netClock);
    const threads = [threadClock().stats(), ...(sim ? [sim] : []), ...(net ? [net] : [])];
    return { ...netStatsOf(this.stats_), netRestarts: this.netRestarts, threads };
  }

  /** What `lanparty top` shows: sim timing, clients by mode, traffic, drops by reason. */
  statsMessage(): Record<string, unknown> {
    const sim = this.o.sim;
    return statsMessageOf(this.stats_, sim.tick, this.options, { stats: sim.stats ?? null, restarts: sim.restarts });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.o.sim.off('stats', this.onSimStats);
    this.post({ type: 'stop' });
    await Promise.race([this.running, new Promise((r) => setTimeout(r, 3000))]);
    await this.pool.destroy();
  }
}
