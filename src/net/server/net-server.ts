// The network thread's server: the TCP listener and every client connection of the host.
// It turns their messages into commands in this thread's own queue, and sends them the state
// straight from the snapshot ring. The main thread only hears of sessions (created, ended).
//
//   accept -> Connection (mode from first bytes) -> "GET ..."      -> HttpFront: page, or a
//                                                                    WebSocket -> WsConnection
//                                                                    (a msgpack Connection)
//                                               -> "hello"        -> LegacyPeer (seed 003)
//                                               -> join message   -> Joins: session, JOIN,
//                                                                    welcome when the entity exists
//                                               -> stats message  -> monitor (`lanparty top`)
//   every tick: pending joins resolved, snapshots sent (Snapshots), stuck peers dropped

import { createServer, type Server, type Socket } from 'node:net';
import { logger } from '../../engine/log.js';
import { threadClock } from '../../engine/thread-cpu.js';
import { Cmd, type CmdType } from '../../engine/input-queue.js';
import { viewOf } from '../../engine/snapshot-view.js';
import { LOCAL_BOT_CLIENT_BASE } from '../../workers/local-bots.js';
import type { SimStats } from '../../workers/messages.js';
import { ErrorCode, protocolError } from '../errors.js';
import { isHello, readLegacyTick, type LegacyAddress, type LegacyTick } from '../protocol/legacy003.js';
import { HostMsg, validateClientMessage, type ClientMessage } from '../protocol/messages.js';
import type { PeersMsg } from '../protocol/peers.js';
import { ChatRoom } from './chat.js';
import { Connection, traffic } from './connection.js';
import { DropCounter, DropReason } from './drops.js';
import { writeGauges } from './gauges.js';
import { HttpFront } from './http.js';
import { Joins, type ClientState } from './joins.js';
import { LegacyPeer, type LegacyHost } from './legacy.js';
import { NetCounter, NetStats } from './net-stats.js';
import type { Session } from './sessions.js';
import type { SimLink } from './sim-link.js';
import { Snapshots } from './snapshots.js';
import { statsMessageOf } from './stats-view.js';
import { loadStaticFiles } from './static-files.js';
import { UdpListener } from './udp-listener.js';
import type { NetOptions, SessionMessage } from './thread-messages.js';
import { WsConnection } from './ws-connection.js';

const log = logger('host');

/** A DropCounter whose counts also go to the shared stats the main thread reads. */
class SharedDrops extends DropCounter {
  constructor(private readonly shared: NetStats) {
    super(log);
  }

  override count(reason: DropReason, detail?: Record<string, unknown>): void {
    super.count(reason, detail);
    this.shared.drop(reason);
  }
}

export interface NetServerEvents {
  session(m: Omit<SessionMessage, 'type'>): void;
  sessionEnd(client: number): void;
}

export class NetServer implements LegacyHost {
  readonly drops: DropCounter;
  port = 0;
  readonly conns = new Set<Connection>();
  readonly clients = new Map<Connection, ClientState>();
  private readonly legacy = new Map<Connection, LegacyPeer>();
  private readonly present = new Set<number>();
  private readonly monitors = new Set<Connection>();
  private readonly server: Server;
  private readonly http: HttpFront;
  private readonly snapshots: Snapshots;
  readonly chat: ChatRoom;
  readonly joins: Joins;
  private stopTicks: (() => void) | null = null;
  private secondTimer: NodeJS.Timeout | undefined;
  private legacyCache: { tick: number; t: LegacyTick; matchNo: number } | null = null;
  private stopping = false;
  /** UDP mode on the same port number (null: that port is taken for UDP; TCP works on). */
  udp: UdpListener | null = null;
  simInfo: { stats: SimStats | null; restarts: number } = { stats: null, restarts: 0 };
  /** The LAN peers clients are told of (null: a dedicated host tells none). */
  peers: PeersMsg | null = null;

  constructor(
    readonly sim: SimLink,
    readonly o: NetOptions,
    readonly stats: NetStats,
    seqHighWater: Int32Array,
    events: NetServerEvents,
    sessions: { records: import('./sessions.js').SessionRecord[]; nextClient: number } | null,
  ) {
    this.drops = new SharedDrops(stats);
    this.joins = new Joins(this, seqHighWater, events, sessions);
    this.chat = new ChatRoom(
      {
        sessions: () => this.joins.sessions.all(),
        clients: () => this.clients.values(),
        tick: () => this.sim.tick,
        drops: this.drops,
      },
      o.chat,
    );
    this.joins.chat = this.chat;
    this.snapshots = new Snapshots(sim, this.drops, stats, o.interest, o.budgetBytesPerSec);
    this.server = createServer({ noDelay: true }, (s) => this.accept(s));
    this.http = new HttpFront(loadStaticFiles(), o.http, o.limits.maxFrame, this.drops, {
      ws: (ws, socket) => this.adopt(new WsConnection(ws, socket, o.limits, this.drops, this.connectionEvents)),
      served: () => this.stats.add(NetCounter.httpServed),
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // a roomier accept queue than Node's 511: the thread looks at its sockets three times a tick
      // (tick-watch.ts), and a LAN party's clients all join within the same few ms
      this.server.listen({ port: this.o.port, host: this.o.bind, backlog: 2048 }, () => resolve());
    });
    this.server.on('error', (err) => log.error({ err: err.message }, 'listener error'));
    this.port = (this.server.address() as { port: number }).port;
    log.info({ bind: this.o.bind, port: this.port }, 'listening');
    const udp = new UdpListener(this.drops, { maxFrame: this.o.limits.maxFrame, highWater: this.o.limits.maxBacklog / 4 }, (s) => this.accept(s));
    try {
      await udp.listen(this.port, this.o.bind);
      this.udp = udp;
    } catch (err) {
      udp.close();
      log.warn({ port: this.port, err: (err as Error).message }, 'UDP port taken: TCP only');
    }
    return this.port;
  }

