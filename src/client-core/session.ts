// What a client keeps of its session with a host, whatever carries the bytes (TCP in Node,
// a WebSocket in the browser): the welcome, the snapshots decoded against the states it
// acknowledged, acks, inputs with the last 3 repeated (a lost or late one costs nothing),
// pings, the chat roster. Messages come in already decoded (one msgpack or JSON value);
// messages go out as plain values through `send`. No Node-only API here: the web client
// runs this very code.

import { getGame } from '../engine/games/index.js';
import { PROTOCOL_VERSION, type ChatMsg, type ErrorMsg, type JoinMsg, type RosterEntry, type SendHz, type WelcomeMsg } from '../net/protocol/messages.js';
import { createSnapshotCodec, decodeSnapshot, type JsonSnapshot, type SnapshotCodec, type SnapshotState } from '../net/protocol/snapshot/index.js';

/**
 * Acked ticks kept as possible delta bases. The host deltas against the newest ack it has
 * read, which lags ours when it is busy (with predicted columns, against any ack it read that
 * is not below the older base of a delta it sent before); it never goes further back, so a
 * delta on base B (and base2 B2: the older of the two) retires every ack before it. The ring
 * holds 32 ticks and we ack one in ACK_EVERY: at most 11 acks can still be a base.
 */
const MAX_ACKED = 12;
/**
 * The first snapshot decoded in each window of ACK_EVERY ticks (tick / ACK_EVERY changes) is
 * acked, and inputs repeat the newest ack. So every client acks the same ticks (the host
 * groups clients by their acked base: one shared delta per base), and the host reads at most
 * 20 acks a second per client whatever the input rate. An ack rides the next input when one
 * goes out within the window; it is sent alone only when the window's ack before it is still
 * waiting (see Session.decoded).
 */
export const ACK_EVERY = 3;

/**
 * One snapshot codec per (game, capacity), shared by every client of this thread (a bot
 * swarm runs hundreds in one process). Sharing is safe: a codec's scratch memory is only
 * used during one synchronous decodeSnapshot call and reset by the next, and nothing a
 * decode returns points into it; each client's decoded states are its own. (Worker threads
 * each have their own module instance, hence their own map.)
 */
const codecs = new Map<string, SnapshotCodec>();

/** The shared codec for a game's snapshots at a host capacity. */
export function sharedSnapshotCodec(game: string, capacity: number): SnapshotCodec {
  const key = `${game}\u0000${capacity}`;
  let codec = codecs.get(key);
  if (!codec) {
    codec = createSnapshotCodec(getGame(game).create({}).schema, capacity);
    codecs.set(key, codec);
  }
  return codec;
}

/** What a session tells its owner (the Node client's events, the page's handlers). */
export interface SessionEvents {
  welcomed(): void;
  snapshot(state: SnapshotState): void;
  json(snapshot: JsonSnapshot): void;
  hostError(error: ErrorMsg): void;
  left(client: number): void;
  chat(message: ChatMsg): void;
  roster(players: RosterEntry[]): void;
}

export class ClientSession {
  welcome!: WelcomeMsg;
  /** Newest decoded state (msgpack and WebSocket modes). */
  state: SnapshotState | null = null;
  /** Newest snapshot (JSON mode). */
  jsonState: JsonSnapshot | null = null;
  codec: SnapshotCodec | null = null;
  snapshots = 0;
  decodeErrors = 0;
  /** The last error message the host sent. */
  lastError: ErrorMsg | null = null;
  /** The newest chat roster from the host. */
  roster: RosterEntry[] = [];
  private readonly kept: SnapshotState[] = [];
  /** States no longer needed, whose memory the next decode reuses. */
  private readonly spare: SnapshotState[] = [];
  private readonly recent: Array<[number, number, number, number]> = [];
  private seq = 0;
  /** The ticks acked lately (newest last): possible delta bases, kept. */
  private readonly acked: number[] = [];
  /** The newest ack has gone out in no message yet: the next input carries it. */
  private ackWaiting = false;
  private readonly pings = new Map<number, () => void>();
  private pingId = 0;

