// A WebSocket peer for the tests (the `ws` client): one binary message = one msgpack
// payload, as docs/protocol.md says, decoded here independently of src/net. And raw HTTP
// exchanges over a plain socket, for the bad-input cases a well-behaved HTTP client would
// never produce.

import { connect } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import { LOOPBACK, onCleanup, withTimeout, type Msg } from './net.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export class WsPeer {
  readonly messages: Msg[] = [];
  private read = 0;
  private wake: Array<() => void> = [];
  closed = false;
  closeCode = 0;
  closeReason = '';

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.messages.push(isBinary ? (unpackr.unpack(data) as Msg) : { type: '(text)', text: String(data) });
      this.notify();
    });
    ws.on('error', () => {});
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = true;
      this.closeCode = code;
      this.closeReason = String(reason);
      this.notify();
    });
  }

  /**
   * Open ws://127.0.0.1:port/ws (from `localAddress`, another loopback address for a second
   * machine); rejects with the HTTP status when the upgrade is refused.
   */
  static async open(port: number, path = '/ws', localAddress?: string): Promise<WsPeer> {
    const ws = new WebSocket(`ws://${LOOPBACK}:${port}${path}`, localAddress ? { localAddress } : {});
    onCleanup(() => ws.terminate());
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
        ws.once('error', reject);
      }),
      3000,
      'WebSocket open',
    );
    return new WsPeer(ws);
  }

  /** Open and join; resolves with the welcome. */
  static async joined(port: number, join: Msg = { type: 'join', protocol: 1 }): Promise<{ peer: WsPeer; welcome: Msg }> {
    const peer = await WsPeer.open(port);
    peer.send(join);
    const welcome = await peer.nextWhere((m) => m.type === 'welcome' || m.type === 'error');
    if (welcome.type !== 'welcome') throw new Error(`join refused: ${welcome.code}`);
    return { peer, welcome };
  }

  send(message: unknown): void {
    this.ws.send(packr.pack(message), { binary: true });
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  /** The next unread message matching `pred` (earlier ones are skipped). */
  async nextWhere(pred: (m: Msg) => boolean, timeoutMs = 3000): Promise<Msg> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      while (this.read < this.messages.length) {
        const m = this.messages[this.read++]!;
        if (pred(m)) return m;
      }
      if (this.closed) throw new Error(`closed (${this.closeCode} ${this.closeReason}) before the message came`);
      const left = until - performance.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await withTimeout(new Promise<void>((r) => this.wake.push(r)), left, 'a message').catch(() => {});
    }
  }

  count(type: string): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    if (this.closed) return;
    await withTimeout(new Promise<void>((r) => this.ws.once('close', () => r())), timeoutMs, 'the WebSocket to close');
  }
}

/** Write `request` on a fresh socket; resolves with everything the host sent until it closed. */
export async function rawHttp(port: number, request: string | Buffer, timeoutMs = 3000): Promise<string> {
  const socket = connect({ host: LOOPBACK, port });
  onCleanup(() => socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  socket.write(request);
  await withTimeout(new Promise<void>((r) => socket.once('close', () => r())), timeoutMs, 'the host to close the HTTP socket');
  return Buffer.concat(chunks).toString('latin1');
}

/** The status code of a raw HTTP answer (0 when there was none). */
export const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
