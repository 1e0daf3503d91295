// How a peer link ends, as the election needs to know it (src/net/lan/peer-mesh.ts): a link
// whose far process died ends without a word ('lost': the host is taken for dead at once),
// a link closed on purpose ends with "bye" ('closed': the host may live). Two meshes in this
// process on loopback, ports picked by the system.

import { afterEach, describe, expect, it } from 'vitest';
import { logger } from '../../../src/engine/log.js';
import { DropReason } from '../../../src/net/server/drops.js';
import { PeerMesh, type PeerDown } from '../../../src/net/lan/peer-mesh.js';
import { waitFor } from '../../helpers/cluster.js';

const IP = '127.0.0.1';
const meshes: PeerMesh[] = [];

afterEach(() => {
  for (const m of meshes.splice(0)) m.stop();
});

/** Two linked meshes ('a' dials 'b', the higher id), each recording its peers' ends. */
async function linkedPair(): Promise<{ a: PeerMesh; b: PeerMesh; downs: Record<string, Array<[string, PeerDown]>> }> {
  const downs: Record<string, Array<[string, PeerDown]>> = { a: [], b: [] };
  const make = (id: string) =>
    new PeerMesh({ id, bind: IP, port: 0, log: logger('test'), onMessage: () => {}, onPeerDown: (p, how) => downs[id]!.push([p, how]) });
  const a = make('a');
  const b = make('b');
  meshes.push(a, b);
  await a.start();
  await b.start();
  a.dial('b', IP, b.port);
  await waitFor(() => a.has('b') && b.has('a'), 5000, 'the link a-b');
  return { a, b, downs };
}

describe('peer mesh: how a link ends', () => {
  it("a link whose far end vanished without a word is 'lost' (a killed process: the kernel closes its sockets)", async () => {
    const { a, b, downs } = await linkedPair();
    b.stop(); // every socket destroyed, nothing said: what the kernel does for a killed process
    await waitFor(() => downs.a!.length > 0, 5000, "a to see b's link end");
    expect(downs.a).toEqual([['b', 'lost']]);
    expect(a.has('b')).toBe(false);
  });

  it("a link closed on purpose (here: for its silence) is 'closed' at both ends, and nothing more is read from it", async () => {
    const { a, b, downs } = await linkedPair();
    const link = (a as unknown as { links: Map<string, unknown> }).links.get('b');
    (a as unknown as { reject(l: unknown, r: DropReason): void }).reject(link, DropReason.PEER_SILENT);
    // the closing end knows at once
    expect(downs.a).toEqual([['b', 'closed']]);
    expect(a.has('b')).toBe(false);
    await waitFor(() => downs.b!.length > 0, 5000, "b to see a's link end");
    expect(downs.b).toEqual([['a', 'closed']]);
    expect(b.has('a')).toBe(false);
  });
});