  constructor(
    private readonly json: boolean,
    private readonly send: (message: unknown) => void,
    private readonly events: SessionEvents,
  ) {}

  /**
   * The first message of a connection. It asks for implicit acks: this session always keeps
   * its newest decoded state, which is all a host that takes every snapshot written as
   * received deltas against (granted over TCP and WebSocket, not over UDP). It takes
   * difference and predicted columns: the decoder (src/net/protocol/snapshot) reads them,
   * and this session keeps the states they need (see onSnapshot).
   */
  join(o: { token?: string | undefined; name?: string | undefined; rate?: SendHz | undefined }): JoinMsg {
    const join: JoinMsg = { type: 'join', protocol: PROTOCOL_VERSION, implicitAcks: true, diffs: true, pred: true };
    if (o.token) join.token = o.token;
    if (o.name) join.name = o.name;
    if (o.rate) join.rate = o.rate;
    return join;
  }

  /** The host takes every snapshot it writes as received: no acks to send (see join). */
  get implicitAcks(): boolean {
    return this.welcome?.implicitAcks === true;
  }

  /**
   * Send the newest input. Where a message can be lost (UDP, or a host that did not grant
   * implicit acks) the last 3 go with it, and the host drops the copies it already has; over
   * TCP or a WebSocket (implicit acks are granted only there) nothing is lost, so the newest
   * goes alone: a quarter of the entries for the host to decode and check.
   */
  input(buttons: number, ax = 0, ay = 0): void {
    const entry: [number, number, number, number] = [++this.seq, buttons, ax, ay];
    this.recent.push(entry);
    if (this.recent.length > 4) this.recent.shift();
    if (this.implicitAcks) this.send({ type: 'input', inputs: [entry] });
    else {
      this.send({ type: 'input', ack: this.acked.at(-1) ?? -1, inputs: this.recent });
      this.ackWaiting = false;
    }
  }

  /** Round-trip time in ms (any monotonic clock: performance.now in both runtimes). */
  ping(): Promise<number> {
    const id = ++this.pingId;
    const t0 = performance.now();
    return new Promise((resolve) => {
      this.pings.set(id, () => resolve(performance.now() - t0));
      this.send({ type: 'ping', id });
    });
  }

  /** Say something to everyone (1 to 200 characters; the host sanitises and rate-limits it). */
  chat(text: string): void {
    this.send({ type: 'chat', text });
  }

  /**
   * Acknowledge a decoded tick (the delta base of the next snapshots); `prev`: an older one,
   * kept, whose ack was still waiting (sent only to a host that granted predicted columns,
   * which may delta against any ack it read: see decoded()).
   */
  ack(tick: number, prev = -1): void {
    this.send(prev >= 0 && prev < tick && this.welcome?.pred === true ? { type: 'ack', tick, prev } : { type: 'ack', tick });
    this.ackWaiting = false;
    if (tick < 0 || this.acked.at(-1) === tick) return;
    this.remember(tick);
  }

  /** A tick acked (or to be, on the next input): a possible delta base, kept. */
  private remember(tick: number): void {
    this.acked.push(tick);
    if (this.acked.length > MAX_ACKED) this.acked.shift();
  }

  /** One decoded message from the host. */
  message(m: Record<string, unknown>): void {
    switch (m.type) {
      case 'welcome': {
        this.welcome = m as unknown as WelcomeMsg;
        this.codec = sharedSnapshotCodec(this.welcome.game, (m.capacity as number | undefined) ?? 100_000);
        return this.events.welcomed();
      }
      case 'snapshot':
        if (this.json) {
          this.jsonState = m as unknown as JsonSnapshot;
          this.snapshots++;
          this.events.json(this.jsonState);
        } else this.onSnapshot(m);
        return;
      case 'pong':
        this.pings.get(m.id as number)?.();
        this.pings.delete(m.id as number);
        return;
      case 'error':
        this.lastError = m as unknown as ErrorMsg;
        return this.events.hostError(this.lastError);
      case 'left':
        return this.events.left(m.client as number);
      case 'chat':
        return this.events.chat(m as unknown as ChatMsg);
      case 'roster':
        this.roster = applyRoster(this.roster, m);
        return this.events.roster(this.roster);
    }
  }

