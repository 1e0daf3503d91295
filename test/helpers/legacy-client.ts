// A stand-in for the original seed 003 Python client, byte for byte and step for step
// (src/net/protocol/legacy003.ts describes the protocol). Like the original:
//
//   send(msg): header = str(len(msg)) padded with spaces to 64 bytes; send(header); send(msg)
//              (two writes, as the original did)
//   receive(): read a 64-byte header, int() it, read that many bytes
//
//   send("hello"); my_address = [reply["ip"], reply["port"]]
//   every frame (clock.tick(60)):
//     send(json.dumps({"connection": True, "ready": ready}))
//     send(json.dumps(keys))                  # pygame.key.get_pressed(): 512 booleans
//     data = json.loads(receive())
//     if data["user1"] == my_address or data["user2"] == my_address:
//         lasers1 = json.loads(receive()); lasers2 = json.loads(receive())
//     enemies = json.loads(receive())
//
// JSON is written the way Python's json.dumps writes it (", " and ": " separators).

import { connect, type Socket } from 'node:net';
import { LOOPBACK, sleep, withTimeout } from './net.js';

const HEADER = 64;
export const KEY_COUNT = 512;
export const SCANCODE = { A: 4, D: 7, W: 26, S: 22, SPACE: 44 } as const;
export type Key = keyof typeof SCANCODE;

export type Address = [string, number];

export interface LegacyData {
  ready: boolean;
  level: number;
  user1: Address | string;
  user2: Address | string;
  x1: number;
  y1: number;
  health1: number;
  lost1: boolean;
  x2: number;
  y2: number;
  health2: number;
  lost2: boolean;
  win1: boolean;
  win2: boolean;
}

export interface LegacyFrame {
  data: LegacyData;
  /** Read only when the client found itself in user1 or user2 (as the original does). */
  lasers1: Array<{ x: number; y: number }> | null;
  lasers2: Array<{ x: number; y: number }> | null;
  enemies: Array<{ ex: number; ey: number; ecolor: string }>;
  /** Messages read for this frame: 4 in a slot, 2 otherwise. */
  messages: number;
}

/** json.dumps with Python's default separators. */
export function pythonDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pythonDumps(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v);
}

const sameAddress = (a: unknown, b: Address) => Array.isArray(a) && a.length === 2 && a[0] === b[0] && a[1] === b[1];

export class LegacyClient {
  /** What the host said our address is (the original's my_address). */
  address!: Address;
  ready = false;
  readonly keys: boolean[] = new Array<boolean>(KEY_COUNT).fill(false);
  frames = 0;
  last: LegacyFrame | null = null;
  closed = false;
  private buf: Buffer = Buffer.alloc(0);
  private wake: Array<() => void> = [];
  private lastFrameAt = 0;
  private loop: Promise<void> | null = null;
  private looping = false;
  private loopError: unknown = null;
  private readonly listeners = new Set<(f: LegacyFrame | Error) => void>();

