// Joining, on the network thread: a join message becomes a session (new, or resumed by its
// token) and a JOIN command; the welcome goes out once the player's entity shows up in a
// snapshot (or JOIN_REFUSED after joinTimeoutTicks). Every session change is mirrored to the
// main thread, which keeps the copy that survives this thread (restart, host migration).

import { Cmd } from '../../engine/input-queue.js';
import { logger } from '../../engine/log.js';
import { ErrorCode, protocolError } from '../errors.js';
import type { LegacyAddress } from '../protocol/legacy003.js';
import { HostMsg, PROTOCOL_VERSION, type JoinMsg, type SendHz, type WelcomeMsg } from '../protocol/messages.js';
import { schemaDescriptor } from '../protocol/snapshot/index.js';
import { AckedBases } from './acked-bases.js';
import { Admission } from './admission.js';
import type { ChatRoom } from './chat.js';
import type { Connection } from './connection.js';
import type { NetServer, NetServerEvents } from './net-server.js';
import { SendRate } from './send-rate.js';
import { Sessions, type Session, type SessionRecord } from './sessions.js';
import type { SnapshotPeer } from './snapshots.js';

/** A welcomed client connection. */
export interface ClientState extends SnapshotPeer {
  session: Session;
  lastInputSeq: number;
}

const log = logger('host');

export class Joins {
  readonly sessions: Sessions;
  readonly addresses = new Map<number, LegacyAddress>();
  private readonly waiting = new Map<number, { conn: Connection; since: number }>();
  chat!: ChatRoom;
  /** Refuses at once a join that cannot fit (SESSION_FULL, with the numbers). */
  private readonly admission: Admission;

  constructor(
    private readonly host: NetServer,
    /** Shared with the main thread: the highest input seq handed to the sim (see thread-messages.ts). */
    private readonly seqHighWater: Int32Array,
    private readonly events: NetServerEvents,
    imported: { records: SessionRecord[]; nextClient: number } | null,
  ) {
    this.sessions = new Sessions(host.o.graceMs, (s) => this.ended(s));
    this.admission = new Admission(host.sim.ring, host.sim.game.maxPlayers);
    if (imported) {
      this.sessions.import(imported.records, imported.nextClient);
      // players of the previous thread or host are in the room already: a reconnect is not
      // announced; their inputs are numbered from above anything the sim has seen
      const from = Atomics.load(seqHighWater, 0);
      for (const s of this.sessions.all()) {
        s.announced = true;
        s.inputSeq = from;
      }
    }
  }

  /** Joins waiting for their entity. */
  get pending(): number {
    return this.waiting.size;
  }

