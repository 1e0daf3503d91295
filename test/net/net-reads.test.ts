// Reading accepted sockets into one reused buffer (src/net/server/net-reads.ts): on this
// Node the switch works on a server's sockets, every byte arrives through the callback and
// none through 'data', frames split anyhow decode exactly (FrameDecoder.pushTransient), and
// the end of the stream still closes the socket.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { msgpackFrameDecoder, encodeMsgpackFrame } from '../../src/net/protocol/msgpack-frame.js';
import { directReads } from '../../src/net/server/net-reads.js';
import { LOOPBACK, waitUntil } from '../helpers/net.js';

let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

describe('direct reads', () => {
  it('an accepted socket reads into the shared buffer: frames from two clients decode exactly, no data event, end still closes', async () => {
    const got = new Map<Socket, string[]>();
    const switched: boolean[] = [];
    let dataEvents = 0;
    let closed = 0;
    server = createServer((s) => {
      sockets.push(s);
      const d = msgpackFrameDecoder();
      const mine: string[] = [];
      got.set(s, mine);
      s.on('data', () => dataEvents++);
      s.on('close', () => closed++);
      switched.push(directReads(s, (n, buf) => d.pushTransient(buf, 0, n, (f) => (mine.push(f.toString()), true))));
    });
    await new Promise<void>((r) => server!.listen(0, LOOPBACK, () => r()));
    const port = (server.address() as { port: number }).port;
    const dial = async () => {
      const c = connect({ host: LOOPBACK, port, noDelay: true });
      sockets.push(c);
      await new Promise<void>((r) => c.once('connect', () => r()));
      return c;
    };
    const [a, b] = [await dial(), await dial()];
    await waitUntil(() => got.size === 2, 2000, 'two accepted');
    expect(switched).toEqual([true, true]);
    // interleaved, and each split mid-header and mid-payload
    const want = Array.from({ length: 200 }, (_, i) => `message ${i} ${'x'.repeat(i * 7)}`);
    const wire = (c: string) => encodeMsgpackFrame(Buffer.from(c));
    for (let i = 0; i < want.length; i++) {
      const f = wire(want[i]!);
      const cut = 1 + (i % (f.length - 1));
      a.write(f.subarray(0, cut));
      b.write(f);
      a.write(f.subarray(cut));
    }
    const [ga, gb] = [...got.values()];
    await waitUntil(() => ga!.length === want.length && gb!.length === want.length, 3000, 'every frame');
    expect(ga).toEqual(want);
    expect(gb).toEqual(want);
    expect(dataEvents).toBe(0);
    a.end();
    b.end();
    await waitUntil(() => closed === 2, 3000, 'both closed after the peers ended');
  });
});