  /** Ticks are waited for only while someone is connected: an idle host costs nothing here. */
  private active(): void {
    this.stopTicks ??= this.sim.onTick((t) => this.onTick(t), {
      more: () => this.udp?.moreToRead() ?? false,
      // a look's poll finds the sockets with data: reading (thread-cpu.ts pollStarts)
      beforePoll: () => threadClock().pollStarts('read'),
      // a tick that sends nothing needs no look before or after it (tick-watch.ts)
      quiet: (t) => this.joins.pending === 0 && this.legacy.size === 0 && !this.snapshots.anyDue(t, this.clients.values()),
    });
    if (!this.secondTimer) {
      this.secondTimer = setInterval(() => this.everySecond(), 1000);
      this.secondTimer.unref();
    }
  }

  private idle(): void {
    if (this.conns.size > 0 || this.joins.sessions.size > 0) return;
    this.stopTicks?.();
    this.stopTicks = null;
    this.sim.group(1);
    clearInterval(this.secondTimer);
    this.secondTimer = undefined;
  }

  private readonly connectionEvents = {
    frame: (c: Connection, payload: Buffer) => this.onFrame(c, payload),
    closed: (c: Connection) => this.onClosed(c),
    http: (c: Connection, head: Buffer) => {
      // an HTTP request on the game port: not a game peer (unless it becomes a WebSocket)
      this.conns.delete(c);
      this.http.take(c.socket, head);
      this.refreshGauges();
      this.idle();
    },
  };

  /** A new client connection: a TCP socket, or a UDP connection shaped like one (udp-listener.ts). */
  accept(socket: Socket): void {
    this.adopt(new Connection(socket, this.o.limits, this.drops, this.connectionEvents));
  }

