// A lanparty client: connects in msgpack mode (or JSON mode), joins (or rejoins with its
// session token), decodes snapshots against the states it acknowledged, and sends inputs
// with the last 3 repeated, so a lost or late one costs nothing. Used by the bots, the
// terminal client and the tests.

import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import { getGame } from '../../engine/games/index.js';
import { encodeJsonMessage, jsonFrameDecoder } from '../protocol/json-frame.js';
import type { FrameDecoder } from '../protocol/frame-decoder.js';
import { ClientMsg, PROTOCOL_VERSION, type ChatMsg, type ErrorMsg, type JoinMsg, type RosterEntry, type SendHz, type WelcomeMsg } from '../protocol/messages.js';
import { UdpClientSocket } from './udp-socket.js';
import { encodeMsgpackFrame, msgpackFrameDecoder, preamble, PREAMBLE_BYTES } from '../protocol/msgpack-frame.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  type JsonSnapshot,
  type SnapshotCodec,
  type SnapshotState,
} from '../protocol/snapshot/index.js';

export interface ClientOptions {
  host: string;
  port: number;
  mode?: 'msgpack' | 'json';
  token?: string;
  name?: string;
  /** Rejects the connect promise after this long without a welcome. */
  timeoutMs?: number;
  /** Snapshots per second wanted (60, 30 or 20; the host may send fewer). */
  rate?: SendHz;
  /** 'udp': datagrams (msgpack mode only; see udp-socket.ts); 'auto': UDP, or TCP when UDP gets no answer in 1 s. */
  transport?: 'tcp' | 'udp' | 'auto';
  /** UDP: give up when the handshake gets no answer in this long (default timeoutMs; 1 s for 'auto'). */
  udpAnswerMs?: number;
}

/** States kept as possible delta bases (the host deltas against the newest ack it has). */
const KEPT_STATES = 4;
/**
 * Acks go out for the first snapshot decoded in each window of ACK_EVERY ticks (tick /
 * ACK_EVERY changes), and inputs repeat the last of them. So every client acks the same ticks
 * (the host groups clients by their acked base: one shared delta per base), and the host
 * reads at most 20 acks a second per client whatever the input rate.
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

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export interface ClientEvents {
  snapshot: [state: SnapshotState];
  json: [snapshot: JsonSnapshot];
  /** An error message from the host (its stable code in `code`). */
  hostError: [error: ErrorMsg];
  left: [client: number];
  /** A chat line (from 0, name '*': the host announcing a join, leave or nick change). */
  chat: [message: ChatMsg];
  /** Everyone in the chat room (on each join, leave and nick change; to a reconnected client). */
  roster: [players: RosterEntry[]];
  close: [];
  welcomed: [];
}

export class LanpartyClient extends EventEmitter<ClientEvents> {
  welcome!: WelcomeMsg;
  /** Newest decoded state (msgpack mode). */
  state: SnapshotState | null = null;
  /** Newest snapshot (JSON mode). */
  jsonState: JsonSnapshot | null = null;
  codec: SnapshotCodec | null = null;
  snapshots = 0;
  bytesIn = 0;
  decodeErrors = 0;
  /** The last error message the host sent. */
  lastError: ErrorMsg | null = null;
  closed = false;
  /** The newest chat roster from the host. */
  roster: RosterEntry[] = [];
  private readonly socket: Socket;
  /** How this client reached its host. */
  readonly transport: 'tcp' | 'udp';
  private decoder: FrameDecoder | null;
  private preambleLeft: number;
  private readonly kept: SnapshotState[] = [];
  private readonly recent: Array<[number, number, number, number]> = [];
  private seq = 0;
  /** The ticks acked lately (newest last): possible delta bases, kept. */
  private readonly acked: number[] = [];
  private readonly pings = new Map<number, (rtt: number) => void>();
  private pingId = 0;

