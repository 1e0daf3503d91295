// Shared helpers for the tests over real loopback sockets (test/net/): a sim + host on
// 127.0.0.1 port 0, raw sockets that speak either wire mode byte by byte, and waiting with
// a timeout. The frame encoding and decoding here is written independently of src/net, so
// the tests check the host's bytes against the protocol as documented, not against itself.
//
// Everything started through these helpers is tracked; call `cleanupNet()` in afterEach.

import { connect, type Socket } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import { Button, Phase } from '../../src/engine/games/shooter/schema.js';
import { Cmd } from '../../src/engine/input-queue.js';
import { viewOf } from '../../src/engine/snapshot-view.js';
import { LanpartyClient, type ClientOptions } from '../../src/net/client/client.js';
import { SessionClient, type SessionClientOptions } from '../../src/net/client/session-client.js';
import { HostServer, type HostServerOptions } from '../../src/net/server/host-server.js';
import { SimHost, type SimHostOptions } from '../../src/workers/sim-host.js';
import { readOwnedEntity } from './ring-read.js';

export const LOOPBACK = '127.0.0.1';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export { sleep };

// ---- waiting ----------------------------------------------------------------------------

/** Poll `pred` until it is truthy; throws (naming `what`) after `timeoutMs`. */
export async function waitUntil<T>(pred: () => T | Promise<T>, timeoutMs = 3000, what = 'condition'): Promise<NonNullable<T>> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v as NonNullable<T>;
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Reject after `ms` unless `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// ---- tracking ---------------------------------------------------------------------------

const cleanups: Array<() => unknown> = [];

/** Stop every host, client and socket the helpers started (afterEach). */
export async function cleanupNet(): Promise<void> {
  const all = cleanups.splice(0).reverse();
  for (const c of all) {
    try {
      await c();
    } catch {
      // already gone
    }
  }
}

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

// ---- hosts ------------------------------------------------------------------------------

export interface TestHostOptions extends Partial<Omit<HostServerOptions, 'sim' | 'bind' | 'port'>> {
  simOptions?: SimHostOptions;
}

export interface TestHost {
  sim: SimHost;
  host: HostServer;
  port: number;
  stop(): Promise<void>;
}

/** A shooter sim worker and a HostServer on 127.0.0.1, a free port. Stopped by cleanupNet(). */
export async function startHost(o: TestHostOptions = {}): Promise<TestHost> {
  const { simOptions, ...hostOptions } = o;
  const sim = await SimHost.start({ capacity: 2000, ...simOptions });
  let host: HostServer;
  try {
    host = await HostServer.start({
      gameName: 'shooter',
      ...hostOptions,
      sim,
      bind: LOOPBACK,
      port: 0,
    });
  } catch (e) {
    await sim.stop();
    throw e;
  }
  let stopped = false;
  const th: TestHost = {
    sim,
    host,
    port: host.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await host.stop();
      await sim.stop();
    },
  };
  onCleanup(() => th.stop());
  return th;
}

/** A LanpartyClient on the test host, welcomed. Closed by cleanupNet(). */
export async function joinClient(th: TestHost, o: Partial<ClientOptions> = {}): Promise<LanpartyClient> {
  const c = await LanpartyClient.connect({ host: LOOPBACK, port: th.port, mode: 'msgpack', timeoutMs: 3000, ...o });
  onCleanup(() => c.close());
  return c;
}

/** Host options for a busy world (900 players firing: see fillWithFiringPlayers) and a peer that stops reading after 600 ms over a 16 KiB backlog. */
export const BUSY_SLOW_CONSUMER: TestHostOptions = {
  stuckMs: 600,
  limits: { maxBacklog: 16 * 1024 },
  gameOptions: { maxPlayers: 1000 },
  simOptions: { capacity: 8000, gameOptions: { maxPlayers: 1000 } },
};

/**
 * A busy world, so that snapshots fill the loopback socket buffers (some MB) quickly: `n`
 * players held on FIRE by the test through the command queue.
 */
export function fillWithFiringPlayers(th: TestHost, n = 900): void {
  for (let i = 0; i < n; i++) th.sim.queue.push(Cmd.JOIN, 100_000 + i, 0, 0, 0);
  for (let i = 0; i < n; i++) th.sim.queue.push(Cmd.INPUT, 100_000 + i, 1, Button.FIRE, 0, 0);
}

/** An entity of a client in the sim's newest snapshot (null when it has none). */
export const entityOf = (th: TestHost, client: number) => readOwnedEntity(th.sim.ring, client);

/** A SessionClient that stays with the host at 127.0.0.1:`port` (stopped on cleanup), started. */
export async function sessionPlayer(port: number, o: Partial<SessionClientOptions> = {}): Promise<SessionClient> {
  const sc = new SessionClient({ bind: LOOPBACK, fixedHost: { ip: LOOPBACK, port }, ...o });
  onCleanup(() => sc.stop());
  await sc.start();
  return sc;
}

/** A SessionClient's connection now (it must have one). */
export const live = (sc: SessionClient): LanpartyClient => {
  if (!sc.client) throw new Error('not connected');
  return sc.client;
};

/** Players hold READY (resending each 16 ms, as a real client would) until the shooter's match is on. */
export async function startMatch(th: TestHost, players: ReadonlyArray<{ input(buttons: number): void }>): Promise<void> {
  await waitUntil(
    async () => {
      for (const p of players) p.input(Button.READY);
      await sleep(16);
      return readGlobal(th, 'phase') === Phase.PLAYING;
    },
    4000,
    'match start',
  );
}

/** A global (shooter: phase, level, matchNo) in the newest consistent snapshot. */
export function readGlobal(th: TestHost, name: string): number {
  const ring = th.sim.ring;
  for (let attempt = 0; attempt < 100; attempt++) {
    const tick = ring.newestTick();
    const token = ring.beginRead(tick);
    if (token < 0) continue;
    const v = viewOf(ring.schema, ring.blockOf(tick), tick, ring.info(tick).maxEid).global(name);
    if (ring.endRead(tick, token)) return v;
  }
  throw new Error('no consistent read in 100 attempts');
}

/** Wait until the sim has run `n` more ticks. */
export async function ticks(th: TestHost, n: number): Promise<void> {
  await th.sim.waitForTick(th.sim.tick + n, 5000);
}

// ---- wire encoding (independent of src/net) ----------------------------------------------

export const JSON_HEADER = 64;
export const PREAMBLE = Buffer.from('LPMP\x01', 'latin1');

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export const pack = (v: unknown): Buffer => packr.pack(v);

/** A 64-byte JSON-mode header holding exactly `text`, padded with spaces. */
export function header(text: string): Buffer {
  const h = Buffer.alloc(JSON_HEADER, 0x20);
  h.write(text, 0, 'latin1');
  return h;
}

/** JSON-mode frame: 64-byte header with the decimal length, then the payload. */
export function jsonFrame(payload: string | Buffer | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  return Buffer.concat([header(String(body.length)), body]);
}

/** msgpack-mode frame: u32 LE length, then the payload (packed unless already bytes). */
export function msgpackFrame(payload: unknown): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : packr.pack(payload);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length, 0);
  return Buffer.concat([len, body]);
}

export const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};

// ---- raw sockets ------------------------------------------------------------------------

export type Mode = 'json' | 'msgpack';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

/**
 * A TCP client with no protocol logic of its own: it writes whatever bytes a test gives it
 * and reads the host's bytes back as frames of a given mode, with timeouts.
 */
export class RawPeer {
  private buf: Buffer = Buffer.alloc(0);
  /** Arrived after `buf` (joined only when read: a peer may be sent megabytes). */
  private chunks: Buffer[] = [];
  private wake: Array<() => void> = [];
  bytesIn = 0;
  closed = false;
  /** Frames are parsed in this mode by next(). */
  mode: Mode;

  private constructor(
    readonly socket: Socket,
    mode: Mode,
  ) {
    this.mode = mode;
    socket.on('data', (c: Buffer) => {
      this.bytesIn += c.length;
      this.chunks.push(c);
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static async connect(port: number, mode: Mode = 'json'): Promise<RawPeer> {
    const socket = connect({ host: LOOPBACK, port, noDelay: true });
    const p = new RawPeer(socket, mode);
    onCleanup(() => socket.destroy());
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      }),
      2000,
      'connect',
    );
    return p;
  }

  /** Connect, send the preamble, read the host's preamble, join; resolves with the welcome. */
  static async joined(port: number, mode: Mode, join: Msg = { type: 'join', protocol: 1 }): Promise<{ peer: RawPeer; welcome: Msg }> {
    const peer = await RawPeer.connect(port, mode);
    if (mode === 'msgpack') {
      peer.write(PREAMBLE);
      peer.expectBytes(await peer.readBytes(5), PREAMBLE);
    }
    peer.send(join);
    const welcome = await peer.nextWhere((m) => m.type === 'welcome' || m.type === 'error');
    if (welcome.type !== 'welcome') throw new Error(`join refused: ${welcome.code}`);
    return { peer, welcome };
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  private waitData(timeoutMs: number, what: string): Promise<void> {
    return withTimeout(new Promise<void>((r) => this.wake.push(r)), timeoutMs, what);
  }

  write(bytes: Uint8Array | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** One message framed in this peer's mode. */
  send(message: unknown): void {
    this.write(this.mode === 'json' ? jsonFrame(message as object) : msgpackFrame(message));
  }

  /** Bytes received and not read yet. */
  get unread(): number {
    this.gather();
    return this.buf.length;
  }

  private gather(): void {
    if (this.chunks.length === 0) return;
    this.buf = Buffer.concat([this.buf, ...this.chunks]);
    this.chunks = [];
  }

  /** Exactly n bytes (waits for them); rejects when the socket closes first or on timeout. */
  async readBytes(n: number, timeoutMs = 2000): Promise<Buffer> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      this.gather();
      if (this.buf.length >= n) break;
      if (this.closed) throw new Error(`socket closed with ${this.buf.length} of ${n} bytes`);
      const left = until - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes (have ${this.buf.length})`);
      await this.waitData(left, `${n} bytes`).catch(() => {});
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  expectBytes(got: Buffer, want: Buffer): void {
    if (!got.equals(want)) throw new Error(`expected bytes ${want.toString('hex')}, got ${got.toString('hex')}`);
  }

  /** The raw payload of the next frame in this peer's mode (the header is checked strictly). */
  async nextPayload(timeoutMs = 2000): Promise<Buffer> {
    if (this.mode === 'json') {
      const h = (await this.readBytes(JSON_HEADER, timeoutMs)).toString('latin1');
      const m = /^(\d+) *$/.exec(h);
      if (!m) throw new Error(`host sent a bad JSON-mode header ${JSON.stringify(h)}`);
      return this.readBytes(Number(m[1]), timeoutMs);
    }
    const len = (await this.readBytes(4, timeoutMs)).readUInt32LE(0);
    return this.readBytes(len, timeoutMs);
  }

  /** The next message, decoded in this peer's mode. */
  async next(timeoutMs = 2000): Promise<Msg> {
    const p = await this.nextPayload(timeoutMs);
    return this.mode === 'json' ? JSON.parse(p.toString('utf8')) : unpackr.unpack(p);
  }

  /** The next message matching `pred`, skipping others (snapshots...). */
  async nextWhere(pred: (m: Msg) => boolean, timeoutMs = 2000): Promise<Msg> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(1, until - performance.now()));
      if (pred(m)) return m;
    }
  }

  /** The next error message (skipping snapshots and the like). */
  nextError(timeoutMs = 2000): Promise<Msg> {
    return this.nextWhere((m) => m.type === 'error', timeoutMs);
  }

  /** Resolves once the host has closed the connection. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (!this.closed) {
      const left = until - performance.now();
      if (left <= 0) throw new Error('timed out waiting for the host to close the connection');
      await this.waitData(left, 'close').catch(() => {});
    }
  }

  /** Every remaining frame until the host closes (for a peer that was dropped). */
  async drainUntilClosed(timeoutMs = 3000): Promise<Msg[]> {
    await this.waitClosed(timeoutMs);
    const out: Msg[] = [];
    while (this.unread > 0) out.push(await this.next(10));
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}