  /** A new game peer (TCP, or a WebSocket): capped, and closed when it does not join in time. */
  private adopt(conn: Connection): void {
    const socket = conn.socket;
    this.conns.add(conn);
    if (this.stopping || this.conns.size > this.o.maxConnections) {
      // answered in the peer's own mode once its first bytes tell which (onFrame)
      conn.refuseWith = this.stopping ? ErrorCode.SHUTTING_DOWN : ErrorCode.SERVER_FULL;
    }
    const timer = setTimeout(() => {
      if (!conn.closed && conn.kind === null) conn.fail(protocolError(ErrorCode.HANDSHAKE_TIMEOUT, 'no join within the handshake timeout'));
    }, this.o.handshakeTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    this.refreshGauges();
    this.active();
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
        this.refreshGauges();
        return conn.send(this.statsMessage());
      }
      if (r.msg.type !== 'join') return conn.fail(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'the first message must be a join'));
      this.joins.join(conn, r.msg);
      return this.refreshGauges();
    }
    if (conn.kind === 'monitor') return;
    this.clientMessage(conn, r.msg);
  }

  private startLegacy(conn: Connection): void {
    if (this.o.gameName !== 'shooter') {
      return conn.fail(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'seed 003 clients can only join a shooter host'));
    }
    conn.kind = 'legacy';
    conn.client = this.joins.legacySession(conn).client;
    const peer = new LegacyPeer(conn, this);
    this.legacy.set(conn, peer);
    this.refreshGauges();
    peer.start();
  }

  private clientMessage(conn: Connection, msg: ClientMessage): void {
    const st = this.clients.get(conn);
    if (!st) return conn.reject(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'wait for the welcome before sending'));
    switch (msg.type) {
      case 'input':
        if (msg.ack > st.ack && msg.ack <= this.sim.tick) {
          st.ack = msg.ack;
          st.bases?.acked(msg.ack);
        }
        for (const i of msg.inputs) {
          // redundant copies of inputs already passed on are not queued again
          if (i.seq <= st.lastInputSeq) continue;
          st.lastInputSeq = i.seq;
          // the sim drops an input whose seq is not above the newest it has from this client
          // id, and a reconnected client counts from 1 again: number inputs per session
          this.push(Cmd.INPUT, conn.client, this.joins.nextInputSeq(st.session), i.buttons, i.ax, i.ay);
        }
        return;
      case 'ack':
        // -1: the client lacks the base it acked; forget it, so snapshots stay full until a new ack
        if (msg.tick === -1) {
          st.needFull = true;
          st.ack = -1;
          st.bases?.reset();
        } else if (msg.tick > st.ack && msg.tick <= this.sim.tick) {
          // an older ack that never went out on its own: held too (AckedBases keeps ascending acks)
          if (msg.prev !== undefined && msg.prev > st.ack) st.bases?.acked(msg.prev);
          st.ack = msg.tick;
          st.bases?.acked(msg.tick);
        }
        return;
      case 'ping':
        return conn.send({ type: HostMsg.PONG, id: msg.id, tick: this.sim.tick });
      case 'leave':
        this.joins.sessions.end(st.session);
        conn.close();
        return;
      case 'chat':
        return this.chat.chat(conn, st.session, msg.text);
      case 'nick':
        this.chat.nick(conn, st.session, msg.name);
        return this.joins.mirror(st.session);
      case 'join':
      case 'stats':
        return conn.reject(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'already joined'));
    }
  }

  /** A command for the sim, from this thread's queue; a full queue is a counted drop. */
  push(type: CmdType, client: number, seq: number, buttons = 0, ax = 0, ay = 0): void {
    if (!this.sim.queue.push(type, client, seq, buttons, ax, ay)) this.drops.count(DropReason.QUEUE_FULL, { client });
    else if (type === Cmd.JOIN) this.sim.wake();
  }

  private onClosed(conn: Connection): void {
    this.conns.delete(conn);
    this.monitors.delete(conn);
    this.clients.delete(conn);
    this.legacy.delete(conn);
    this.joins.closed(conn);
    this.refreshGauges();
    this.idle();
  }

  /** A session ended for good (grace over, or left): the game and the others are told. */
  expired(s: Session): void {
    this.push(Cmd.LEAVE, s.client, 0);
    Connection.sendMany(
      [...this.clients.values()].filter((c) => c.session !== s).map((c) => c.conn),
      { type: HostMsg.LEFT, client: s.client },
    );
    this.chat.left(s);
    this.idle();
  }

  private onTick(tick: number): void {
    // the reads of this turn do not carry on over the tick's work (thread-cpu.ts addRun)
    threadClock().breakRun();
    if (this.joins.pending > 0 || this.legacy.size > 0) this.scanPresence(tick);
    this.snapshots.tick(tick, this.clients.values());
    // the ticks nobody is sent need no wake (Ctl.GROUP); a join or a seed 003 client (sent
    // every tick) needs every tick looked at
    this.sim.group(this.joins.pending > 0 || this.legacy.size > 0 ? 1 : this.snapshots.group(this.clients.values()));
    this.stats.set(NetCounter.trafficIn, traffic.bytesIn);
    this.stats.set(NetCounter.trafficOut, traffic.bytesOut);
    const now = performance.now();
    for (const c of this.conns) {
      if (c.behind && now - c.behindSince > this.o.stuckMs) {
        c.fail(protocolError(ErrorCode.SLOW_CONSUMER, `not reading for ${this.o.stuckMs} ms`));
      }
    }
  }

  /** Which clients have an entity in the newest snapshot: resolves pending joins. */
  private scanPresence(tick: number): void {
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
    this.joins.resolve(tick, found);
  }

  private everySecond(): void {
    this.refreshGauges();
    if (this.monitors.size === 0) return;
    Connection.sendMany(this.monitors, this.statsMessage());
  }

  /** Connection and rate gauges into the shared stats. */
  refreshGauges(): void {
    writeGauges(this.stats, {
      conns: this.conns,
      connCount: this.conns.size,
      legacy: this.legacy.size,
      monitors: this.monitors.size,
      clients: this.clients.values(),
      clientCount: this.clients.size,
      httpOpen: this.http.open,
    });
  }

  /** What `lanparty top` shows: sim timing, clients by mode, traffic, drops by reason. */
  statsMessage(): Record<string, unknown> {
    return statsMessageOf(this.stats, this.sim.tick, this.o, this.simInfo);
  }

  /** The LAN peer set changed: tell every client now; each new one gets it after its welcome. */
  setPeers(m: PeersMsg): void {
    this.peers = m;
    Connection.sendMany(
      [...this.clients.values()].map((c) => c.conn),
      m,
    );
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
    return this.joins.addresses.get(owner) ?? ['player', owner];
  }

  pushCommand(type: typeof Cmd.JOIN | typeof Cmd.INPUT, client: number, seq: number, buttons: number, ax: number): void {
    this.push(type, client, seq, buttons, ax, 0);
  }

  joined(client: number): boolean {
    return this.present.has(client);
  }

  leave(conn: Connection): void {
    const s = this.joins.sessions.get(conn.client);
    if (s) this.joins.sessions.end(s);
  }

  // ----

  /** Close every connection (SHUTTING_DOWN) and the listener. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.chat.close();
    this.stopTicks?.();
    clearInterval(this.secondTimer);
    for (const c of this.conns) c.fail(protocolError(ErrorCode.SHUTTING_DOWN, 'host is shutting down'), false);
    this.joins.sessions.closeAll();
    this.http.close();
    this.udp?.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.conns) c.socket.destroy();
    this.refreshGauges();
  }
}