  private constructor(
    o: ClientOptions,
    private readonly mode: 'msgpack' | 'json',
  ) {
    super();
    this.transport = o.transport === 'udp' ? 'udp' : 'tcp';
    // a UDP connection looks like a TCP socket to everything below (udp-socket.ts)
    this.socket = o.transport === 'udp' ? (new UdpClientSocket({ host: o.host, port: o.port, answerMs: o.udpAnswerMs ?? o.timeoutMs ?? 5000 }) as unknown as Socket) : connect({ host: o.host, port: o.port, noDelay: true });
    this.decoder = mode === 'json' ? jsonFrameDecoder(16 * 1024 * 1024) : null;
    this.preambleLeft = mode === 'msgpack' ? PREAMBLE_BYTES : 0;
    this.socket.on('data', (c: Buffer) => this.onData(c));
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  /** Connect and join; resolves with the client once welcomed, rejects with the host's error. */
  static connect(o: ClientOptions): Promise<LanpartyClient> {
    if (o.transport === 'auto') {
      return LanpartyClient.connect({ ...o, transport: 'udp', udpAnswerMs: o.udpAnswerMs ?? 1000 }).catch((err: NodeJS.ErrnoException) => {
        // no answer, or the port is closed for UDP (ICMP): try TCP
        if (err.code !== 'ETIMEDOUT' && err.code !== 'ECONNREFUSED') throw err;
        return LanpartyClient.connect({ ...o, transport: 'tcp' });
      });
    }
    if (o.transport === 'udp' && o.mode === 'json') throw new RangeError('transport udp needs mode msgpack');
    const c = new LanpartyClient(o, o.mode ?? 'msgpack');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.close();
        reject(new Error('no welcome from the host in time'));
      }, o.timeoutMs ?? 5000);
      const fail = (e: ErrorMsg | Error) => {
        clearTimeout(timer);
        c.close();
        reject(e instanceof Error ? e : Object.assign(new Error(`${e.code}: ${e.message}`), { code: e.code }));
      };
      c.once('hostError', fail);
      let socketError: Error | null = null;
      c.socket.once('error', (err) => (socketError = err));
      c.once('close', () =>
        fail(socketError ? Object.assign(new Error(`cannot reach ${o.host}:${o.port}: ${socketError.message}`), { code: (socketError as NodeJS.ErrnoException).code }) : new Error('connection closed before welcome')),
      );
      c.socket.once('connect', () => {
        if (c.mode === 'msgpack') c.socket.write(preamble());
        const join: JoinMsg = { type: ClientMsg.JOIN, protocol: PROTOCOL_VERSION };
        if (o.token) join.token = o.token;
        if (o.name) join.name = o.name;
        if (o.rate) join.rate = o.rate;
        c.send(join);
      });
      c.once('welcomed', () => {
        clearTimeout(timer);
        c.off('hostError', fail);
        c.removeAllListeners('close');
        resolve(c);
      });
    });
  }

  get token(): string {
    return this.welcome.token;
  }

  send(message: unknown): void {
    if (this.closed) return;
    this.socket.write(this.mode === 'msgpack' ? encodeMsgpackFrame(packr.pack(message)) : encodeJsonMessage(message));
  }

  /** Send the newest input, repeating the last 3 (the host drops the copies it already has). */
  input(buttons: number, ax = 0, ay = 0): void {
    this.recent.push([++this.seq, buttons, ax, ay]);
    if (this.recent.length > 4) this.recent.shift();
    this.send({ type: 'input', ack: this.acked.at(-1) ?? -1, inputs: this.recent });
  }

  /** Round-trip time in ms. */
  ping(): Promise<number> {
    const id = ++this.pingId;
    const t0 = performance.now();
    return new Promise((resolve) => {
      this.pings.set(id, () => resolve(performance.now() - t0));
      this.send({ type: 'ping', id });
    });
  }

  leave(): void {
    this.send({ type: 'leave' });
  }

  /**
   * Leave, then close once the host has closed its side (or after `timeoutMs`). Closing at
   * once while snapshots still arrive resets the connection, and a host that had not read the
   * leave yet loses it: the player would stay in the world for its whole reconnect grace.
   */
  async leaveAndClose(timeoutMs = 1000): Promise<void> {
    if (this.closed) return;
    this.leave();
    this.socket.end();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.close();
  }

  /** Say something to everyone (1 to 200 characters; the host sanitises and rate-limits it). */
  chat(text: string): void {
    this.send({ type: 'chat', text });
  }

  /** Change nickname (refused with a NAME_TAKEN or NAME_IN_GRACE hostError when another player has it). */
  nick(name: string): void {
    this.send({ type: 'nick', name });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (this.preambleLeft > 0) {
      const n = Math.min(this.preambleLeft, chunk.length);
      this.preambleLeft -= n;
      chunk = chunk.subarray(n);
      if (this.preambleLeft === 0) this.decoder = msgpackFrameDecoder(16 * 1024 * 1024);
      if (!chunk.length) return;
    }
    for (const payload of this.decoder!.push(chunk)) this.onMessage(payload);
  }

  private onMessage(payload: Buffer): void {
    let m: Record<string, unknown>;
    try {
      m = this.mode === 'msgpack' ? unpackr.unpack(payload) : JSON.parse(payload.toString('utf8'));
    } catch {
      this.decodeErrors++;
      return;
    }
    switch (m.type) {
      case 'welcome': {
        this.welcome = m as unknown as WelcomeMsg;
        this.codec = sharedSnapshotCodec(this.welcome.game, (m.capacity as number | undefined) ?? 100_000);
        this.emit('welcomed');
        return;
      }
      case 'snapshot':
        if (this.mode === 'json') {
          this.jsonState = m as unknown as JsonSnapshot;
          this.snapshots++;
          this.emit('json', this.jsonState);
        } else this.onSnapshot(m);
        return;
      case 'pong':
        this.pings.get(m.id as number)?.(0);
        this.pings.delete(m.id as number);
        return;
      case 'error':
        this.lastError = m as unknown as ErrorMsg;
        this.emit('hostError', this.lastError);
        return;
      case 'left':
        this.emit('left', m.client as number);
        return;
      case 'chat':
        this.emit('chat', m as unknown as ChatMsg);
        return;
      case 'roster':
        this.roster = applyRoster(this.roster, m);
        this.emit('roster', this.roster);
        return;
    }
  }

  private onSnapshot(m: Record<string, unknown>): void {
    if (!this.codec) return;
    const baseTick = m.base as number;
    const base = baseTick >= 0 ? (this.kept.find((s) => s.tick === baseTick) ?? null) : null;
    // reuse a kept state's memory for the new one: the oldest that is neither this base,
    // the newest, nor a tick we acked lately (the host deltas against its newest ack, which
    // may be an older one than ours while ours is on its way)
    let out: SnapshotState | undefined;
    if (this.kept.length >= KEPT_STATES) {
      const newest = this.kept[this.kept.length - 1];
      let i = this.kept.findIndex((k) => k !== base && k !== newest && !this.acked.includes(k.tick));
      if (i < 0) i = this.kept.findIndex((k) => k !== base && k !== newest);
      if (i >= 0) out = this.kept.splice(i, 1)[0];
    }
    const r = decodeSnapshot(this.codec, m, base, out);
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
    const last = this.acked.at(-1) ?? -1;
    if (last < 0 || Math.floor(r.state.tick / ACK_EVERY) > Math.floor(last / ACK_EVERY)) this.ack(r.state.tick);
    this.emit('snapshot', r.state);
  }

  /** Acknowledge a decoded tick (the delta base of the next snapshots). */
  ack(tick: number): void {
    this.send({ type: 'ack', tick });
    this.noteAck(tick);
  }

  private noteAck(tick: number): void {
    if (tick < 0 || this.acked.at(-1) === tick) return;
    this.acked.push(tick);
    if (this.acked.length > KEPT_STATES - 2) this.acked.shift();
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