  /**
   * A snapshot of `tick` was decoded (or, for a client that only counts them, received
   * whole): acknowledge it when its ACK_EVERY window is new. The ack waits for the next input
   * (which carries it): a client sending 20 inputs a second or more sends the host no ack
   * message at all, where each was a packet to read over UDP. The first ack, and one whose
   * window's predecessor is still waiting, go out at once: an ack is never later than one
   * window, and a client without inputs acks every other window.
   */
  decoded(tick: number): void {
    if (this.implicitAcks) return;
    const last = this.acked.at(-1) ?? -1;
    if (last >= 0 && Math.floor(tick / ACK_EVERY) <= Math.floor(last / ACK_EVERY)) return;
    // the waiting ack goes with it as `prev`: a host sharing one base among its clients (they
    // ack the same ticks) then knows this one holds it too
    if (last < 0 || this.ackWaiting) return this.ack(tick, this.ackWaiting ? last : -1);
    this.remember(tick);
    this.ackWaiting = true;
  }

  private onSnapshot(m: Record<string, unknown>): void {
    if (!this.codec) return;
    const baseTick = m.base as number;
    const base = baseTick >= 0 ? (this.kept.find((s) => s.tick === baseTick) ?? null) : null;
    const base2Tick = typeof m.base2 === 'number' && m.base2 < baseTick ? m.base2 : -1;
    const base2 = base2Tick >= 0 ? (this.kept.find((s) => s.tick === base2Tick) ?? null) : null;
    // the host moved on to base B (and B2): it will never delta against an older ack
    const oldest = base2Tick >= 0 ? base2Tick : baseTick;
    if (baseTick >= 0) while (this.acked.length && this.acked[0]! < oldest) this.acked.shift();
    // a state's memory is reused once it can no longer be a base (see below)
    const out = this.spare.pop();
    const r = decodeSnapshot(this.codec, m, base, out, base2);
    if (!r.ok) {
      this.decodeErrors++;
      if (r.baseMissing) {
        // the host forgets our acks on -1: none of them may serve as a base (nor go out in input.ack) again
        this.acked.length = 0;
        this.send({ type: 'ack', tick: -1 });
      }
      return;
    }
    this.kept.push(r.state);
    this.state = r.state;
    this.snapshots++;
    this.decoded(r.state.tick);
    // keep the newest state and the acked ones (the only possible bases), and with implicit
    // acks and predicted columns the one before the newest (the next delta's base2); recycle
    // the rest
    const keepPrevious = this.implicitAcks && this.welcome.pred === true;
    for (let i = this.kept.length - 2; i >= 0; i--) {
      const k = this.kept[i]!;
      if (this.acked.includes(k.tick) || (keepPrevious && i === this.kept.length - 2)) continue;
      this.kept.splice(i, 1);
      if (this.spare.length < 2) this.spare.push(k);
    }
    this.events.snapshot(r.state);
  }
}

/** The roster after a roster message: the whole list, or the old one with remove, then add, applied. */
export function applyRoster(roster: readonly RosterEntry[], m: Record<string, unknown>): RosterEntry[] {
  const ok = (e: unknown): e is RosterEntry =>
    typeof e === 'object' && e !== null && Number.isInteger((e as RosterEntry).client) && typeof (e as RosterEntry).name === 'string';
  if (Array.isArray(m.players)) return m.players.filter(ok);
  const byId = new Map(roster.map((e) => [e.client, e]));
  if (Array.isArray(m.remove)) for (const id of m.remove) byId.delete(id as number);
  if (Array.isArray(m.add)) for (const e of m.add) if (ok(e)) byId.set(e.client, { client: e.client, name: e.name });
  return [...byId.values()].sort((a, b) => a.client - b.client);
}
