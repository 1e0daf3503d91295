// A lanparty client over TCP: connects in msgpack mode (or JSON mode), joins (or rejoins
// with its session token), and keeps its session (decoding, acks, inputs, pings, roster) in
// the transport-free ClientSession of src/client-core/, which the web client runs over a
// WebSocket. Used by the bots, the terminal client and the tests. The same client runs over
// UDP (./udp-socket.ts) or a WebSocket (./ws-socket.ts: msgpack payloads as binary messages,
// as the web page sends them; the load bench's WebSocket row).

import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import { ClientSession } from '../../client-core/session.js';
import { encodeJsonMessage, jsonFrameDecoder } from '../protocol/json-frame.js';
import type { FrameDecoder } from '../protocol/frame-decoder.js';
import { type ChatMsg, type ErrorMsg, type RosterEntry, type SendHz, type WelcomeMsg } from '../protocol/messages.js';
import { UdpClientSocket } from './udp-socket.js';
import { WsClientSocket } from './ws-socket.js';
import { encodeMsgpackFrame, msgpackFrameDecoder, preamble, PREAMBLE_BYTES } from '../protocol/msgpack-frame.js';
import type { JsonSnapshot, SnapshotCodec, SnapshotState } from '../protocol/snapshot/index.js';

export { ACK_EVERY, applyRoster, sharedSnapshotCodec } from '../../client-core/session.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

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
  /**
   * 'udp': datagrams (msgpack mode only; see udp-socket.ts); 'auto': UDP, or TCP when UDP gets
   * no answer in 1 s; 'ws': a WebSocket on the host's /ws (msgpack payloads; see ws-socket.ts).
   */
  transport?: 'tcp' | 'udp' | 'auto' | 'ws';
  /** 'ws': the local address to connect from (the host limits WebSocket upgrades per address). */
  localAddress?: string;
  /** UDP: give up when the handshake gets no answer in this long (default timeoutMs; 1 s for 'auto'). */
  udpAnswerMs?: number;
}

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
  bytesIn = 0;
  closed = false;
  /**
   * Set by leaveAndClose once the leave is written: nothing more goes out. A write after the
   * socket's end() is an error that destroys the socket, and with snapshots still unread that
   * resets the connection; the host's kernel then drops the leave the host had not read yet.
   */
  private ending = false;
  /** The code of the socket error that ended the connection (ECONNRESET: the host lost it), if one did. */
  socketError: string | null = null;
  readonly session: ClientSession;
  private readonly socket: Socket;
  /** How this client reached its host. */
  readonly transport: 'tcp' | 'udp' | 'ws';
  private decoder: FrameDecoder | null;
  private preambleLeft: number;

  private constructor(
    o: ClientOptions,
    private readonly mode: 'msgpack' | 'json',
  ) {
    super();
    this.session = new ClientSession(mode === 'json', (m) => this.send(m), {
      welcomed: () => this.emit('welcomed'),
      snapshot: (st) => this.emit('snapshot', st),
      json: (snap) => this.emit('json', snap),
      hostError: (e) => this.emit('hostError', e),
      left: (client) => this.emit('left', client),
      chat: (m) => this.emit('chat', m),
      roster: (r) => this.emit('roster', r),
    });
    this.transport = o.transport === 'udp' || o.transport === 'ws' ? o.transport : 'tcp';
    // a UDP connection or a WebSocket looks like a TCP socket to everything below (udp-socket.ts,
    // ws-socket.ts); a WebSocket's messages come framed already, one payload each
    if (o.transport === 'udp') this.socket = new UdpClientSocket({ host: o.host, port: o.port, answerMs: o.udpAnswerMs ?? o.timeoutMs ?? 5000 }) as unknown as Socket;
    else if (o.transport === 'ws') this.socket = new WsClientSocket({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) }) as unknown as Socket;
    else this.socket = connect({ host: o.host, port: o.port, noDelay: true });
    this.decoder = mode === 'json' ? jsonFrameDecoder(16 * 1024 * 1024) : null;
    this.preambleLeft = mode === 'msgpack' && this.transport !== 'ws' ? PREAMBLE_BYTES : 0;
    if (this.transport === 'ws')
      this.socket.on('message', (payload: Buffer, wireBytes: number) => {
        this.bytesIn += wireBytes;
        this.onMessage(payload);
      });
    else this.socket.on('data', (c: Buffer) => this.onData(c));
    this.socket.on('error', (e: NodeJS.ErrnoException) => (this.socketError ??= e.code ?? 'ERROR'));
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
    if ((o.transport === 'udp' || o.transport === 'ws') && o.mode === 'json') throw new RangeError(`transport ${o.transport} needs mode msgpack`);
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
        if (c.mode === 'msgpack' && c.transport !== 'ws') c.socket.write(preamble());
        c.send(c.session.join(o));
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

  get welcome(): WelcomeMsg {
    return this.session.welcome;
  }

  /** Newest decoded state (msgpack mode). Settable: the load bench's swarm stubs it. */
  get state(): SnapshotState | null {
    return this.session.state;
  }

  set state(s: SnapshotState | null) {
    this.session.state = s;
  }

  /** Newest snapshot (JSON mode). */
  get jsonState(): JsonSnapshot | null {
    return this.session.jsonState;
  }

  get codec(): SnapshotCodec | null {
    return this.session.codec;
  }

  get snapshots(): number {
    return this.session.snapshots;
  }

  set snapshots(n: number) {
    this.session.snapshots = n;
  }

  get decodeErrors(): number {
    return this.session.decodeErrors;
  }

  /** The last error message the host sent. */
  get lastError(): ErrorMsg | null {
    return this.session.lastError;
  }

  /** The newest chat roster from the host. */
  get roster(): RosterEntry[] {
    return this.session.roster;
  }

  send(message: unknown): void {
    if (this.closed || this.ending) return;
    if (this.transport === 'ws') this.socket.write(packr.pack(message));
    else this.socket.write(this.mode === 'msgpack' ? encodeMsgpackFrame(packr.pack(message)) : encodeJsonMessage(message));
  }

  /** Send the newest input, repeating the last 3 (the host drops the copies it already has). */
  input(buttons: number, ax = 0, ay = 0): void {
    this.session.input(buttons, ax, ay);
  }

  /** Round-trip time in ms. */
  ping(): Promise<number> {
    return this.session.ping();
  }

  leave(): void {
    this.send({ type: 'leave' });
  }

  /**
   * Leave, then close once the host has closed its side (or after `timeoutMs`). Closing at
   * once while snapshots still arrive resets the connection, and a host that had not read the
   * leave yet loses it: the player would stay in the world for its whole reconnect grace.
   * The wait is generous because a host on a starved machine can take over a second to read
   * (at 1 s, 8 of 16 stopping bots once kept their places in the full suite).
   */
  async leaveAndClose(timeoutMs = 4000): Promise<void> {
    if (this.closed) return;
    this.leave();
    // the bot loop's inputs and pings may go on until the close: they are not sent
    this.ending = true;
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
    this.session.chat(text);
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
      this.session.decodeErrors++;
      return;
    }
    this.session.message(m);
  }

  /** Acknowledge a decoded tick (the delta base of the next snapshots). */
  ack(tick: number): void {
    this.session.ack(tick);
  }
}

