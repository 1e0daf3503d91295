// A LAN node: discovery + peer mesh + election; when elected it hosts (through the starter
// it is given: src/app/hosting.ts) and replicates its state to the next peers in line every
// 100 ms; when another node hosts it follows it, keeping the newest replica in case it must
// take over, and its standby warm (the threads hosting needs, started and idle), so that
// taking over costs a restore and a listen rather than starting threads.

import { EventEmitter } from 'node:events';
import { v4 as uuidv4 } from 'uuid';
import type { Checkpoint } from '../../engine/checkpoint.js';
import { getGame } from '../../engine/games/index.js';
import type { Schema } from '../../engine/schema.js';
import { logger } from '../../engine/log.js';
import { peersMsg, type PeersMsg } from '../protocol/peers.js';
import { DropReason } from '../server/drops.js';
import { DEFAULT_PORT } from '../server/host-server.js';
import { probeListen } from '../listen.js';
import type { Beacon } from './beacon.js';
import { DEFAULT_DISCOVERY_PORT, Discovery } from './discovery.js';
import { DEFAULT_TIMING, Election, type ElectionTiming, type NodeState, type PeerMsg } from './election.js';
import { DEFAULT_PEER_PORT, PeerMesh, type MeshMessage } from './peer-mesh.js';
import { decodeReplica, encodeReplica, type Replica } from './replication.js';

/** What the node needs of the host it runs when elected. */
export interface NodeHosting {
  /** The client port (the beacon advertises it). */
  readonly port: number;
  readonly entities: number;
  checkpoint(): Checkpoint | null;
  exportSessions(): Replica['sessions'];
  /** Tell the clients where the other nodes' game ports are (sent again on every change). */
  setPeers(m: PeersMsg): void;
  stop(): Promise<void>;
}

/**
 * Starts hosting for an elected node: a new session (no `resume`), or the previous host's
 * session from its replica. The application provides it (src/app/hosting.ts), so that the
 * LAN layer does not depend on the sim and server wiring.
 */
export type StartNodeHosting = (h: { epoch: number; resume?: Pick<Replica, 'checkpoint' | 'sessions'> }) => Promise<NodeHosting>;

/**
 * Hosting made ready ahead of need (src/app/hosting.ts HostingStandby: the sim worker and the
 * network thread started, idle); the next start of hosting uses what it holds.
 */
export interface NodeStandby {
  /** Start what is not started already (idle until hosting starts: no timer, no CPU). */
  warm(): void;
  /** End whatever was not used. */
  stop(): Promise<void>;
}

export interface LanNodeOptions {
  bind: string;
  session?: string;
  game?: string;
  gameOptions?: Record<string, unknown>;
  key?: string | undefined;
  /** The client port advertised before hosting starts (hosting advertises its real port). */
  clientPort?: number;
  peerPort?: number;
  discoveryPort?: number;
  startHosting: StartNodeHosting;
  /** Kept warm while this node does not host (at start, and again after it stops hosting). */
  standby?: NodeStandby;
  timing?: Partial<ElectionTiming>;
  replicateEveryMs?: number;
  /** How many of the next peers in line receive the replicated state. */
  backups?: number;
  id?: string;
}

export interface HostInfo {
  id: string;
  ip: string;
  port: number;
  epoch: number;
}