  private constructor(
    readonly socket: Socket,
    private readonly fps: number,
    private readonly quick: boolean,
  ) {
    socket.on('data', (c: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, c]) : c;
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  /**
   * Connect, say hello, read our address. `quick`: unlike the original, each message goes in
   * one write with Nagle off (as a client written from the protocol document may do): its
   * first exchange then reaches the host within a tick of the address, not ~40 ms later.
   */
  static async connect(port: number, o: { fps?: number; quick?: boolean } = {}): Promise<LegacyClient> {
    const socket = connect({ host: LOOPBACK, port, noDelay: o.quick ?? false });
    const c = new LegacyClient(socket, o.fps ?? 60, o.quick ?? false);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      }),
      2000,
      'connect',
    );
    c.send('hello');
    const reply = JSON.parse(await c.receive()) as { ip: string; port: number };
    c.address = [reply.ip, reply.port];
    return c;
  }

  get localAddress(): Address {
    return [this.socket.localAddress!, this.socket.localPort!];
  }

  /** Unread bytes from the host. */
  get pending(): number {
    return this.buf.length;
  }

  press(key: Key, down = true): void {
    this.keys[SCANCODE[key]] = down;
  }

  releaseAll(): void {
    this.keys.fill(false);
  }

  /** The original's send(): header, then payload, as two writes. */
  send(msg: string): void {
    const message = Buffer.from(msg, 'utf8');
    const h = Buffer.alloc(HEADER, 0x20);
    h.write(String(message.length), 0, 'ascii');
    if (this.quick) return void this.socket.write(Buffer.concat([h, message]));
    this.socket.write(h);
    this.socket.write(message);
  }

  /** The original's receive(): one 64-byte header, then that many bytes. */
  async receive(timeoutMs = 2000): Promise<string> {
    const h = (await this.read(HEADER, timeoutMs)).toString('latin1');
    if (!/^\d+ *$/.test(h)) throw new Error(`bad header from the host: ${JSON.stringify(h)}`);
    return (await this.read(Number.parseInt(h, 10), timeoutMs)).toString('utf8');
  }

  /** One frame of the original's main loop, paced at `fps` like clock.tick(60). */
  async frame(): Promise<LegacyFrame> {
    const wait = this.lastFrameAt + 1000 / this.fps - performance.now();
    if (wait > 0) await sleep(wait);
    this.lastFrameAt = performance.now();
    this.send(pythonDumps({ connection: true, ready: this.ready }));
    this.send(pythonDumps(this.keys));
    const data = JSON.parse(await this.receive()) as LegacyData;
    let messages = 1;
    let lasers1: LegacyFrame['lasers1'] = null;
    let lasers2: LegacyFrame['lasers2'] = null;
    if (sameAddress(data.user1, this.address) || sameAddress(data.user2, this.address)) {
      lasers1 = JSON.parse(await this.receive());
      lasers2 = JSON.parse(await this.receive());
      messages += 2;
    }
    const enemies = JSON.parse(await this.receive());
    messages++;
    const f: LegacyFrame = { data, lasers1, lasers2, enemies, messages };
    this.last = f;
    this.frames++;
    for (const l of this.listeners) l(f);
    return f;
  }

  /** Which slot the last frame put us in (0: neither). */
  get slot(): 0 | 1 | 2 {
    const d = this.last?.data;
    if (!d) return 0;
    if (sameAddress(d.user1, this.address)) return 1;
    if (sameAddress(d.user2, this.address)) return 2;
    return 0;
  }

  // ---- running the main loop in the background while a test watches ----

  start(): void {
    if (this.looping) return;
    this.looping = true;
    this.loopError = null;
    this.loop = (async () => {
      try {
        while (this.looping) await this.frame();
      } catch (e) {
        this.loopError = e;
        this.looping = false;
        const err = e instanceof Error ? e : new Error(String(e));
        for (const l of this.listeners) l(err);
      }
    })();
  }

  /** Stop after the frame in progress (nothing is left half-read). */
  async stop(): Promise<void> {
    this.looping = false;
    await this.loop;
    this.loop = null;
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.loopError) throw this.loopError;
  }

  /** Wait (main loop running) until a frame satisfies `pred`; returns that frame. */
  waitFrame(pred: (f: LegacyFrame) => boolean, timeoutMs = 3000, what = 'a frame'): Promise<LegacyFrame> {
    this.throwIfFailed();
    if (!this.looping) return Promise.reject(new Error('main loop not running'));
    let listener!: (f: LegacyFrame | Error) => void;
    const found = new Promise<LegacyFrame>((resolve, reject) => {
      listener = (f) => {
        if (f instanceof Error) reject(f);
        else if (pred(f)) resolve(f);
      };
      this.listeners.add(listener);
    });
    return withTimeout(found, timeoutMs, () => `${what} (last data ${JSON.stringify(this.last?.data)})`).finally(() =>
      this.listeners.delete(listener),
    );
  }

  /** The original quitting: {"connection": false} and close. */
  async disconnect(): Promise<void> {
    await this.stop();
    this.send(pythonDumps({ connection: false, ready: this.ready }));
    await sleep(20);
    this.socket.end();
  }

  close(): void {
    this.looping = false;
    this.socket.destroy();
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  private async read(n: number, timeoutMs: number): Promise<Buffer> {
    const until = performance.now() + timeoutMs;
    while (this.buf.length < n) {
      if (this.closed) throw new Error(`connection closed with ${this.buf.length} of ${n} bytes`);
      const left = until - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes from the host`);
      await withTimeout(new Promise<void>((r) => this.wake.push(r)), left, 'bytes').catch(() => {});
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}
