// The host's TCP listener: accepts every kind of client, turns their messages into
// commands for the sim worker, and sends them the state. Port 5050 by default (as in seed
// 003), bound to the LAN-facing address (GAME_IP or the bind option override it).
//
//   accept -> Connection (mode from first bytes) -> "hello"        -> LegacyPeer (seed 003)
//                                               -> join message   -> session, JOIN command,
//                                                                    welcome when the entity exists
//   every tick: pending joins resolved, snapshots broadcast (Broadcaster), stuck peers dropped

import { createServer, type Server, type Socket } from 'node:net';
import { logger } from '../../engine/log.js';
import { Cmd } from '../../engine/input-queue.js';
import { viewOf } from '../../engine/snapshot-view.js';
import { threadClock } from '../../engine/thread-cpu.js';
import { LOCAL_BOT_CLIENT_BASE } from '../../workers/local-bots.js';
import type { SimHost } from '../../workers/sim-host.js';
import { lanAddress } from '../address.js';
import { ErrorCode, protocolError } from '../errors.js';
import { isHello, readLegacyTick, type LegacyAddress, type LegacyTick } from '../protocol/legacy003.js';
import { HostMsg, isSendHz, PROTOCOL_VERSION, validateClientMessage, type ClientMessage, type JoinMsg, type SendHz } from '../protocol/messages.js';
import { schemaDescriptor } from '../protocol/snapshot/index.js';
import { Admission } from './admission.js';
import { Broadcaster, type SnapshotPeer } from './broadcaster.js';
import { ChatRoom, type ChatLimits } from './chat.js';
import { Connection, traffic, type ConnectionLimits } from './connection.js';
import { DropCounter } from './drops.js';
import { LegacyPeer, type LegacyHost } from './legacy.js';
import { SendRate } from './send-rate.js';
import { Sessions, type Session, type SessionRecord } from './sessions.js';

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
  encodeThreads?: number;
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
}

interface ClientState extends SnapshotPeer {
  session: Session;
  lastInputSeq: number;
  /** The player's entity: what per-client visibility is computed for. */
  self: number;
}

const log = logger('host');

export class HostServer implements LegacyHost {
  readonly drops = new DropCounter(log);
  readonly bind: string;
  port = 0;
  private readonly server: Server;
  private readonly sim: SimHost;
  private readonly limits: ConnectionLimits;
  private readonly conns = new Set<Connection>();
  private readonly clients = new Map<Connection, ClientState>();
  private readonly legacy = new Map<Connection, LegacyPeer>();
  private readonly pendingJoins = new Map<number, { conn: Connection; since: number; kind: 'client' | 'legacy' }>();
  private readonly addresses = new Map<number, LegacyAddress>();
  private readonly present = new Set<number>();
  private readonly monitors = new Set<Connection>();
  private monitorTimer: NodeJS.Timeout | undefined;
  private readonly sessions: Sessions;
  private readonly broadcaster: Broadcaster;
  private readonly chat: ChatRoom;
  private stopTicks: () => void = () => {};
  private legacyCache: { tick: number; t: LegacyTick; matchNo: number } | null = null;
  private stopping = false;
  /** Refuses at once a join that cannot fit (SESSION_FULL, with the numbers). */
  private readonly admission: Admission;

  private constructor(private readonly o: HostServerOptions) {
    this.sim = o.sim;
    this.admission = new Admission(o.sim.ring, o.sim.game.maxPlayers);
    this.bind = lanAddress(o.bind);
    this.limits = {
      maxFrame: 64 * 1024,
      maxBacklog: 256 * 1024,
      ratePerSecond: 240,
      rateBurst: 480,
      maxInvalid: 20,
      ...o.limits,
    };
    this.sessions = new Sessions(o.graceMs ?? 10_000, (s) => this.expire(s));
    if (o.sessions) {
      this.sessions.import(o.sessions.records, o.sessions.nextClient);
      // players of the previous host are in the room already: a reconnect is not announced
      for (const s of this.sessions.all()) s.announced = true;
    }
    this.chat = new ChatRoom(
      {
        sessions: () => this.sessions.all(),
        clients: () => this.clients.values(),
        tick: () => this.sim.tick,
        drops: this.drops,
      },
      o.chat,
    );
    if (o.sendHz !== undefined && !isSendHz(o.sendHz)) throw new RangeError('sendHz must be 60, 30 or 20');
    this.broadcaster = new Broadcaster(this.sim, o.gameName, o.gameOptions ?? {}, this.drops, o.encodeThreads, o.interest ?? true, o.budgetBytesPerSec ?? 0);
    this.server = createServer({ noDelay: true }, (s) => this.accept(s));
  }

