// A WebSocket peer's socket reads into the thread's shared read buffer, as a TCP peer's does
// (src/net/server/ws-connection.ts readInto, src/net/server/net-reads.ts). ws's receiver keeps
// views of what it is given (a message split across reads, fragments of one message), so the
// bytes must be copied out of the shared buffer: a peer whose masked frames arrive cut at
// every possible place, interleaved with another peer's, must still give exactly its own
// messages. After a close frame or a protocol error ws reads nothing more, and neither do we.
//
// Socket, HTTP parser and ws are the real ones (the upgrade as the HTTP front does it: a
// node:http server that never listens, fed the accepted socket).

import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { logger } from '../../src/engine/log.js';
import { DropCounter, DropReason } from '../../src/net/server/drops.js';
import { WsConnection } from '../../src/net/server/ws-connection.js';
import { cleanupNet, LOOPBACK, onCleanup, waitUntil } from '../helpers/net.js';

const LIMITS = { maxFrame: 1 << 20, maxBacklog: 1 << 20, ratePerSecond: 1e6, rateBurst: 1e6, maxInvalid: 10 };

afterEach(cleanupNet);

interface Peer {
  conn: WsConnection;
  drops: DropCounter;
  got: string[];
  dataEvents: number;
}

/** A game port that only speaks WebSocket: every upgraded socket becomes a WsConnection. */
async function wsPort(peers: Peer[], allowSynchronousEvents = true): Promise<number> {
  const http = createHttpServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20, allowSynchronousEvents });
  const drops = new DropCounter(logger('test'));
  http.on('upgrade', (req, socket: Socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = { got: [] as string[], dataEvents: 0, drops } as Peer;
      peer.conn = new WsConnection(ws, socket, LIMITS, drops, {
        frame: (_c, payload) => void peer.got.push(payload.toString()),
        closed: () => {},
      });
      // counted without a listener of our own: one would keep the socket flowing after ws stops reading
      const emit = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
      socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
        if (event === 'data') peer.dataEvents++;
        return emit.call(this, event, ...args);
      } as typeof socket.emit;
      peers.push(peer);
    }),
  );
  const server = createServer((s) => {
    onCleanup(() => s.destroy());
    http.emit('connection', s);
  });
  await new Promise<void>((r) => server.listen(0, LOOPBACK, () => r()));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

/** A raw client: the upgrade by hand, then whatever bytes the test writes. */
async function rawClient(port: number): Promise<Socket> {
  const c = connect({ host: LOOPBACK, port, noDelay: true });
  onCleanup(() => c.destroy());
  await new Promise<void>((r) => c.once('connect', () => r()));
  const key = randomBytes(16).toString('base64');
  c.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  let head = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      head += b.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      c.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(head));
    };
    c.on('data', onData);
  });
  return c;
}