  join(conn: Connection, msg: JoinMsg): void {
    conn.wantRate = msg.rate ?? 0;
    conn.wantImplicitAcks = msg.implicitAcks === true;
    conn.wantDiffs = msg.diffs === true;
    conn.wantPred = msg.pred === true;
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
      if (why) return conn.fail(why);
    }
    // refused at once when the session is full (admission.ts), not after a timeout
    const full = this.admission.refusal(this.waiting.keys());
    if (full) return conn.fail(protocolError(ErrorCode.SESSION_FULL, full));
    const s = this.sessions.create(true);
    if (msg.name !== undefined) s.name = msg.name;
    conn.client = s.client;
    this.addresses.set(s.client, [conn.remoteAddress, conn.remotePort]);
    this.waiting.set(s.client, { conn, since: this.host.sim.tick });
    this.host.push(Cmd.JOIN, s.client, 0, 0, 0);
  }

  /** A seed 003 client: a session without a token (it cannot reconnect). */
  legacySession(conn: Connection): Session {
    const s = this.sessions.create(false);
    this.addresses.set(s.client, [conn.remoteAddress, conn.remotePort]);
    return s;
  }

  private welcome(conn: Connection, s: Session, reconnected: boolean): void {
    const o = this.host.o;
    const cap = conn.wantRate > 0 && conn.wantRate < o.sendHz ? (conn.wantRate as SendHz) : o.sendHz;
    const rate = new SendRate(cap, performance.now(), o.limits.maxBacklog / 4);
    // JSON snapshots are always full: nothing to ack either way
    const implicitAcks = conn.wantImplicitAcks && conn.inOrder && conn.mode === 'msgpack';
    const diffs = conn.wantDiffs && conn.mode === 'msgpack';
    const pred = diffs && conn.wantPred;
    const bases = pred ? new AckedBases(implicitAcks) : undefined;
    const state: ClientState = { conn, session: s, ack: -1, implicitAcks, diffs, bases, needFull: true, lastInputSeq: -1, self: s.entity, rate };
    this.host.clients.set(conn, state);
    conn.send({
      type: HostMsg.WELCOME,
      protocol: PROTOCOL_VERSION,
      client: s.client,
      token: s.token,
      entity: s.entity,
      tick: this.host.sim.tick,
      hz: o.hz,
      game: o.gameName,
      schema: schemaDescriptor(this.host.sim.game.schema),
      capacity: this.host.sim.capacity,
      epoch: o.epoch,
      reconnected,
      implicitAcks,
      diffs,
      pred,
    } satisfies WelcomeMsg);
    log.info({ client: s.client, conn: conn.id, mode: conn.mode, reconnected }, 'client joined');
    // where to go if this host dies (LAN sessions): a browser cannot hear the beacons
    if (this.host.peers) conn.send(this.host.peers);
    if (reconnected) this.chat.rejoined(s, conn);
    else this.chat.joined(s);
    this.mirror(s);
    this.host.refreshGauges();
  }

  /** The main thread's copy of a session follows a change (welcome, nickname). */
  mirror(s: Session): void {
    if (!s.token) return; // seed 003 sessions cannot be resumed: nothing to keep
    const record: SessionRecord = { client: s.client, token: s.token, entity: s.entity, ...(s.name !== undefined ? { name: s.name } : {}) };
    this.events.session({ record, nextClient: this.sessions.next });
  }

  /** The next input seq of a session, kept above every seq this host handed to the sim. */
  nextInputSeq(s: Session): number {
    const seq = ++s.inputSeq;
    if (seq > this.seqHighWater[0]!) Atomics.store(this.seqHighWater, 0, seq);
    return seq;
  }

  /** The entities in the newest snapshot, by owner: pending joins get their welcome (or a refusal). */
  resolve(tick: number, found: Map<number, number>): void {
    for (const [client, p] of this.waiting) {
      const eid = found.get(client);
      if (eid !== undefined) {
        this.waiting.delete(client);
        const s = this.sessions.get(client);
        if (!s || p.conn.closed) continue;
        s.entity = eid;
        this.welcome(p.conn, s, false);
      } else if (tick - p.since > this.host.o.joinTimeoutTicks) {
        this.waiting.delete(client);
        // not a full session (admission.ts refuses those up front): the game said no
        p.conn.fail(protocolError(ErrorCode.JOIN_REFUSED, `the game created no entity for the player within ${this.host.o.joinTimeoutTicks} ticks`));
      }
    }
  }

  /** A connection closed: its session waits out the grace period (or ends, without a token). */
  closed(conn: Connection): void {
    if (!conn.client) return;
    const pending = this.waiting.get(conn.client);
    if (pending?.conn === conn) this.waiting.delete(conn.client);
    const s = this.sessions.get(conn.client);
    // a reconnect may already own the session
    if (s && ![...this.host.clients.values()].some((c) => c.session === s && c.conn !== conn)) this.sessions.detach(conn.client);
  }

  private ended(s: Session): void {
    this.addresses.delete(s.client);
    if (s.token) this.events.sessionEnd(s.client);
    this.host.expired(s);
    log.info({ client: s.client }, 'client left');
  }
}