  static async start(options: HostServerOptions): Promise<HostServer> {
    const h = new HostServer(options);
    await new Promise<void>((resolve, reject) => {
      h.server.once('error', reject);
      h.server.listen(options.port ?? DEFAULT_PORT, h.bind, () => resolve());
    });
    h.port = (h.server.address() as { port: number }).port;
    h.stopTicks = h.sim.onTick((t) => h.onTick(t));
    h.monitorTimer = setInterval(() => {
      if (h.monitors.size === 0) return;
      const m = h.statsMessage();
      for (const c of h.monitors) c.send(m);
    }, 1000);
    h.monitorTimer.unref();
    log.info({ bind: h.bind, port: h.port }, 'listening');
    return h;
  }

  private accept(socket: Socket): void {
    const conn = new Connection(socket, this.limits, this.drops, {
      frame: (c, payload) => this.onFrame(c, payload),
      closed: (c) => this.onClosed(c),
    });
    this.conns.add(conn);
    if (this.stopping || this.conns.size > (this.o.maxConnections ?? 1100)) {
      // answered in the peer's own mode once its first bytes tell which (onFrame)
      conn.refuseWith = this.stopping ? ErrorCode.SHUTTING_DOWN : ErrorCode.SERVER_FULL;
    }
    const timer = setTimeout(() => {
      if (!conn.closed && conn.kind === null) conn.fail(protocolError(ErrorCode.HANDSHAKE_TIMEOUT, 'no join within the handshake timeout'));
    }, this.o.handshakeTimeoutMs ?? 5000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  private onFrame(conn: Connection, payload: Buffer): void {
    if (conn.refuseWith) return conn.fail(protocolError(conn.refuseWith, 'the host does not take this connection now'));
    if (conn.kind === 'legacy') return this.legacy.get(conn)!.frame(payload);
    if (conn.kind === null && conn.mode === 'json' && isHello(payload)) return this.startLegacy(conn);
    if (!conn.admit()) return;
    const v = conn.decode(payload);
    if (v === undefined) return;
    const r = validateClientMessage(v);
    if (!r.ok) return conn.reject(r.error);
    if (conn.kind === null) {
      if (r.msg.type === 'stats') {
        conn.kind = 'monitor';
        this.monitors.add(conn);
        return conn.send(this.statsMessage());
      }
      if (r.msg.type !== 'join') return conn.fail(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'the first message must be a join'));
      return this.join(conn, r.msg);
    }
    if (conn.kind === 'monitor') return;
    this.clientMessage(conn, r.msg);
  }

  private startLegacy(conn: Connection): void {
    if (this.o.gameName !== 'shooter') {
      return conn.fail(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'seed 003 clients can only join a shooter host'));
    }
    conn.kind = 'legacy';
    const s = this.sessions.create(false);
    conn.client = s.client;
    this.addresses.set(s.client, [conn.remoteAddress, conn.remotePort]);
    const peer = new LegacyPeer(conn, this);
    this.legacy.set(conn, peer);
    peer.start();
  }

  private join(conn: Connection, msg: JoinMsg): void {
    conn.wantRate = msg.rate ?? 0;
    if (msg.protocol !== PROTOCOL_VERSION) {
      return conn.fail(protocolError(ErrorCode.BAD_VERSION, `protocol ${msg.protocol} not supported (${PROTOCOL_VERSION})`));
    }
    conn.kind = 'client';
    if (msg.token) {
      const s = this.sessions.resume(msg.token);
      if (typeof s === 'string') {
        const why = { BAD_TOKEN: 'unknown session token', TOKEN_EXPIRED: 'session expired', TOKEN_IN_USE: 'session token already in use' };
        return conn.fail(protocolError(s, why[s]));
      }
      conn.client = s.client;
      this.addresses.set(s.client, [conn.remoteAddress, conn.remotePort]);
      return this.welcome(conn, s, true);
    }
    if (msg.name !== undefined) {
      const why = this.chat.refuse(msg.name, this.sessions.next);
      if (why) return conn.fail(protocolError(ErrorCode.NAME_TAKEN, why));
    }
    // issue 13: refused at once when the session is full (admission.ts), not after a timeout
    const full = this.admission.refusal(this.pendingJoins.keys());
    if (full) return conn.fail(protocolError(ErrorCode.SESSION_FULL, full));
    const s = this.sessions.create(true);
    if (msg.name !== undefined) s.name = msg.name;
    conn.client = s.client;
    this.addresses.set(s.client, [conn.remoteAddress, conn.remotePort]);
    this.pendingJoins.set(s.client, { conn, since: this.sim.tick, kind: 'client' });
    this.sim.queue.push(Cmd.JOIN, s.client, 0, 0, 0);
  }