/** One masked client frame (RFC 6455 5.2). opcode 2 binary, 0 continuation, 8 close. */
function clientFrame(payload: Buffer, opcode = 2, fin = true): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, 0x80 | len]) : Buffer.from([0, 0x80 | 126, len >> 8, len & 0xff]);
  head[0] = (fin ? 0x80 : 0) | opcode;
  const body = Buffer.from(payload);
  for (let i = 0; i < len; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

const writeAndWait = (c: Socket, b: Buffer) => new Promise<void>((r) => c.write(b, () => r()));

/** One upgraded peer reading directly, whose first message ('before') has arrived. */
async function onePeerPlaying(): Promise<{ c: Socket; p: Peer }> {
  const peers: Peer[] = [];
  const c = await rawClient(await wsPort(peers));
  await waitUntil(() => peers.length === 1, 3000, 'upgraded');
  const p = peers[0]!;
  expect(p.conn.directReads).toBe(true);
  await writeAndWait(c, clientFrame(Buffer.from('before')));
  await waitUntil(() => p.got.length === 1, 3000, 'the first message');
  return { c, p };
}


describe('WebSocket direct reads', () => {
  // ws's default: the reads go to its frame parser itself; with events deferred (a parse that
  // returns before it is done) through its receiver's Writable, which queues the next read
  it.each([
    ['to the parser', true],
    ['through the Writable, events deferred', false],
  ])('frames cut anywhere, and messages in fragments, arrive whole and exactly, through the shared buffer and no data event (%s)', async (_name, sync) => {
    const peers: Peer[] = [];
    const port = await wsPort(peers, sync);
    const a = await rawClient(port);
    const b = await rawClient(port);
    await waitUntil(() => peers.length === 2, 3000, 'two upgraded peers');
    expect(peers.map((p) => p.conn.directReads)).toEqual([true, true]);
    expect(peers.map((p) => p.conn.parsesDirectly)).toEqual([sync, sync]);
    const [pa, pb] = peers as [Peer, Peer];

    const want = Array.from({ length: 120 }, (_, i) => `message ${i} ${'x'.repeat((i * 37) % 400)}`);
    for (let i = 0; i < want.length; i++) {
      const text = Buffer.from(want[i]!);
      // every third message in two fragments (ws joins them: it keeps the first while the second comes)
      const wire =
        i % 3 === 0
          ? Buffer.concat([clientFrame(text.subarray(0, text.length >> 1), 2, false), clientFrame(text.subarray(text.length >> 1), 0, true)])
          : clientFrame(text);
      const cut = 1 + (i % (wire.length - 1));
      // the cut waits for the write, so the host reads the halves separately; b's bytes in between reuse the buffer
      await writeAndWait(a, wire.subarray(0, cut));
      await writeAndWait(b, clientFrame(Buffer.from(`b ${i} ${'y'.repeat(i)}`)));
      await new Promise((r) => setTimeout(r, 1));
      await writeAndWait(a, wire.subarray(cut));
    }
    await waitUntil(() => pa.got.length === want.length && pb.got.length === want.length, 5000, 'every message');
    expect(pa.got).toEqual(want);
    expect(pb.got).toEqual(want.map((_, i) => `b ${i} ${'y'.repeat(i)}`));
    expect(pa.dataEvents + pb.dataEvents).toBe(0);
  });

  it('after a close frame the bytes that follow are not read as messages, and the peer closes', async () => {
    const { c, p } = await onePeerPlaying();
    const clientClosed = new Promise<void>((r) => c.once('close', () => r()));
    const answered = new Promise<void>((r) => c.once('data', (b: Buffer) => b[0] === 0x88 && r()));
    c.write(clientFrame(Buffer.from([0x03, 0xe8]), 8));
    // the host answered the close and stops reading; it still gets the bytes a peer sends after
    // that (its socket closes on the peer's end): ws drops them, so must we, without a word
    await answered;
    c.end(clientFrame(Buffer.from('after the close')));
    await clientClosed;
    await waitUntil(() => p.conn.closed && p.conn.socket.destroyed, 3000, 'the host side closed');
    expect(p.drops.counts).toEqual({});
    expect(p.got).toEqual(['before']);
  });

  it('after a protocol error the bytes that follow are not read as messages; the error is counted once', async () => {
    const { c, p } = await onePeerPlaying();
    const clientClosed = new Promise<void>((r) => c.once('close', () => r()));
    c.on('error', () => {});
    // a client frame without a mask is a protocol error (RFC 6455 5.1): ws closes with 1002
    const unmasked = Buffer.concat([Buffer.from([0x82, 3]), Buffer.from('bad')]);
    await writeAndWait(c, unmasked);
    await new Promise((r) => setTimeout(r, 20));
    if (!c.destroyed) c.end(clientFrame(Buffer.from('after the error')));
    await clientClosed;
    await waitUntil(() => p.conn.closed && p.conn.socket.destroyed, 3000, 'the host side closed');
    expect(p.got).toEqual(['before']);
    expect(p.drops.counts).toEqual({ [DropReason.WS_BAD_FRAME]: 1 });
  });
});