export class LanNode extends EventEmitter<{
  state: [NodeState];
  host: [HostInfo];
  /** This node cannot host (its client port is taken...): it has left the session; the process should exit. */
  fatal: [Error];
}> {
  readonly id: string;
  readonly election: Election;
  readonly discovery: Discovery;
  readonly mesh: PeerMesh;
  private readonly log;
  private hosting: { host: NodeHosting; timer: NodeJS.Timeout } | null = null;
  private replica: Replica | null = null;
  private ticker: NodeJS.Timeout | undefined;
  private transition: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastAnswer = -Infinity;
  /** The peer list the hosting was last given (to send it again only when it changes). */
  private sentPeers = '';

  constructor(private readonly o: LanNodeOptions) {
    super();
    this.id = o.id ?? uuidv4();
    this.log = logger('node').child({ node: this.id.slice(0, 8) });
    const timing = { ...DEFAULT_TIMING, ...o.timing };
    this.mesh = new PeerMesh({
      id: this.id,
      bind: o.bind,
      port: o.peerPort ?? DEFAULT_PEER_PORT,
      key: o.key,
      log: this.log,
      onMessage: (from, m) => this.onMesh(from, m),
      onPeerUp: () => this.tellPeers(),
      onPeerDown: (p, how) => {
        if (p === this.election.host) this.log.info({ host: p.slice(0, 8), how, state: this.election.state }, 'link to the host ended');
        // the host's link lost (its process died) starts an election at once (election.ts, linkLostMs)
        this.drive(() => this.election.onPeerLost(p, how));
        this.tellPeers();
      },
    });
    this.discovery = new Discovery({
      id: this.id,
      bind: o.bind,
      port: o.discoveryPort ?? DEFAULT_DISCOVERY_PORT,
      key: o.key,
      log: this.log,
      beacon: () => ({
        s: this.o.session ?? 'lanparty',
        g: this.o.game ?? 'shooter',
        ip: this.o.bind,
        cp: this.hosting?.host.port || this.o.clientPort || DEFAULT_PORT,
        pp: this.mesh.port,
        // never name ourselves host before our client listener is up: peers and clients
        // would follow a node that nobody can reach
        h: this.election.host === this.id && !this.hosting ? '' : this.election.host,
        e: this.election.epoch,
        n: this.hosting?.host.entities ?? 0,
      }),
    });
    this.election = new Election(
      this.id,
      {
        now: () => performance.now(),
        random: Math.random,
        send: (to, m) => void this.mesh.send(to, m as unknown as MeshMessage),
        peers: () => this.mesh.peers(),
        becomeHost: (epoch) => this.queue(() => this.becomeHost(epoch)),
        follow: (host, epoch) => this.onFollow(host, epoch),
        stepDown: () => this.queue(() => this.stepDown()),
      },
      timing,
    );
    this.discovery.on('beacon', (b) => this.onBeacon(b));
  }

  async start(): Promise<void> {
    // threads start loading now, while the node looks for its peers
    this.o.standby?.warm();
    // a taken client port is found before this node can win an election, not after
    await probeListen(this.o.bind, this.o.clientPort ?? DEFAULT_PORT);
    await this.mesh.start();
    await this.discovery.start();
    this.election.start();
    this.ticker = setInterval(() => this.drive(() => this.election.tick()), 20);
  }

  /** Run the election machine; say when its state changed. */
  private drive(fn: () => void): void {
    const before = this.election.state;
    fn();
    if (this.election.state !== before) this.emit('state', this.election.state);
  }

  get state(): NodeState {
    return this.election.state;
  }

  /** Where clients should connect now, if a host is known. */
  currentHost(): HostInfo | null {
    const h = this.election.host;
    if (!h) return null;
    if (h === this.id) {
      // only once the listener is up: clients should not be sent to a port that refuses them
      return this.hosting ? { id: h, ip: this.o.bind, port: this.hosting.host.port, epoch: this.election.epoch } : null;
    }
    const b = this.discovery.seen.get(h)?.beacon;
    return b ? { id: h, ip: b.ip, port: b.cp, epoch: this.election.epoch } : null;
  }

  /** One LAN can carry several sessions: only this session's nodes (of this game) take part. */
  private ours(b: Beacon): boolean {
    return b.s === (this.o.session ?? 'lanparty') && b.g === (this.o.game ?? 'shooter');
  }

  private onBeacon(b: Beacon): void {
    if (!this.ours(b)) return;
    this.mesh.dial(b.id, b.ip, b.pp);
    // links are dialled by the lower id: a lower node with no link to us gets our beacon now,
    // not in a second, so it dials us (this is what reconnects the sides of a healed partition)
    if (b.id < this.id && !this.mesh.has(b.id) && performance.now() - this.lastAnswer > 250) {
      this.lastAnswer = performance.now();
      this.discovery.announce();
    }
    this.election.onBeacon(b.id, b.h, b.e);
    this.tellPeers();
  }

  /**
   * The nodes a client of ours should try if we die: this session's nodes linked to us, with
   * their game ports (their beacons), in the election's order (docs/protocol.md "Peers").
   */
  peerList(): PeersMsg {
    const nodes: Array<{ id: string; ip: string; port: number }> = [];
    for (const id of this.mesh.peers()) {
      const b = this.discovery.seen.get(id)?.beacon;
      if (b && this.ours(b)) nodes.push({ id, ip: b.ip, port: b.cp });
    }
    return peersMsg(this.election.epoch, this.id, nodes);
  }

  /** While hosting: give the clients the peer list again when it changed. */
  private tellPeers(): void {
    const h = this.hosting;
    if (!h) return;
    const m = this.peerList();
    const key = JSON.stringify(m);
    if (key === this.sentPeers) return;
    this.sentPeers = key;
    h.host.setPeers(m);
  }

  private onMesh(from: string, m: MeshMessage): void {
    if (m.t === 'state') return this.onReplica(m);
    if (m.t === 'election' || m.t === 'ok' || m.t === 'coordinator' || m.t === 'heartbeat') {
      this.election.onMessage(from, m as unknown as PeerMsg);
    }
  }

  private onFollow(host: string, epoch: number): void {
    this.log.info({ host: host.slice(0, 8), epoch }, 'following');
    this.emit('state', 'following');
    const info = this.currentHost();
    if (info) this.emit('host', info);
  }

  /** Host changes happen one at a time, in order. */
  private queue(fn: () => Promise<void>): void {
    this.transition = this.transition.then(fn).catch((err: Error) => this.log.error({ err: err.message }, 'host transition failed'));
  }

  private async becomeHost(epoch: number): Promise<void> {
    if (this.stopped || this.hosting) return;
    const replica = this.replica;
    this.log.warn({ epoch, fromTick: replica?.checkpoint.tick ?? null }, replica ? 'taking over as host' : 'hosting a new session');
    let host: NodeHosting;
    try {
      host = await this.o.startHosting({ epoch, ...(replica ? { resume: replica } : {}) });
    } catch (err) {
      // the port was free at start but is taken now: leave the session (our peers elect
      // another host) instead of staying its host with nothing listening
      this.leave();
      this.log.error({ err: (err as Error).message }, 'cannot host: leaving the session');
      this.emit('fatal', err as Error);
      return;
    }
    const timer = setInterval(() => this.replicate(), this.o.replicateEveryMs ?? 100);
    this.hosting = { host, timer };
    if (this.election.state !== 'hosting' || this.election.epoch !== epoch) return this.stepDown();
    this.discovery.announce();
    this.sentPeers = '';
    this.tellPeers();
    const info = this.currentHost();
    if (info) this.emit('host', info);
    this.emit('state', 'hosting');
  }

  /** Send the newest state to the next peers in line (the highest ids: the next winners). */
  private replicate(): void {
    const h = this.hosting;
    if (!h) return;
    const cp = h.host.checkpoint();
    if (!cp) return;
    const backups = this.mesh
      .peers()
      .sort()
      .reverse()
      .slice(0, this.o.backups ?? 2);
    const msg = encodeReplica({ epoch: this.election.epoch, checkpoint: cp, sessions: h.host.exportSessions() }) as MeshMessage;
    for (const p of backups) this.mesh.send(p, msg);
  }

  private onReplica(m: MeshMessage): void {
    const schema = this.schema();
    const r = decodeReplica(m, schema.fields.map((f) => f.bytes), schema.globalNames.length);
    if (!r) return this.mesh.drops.count(DropReason.REPLICA_INVALID);
    if (r.epoch < this.election.epoch) return this.mesh.drops.count(DropReason.REPLICA_STALE_EPOCH);
    this.replica = r;
  }

  private schemaCache: Schema | null = null;
  private schema(): Schema {
    return (this.schemaCache ??= getGame(this.o.game ?? 'shooter').create({ ...this.o.gameOptions }).schema);
  }

  private async stepDown(): Promise<void> {
    const h = this.hosting;
    if (!h) return;
    this.hosting = null;
    this.log.warn({ epoch: this.election.epoch }, 'stepping down');
    clearInterval(h.timer);
    await h.host.stop();
    // ready for the next time this node must take over
    if (!this.stopped) this.o.standby?.warm();
  }

  async stop(): Promise<void> {
    // after leave() (a node that could not host) the sockets are closed already
    if (!this.stopped) this.leave();
    await this.transition;
    await this.stepDown();
    await this.o.standby?.stop();
  }

  /** No more beacons, heartbeats or peer links: the others stop hearing of this node. */
  private leave(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    this.discovery.stop();
    this.mesh.stop();
  }
}