  private welcome(conn: Connection, s: Session, reconnected: boolean): void {
    const hostHz = this.o.sendHz ?? 60;
    const cap = conn.wantRate > 0 && conn.wantRate < hostHz ? (conn.wantRate as SendHz) : hostHz;
    const rate = new SendRate(cap, s.client, performance.now(), this.limits.maxBacklog / 4);
    const state: ClientState = { conn, session: s, ack: -1, needFull: true, sent: -1, lastInputSeq: -1, self: s.entity, rate };
    this.clients.set(conn, state);
    conn.send({
      type: HostMsg.WELCOME,
      protocol: PROTOCOL_VERSION,
      client: s.client,
      token: s.token,
      entity: s.entity,
      tick: this.sim.tick,
      hz: 60,
      game: this.o.gameName,
      schema: schemaDescriptor(this.sim.game.schema),
      capacity: this.sim.capacity,
      epoch: this.o.epoch ?? 0,
      reconnected,
    });
    log.info({ client: s.client, conn: conn.id, mode: conn.mode, reconnected }, 'client joined');
    if (reconnected) this.chat.rejoined(s, conn);
    else this.chat.joined(s);
  }

  private clientMessage(conn: Connection, msg: ClientMessage): void {
    const st = this.clients.get(conn);
    if (!st) return conn.reject(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'wait for the welcome before sending'));
    switch (msg.type) {
      case 'input':
        if (msg.ack > st.ack && msg.ack <= this.sim.tick) st.ack = msg.ack;
        for (const i of msg.inputs) {
          // redundant copies of inputs already passed on are not queued again
          if (i.seq <= st.lastInputSeq) continue;
          st.lastInputSeq = i.seq;
          // the sim drops an input whose seq is not above the newest it has from this client
          // id, and a reconnected client counts from 1 again: number inputs per session
          this.sim.queue.push(Cmd.INPUT, conn.client, ++st.session.inputSeq, i.buttons, i.ax, i.ay);
        }
        return;
      case 'ack':
        if (msg.tick === -1) st.needFull = true;
        else if (msg.tick > st.ack && msg.tick <= this.sim.tick) st.ack = msg.tick;
        return;
      case 'ping':
        return conn.send({ type: HostMsg.PONG, id: msg.id, tick: this.sim.tick });
      case 'leave':
        this.sessions.end(st.session);
        conn.close();
        return;
      case 'chat':
        return this.chat.chat(conn, st.session, msg.text);
      case 'nick':
        return this.chat.nick(conn, st.session, msg.name);
      case 'join':
      case 'stats':
        return conn.reject(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'already joined'));
    }
  }

  private onClosed(conn: Connection): void {
    this.conns.delete(conn);
    this.monitors.delete(conn);
    this.clients.delete(conn);
    this.legacy.delete(conn);
    if (conn.client) {
      const pending = this.pendingJoins.get(conn.client);
      if (pending?.conn === conn) this.pendingJoins.delete(conn.client);
      const s = this.sessions.get(conn.client);
      // a reconnect may already own the session
      if (s && ![...this.clients.values()].some((c) => c.session === s && c.conn !== conn)) this.sessions.detach(conn.client);
    }
  }

  /** Gone for good: the player leaves the world and the others are told. */
  private expire(s: Session): void {
    this.sim.queue.push(Cmd.LEAVE, s.client, 0);
    this.addresses.delete(s.client);
    for (const c of this.clients.values()) c.conn.send({ type: HostMsg.LEFT, client: s.client });
    this.chat.left(s);
    log.info({ client: s.client }, 'client left');
  }

  private onTick(tick: number): void {
    this.scanPresence(tick);
    // grouping the clients and handing the tick to the encode workers: 'encode' on this thread
    const t0 = threadClock().start();
    this.broadcaster.tick(tick, this.clients.values());
    threadClock().stop('encode', t0);
    const stuckMs = this.o.stuckMs ?? 10_000;
    const now = performance.now();
    for (const c of this.conns) {
      if (c.behind && now - c.behindSince > stuckMs) {
        c.fail(protocolError(ErrorCode.SLOW_CONSUMER, `not reading for ${stuckMs} ms`));
      }
    }
  }

  /** Which clients have an entity in the newest snapshot: resolves pending joins. */
  private scanPresence(tick: number): void {
    if (this.pendingJoins.size === 0 && this.legacy.size === 0) return;
    const ring = this.sim.ring;
    const token = ring.beginRead(tick);
    if (token < 0) return;
    const { maxEid } = ring.info(tick);
    const owner = ring.blockOf(tick).fields[2]!; // Entity.owner (engine field 2)
    const found = new Map<number, number>();
    for (let e = 1; e <= maxEid; e++) if (owner[e]) found.set(owner[e]!, e);
    if (!ring.endRead(tick, token)) return;
    this.present.clear();
    for (const c of found.keys()) this.present.add(c);
    // seed 003 clients are answered once their join is in (legacy.ts)
    for (const p of this.legacy.values()) p.presenceScanned(tick);
    for (const [client, p] of this.pendingJoins) {
      const eid = found.get(client);
      if (eid !== undefined) {
        this.pendingJoins.delete(client);
        const s = this.sessions.get(client);
        if (!s || p.conn.closed) continue;
        s.entity = eid;
        this.welcome(p.conn, s, false);
      } else if (tick - p.since > (this.o.joinTimeoutTicks ?? 60)) {
        this.pendingJoins.delete(client);
        // not a full session (admission.ts refuses those up front): the game said no
        p.conn.fail(protocolError(ErrorCode.JOIN_REFUSED, `the game created no entity for the player within ${this.o.joinTimeoutTicks ?? 60} ticks`));
      }
    }
  }

  // ---- LegacyHost ----

  legacyTick(): { t: LegacyTick; matchNo: number } | null {
    const ring = this.sim.ring;
    const tick = ring.newestTick();
    if (this.legacyCache?.tick === tick) return this.legacyCache;
    for (let attempt = 0; attempt < 3; attempt++) {
      const token = ring.beginRead(tick);
      if (token < 0) continue;
      const view = viewOf(ring.schema, ring.blockOf(tick), tick, ring.info(tick).maxEid);
      const t = readLegacyTick(view);
      const matchNo = view.global('matchNo');
      if (ring.endRead(tick, token)) {
        this.legacyCache = { tick, t, matchNo };
        return this.legacyCache;
      }
    }
    return this.legacyCache;
  }

  address(owner: number): LegacyAddress {
    if (owner > LOCAL_BOT_CLIENT_BASE) return ['bot', owner - LOCAL_BOT_CLIENT_BASE];
    return this.addresses.get(owner) ?? ['player', owner];
  }

  pushCommand(type: typeof Cmd.JOIN | typeof Cmd.INPUT, client: number, seq: number, buttons: number, ax: number): void {
    this.sim.queue.push(type, client, seq, buttons, ax, 0);
  }

  joined(client: number): boolean {
    return this.present.has(client);
  }

  leave(conn: Connection): void {
    const s = this.sessions.get(conn.client);
    if (s) this.sessions.end(s);
  }

  // ----

  /** Sessions for replication to backups. */
  exportSessions(): { records: SessionRecord[]; nextClient: number } {
    return { records: this.sessions.export(), nextClient: this.sessions.next };
  }

  /** What `lanparty top` shows: sim timing, clients by mode, traffic, drops by reason. */
  statsMessage(): Record<string, unknown> {
    const sim = this.sim.stats;
    return {
      type: HostMsg.STATS,
      tick: this.sim.tick,
      epoch: this.o.epoch ?? 0,
      game: this.o.gameName,
      sim: sim ?? null,
      restarts: this.sim.restarts,
      net: this.stats(),
      bytesIn: traffic.bytesIn,
      bytesOut: traffic.bytesOut,
    };
  }

  stats() {
    let legacy = 0;
    let json = 0;
    let msgpack = 0;
    let monitors = 0;
    for (const c of this.conns) {
      if (c.kind === 'monitor') monitors++;
      else if (c.kind === 'legacy') legacy++;
      else if (c.mode === 'json') json++;
      else if (c.mode === 'msgpack') msgpack++;
    }
    // clients by their snapshot rate now, and how often rates were lowered / raised
    const rates = { hz60: 0, hz30: 0, hz20: 0, lowered: 0, raised: 0 };
    for (const c of this.clients.values()) {
      if (!c.rate) continue;
      rates[c.rate.hz === 60 ? 'hz60' : c.rate.hz === 30 ? 'hz30' : 'hz20']++;
      rates.lowered += c.rate.lowered;
      rates.raised += c.rate.raised;
    }
    // CPU by thread and stage (src/engine/thread-cpu.ts): this thread, the sim worker, the encode workers
    const threads = [threadClock().stats(), ...(this.sim.stats?.thread ? [this.sim.stats.thread] : []), ...this.broadcaster.threads()];
    return { connections: this.conns.size, legacy, json, msgpack, monitors, drops: { ...this.drops.counts }, ...this.broadcaster.stats, rates, threads };
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.chat.close();
    this.stopTicks();
    clearInterval(this.monitorTimer);
    for (const c of this.conns) c.fail(protocolError(ErrorCode.SHUTTING_DOWN, 'host is shutting down'), false);
    this.sessions.closeAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.conns) c.socket.destroy();
    await this.broadcaster.close();
  }
}
