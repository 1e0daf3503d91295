// The load bench's WebSocket row (bench/load/swarm.ts --transport ws) compares hosts only if its
// clients do what the TCP row's do: receive every snapshot as one binary message, ack the same
// ticks (so the host deltas against them: the base ticks of the snapshots it sends advance),
// and count the same bytes. Here against a real host: LanpartyClient over a WebSocket,
// ack-only and decoding, then the swarm program itself (needs dist/: `npm run build`).

import { Unpackr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { ackOnly } from '../../bench/load/ack-only.js';
import { spawnChild, type Child, type Msg } from '../../bench/load/children.js';
import type { SwarmReady, SwarmStatsLine } from '../../bench/load/swarm.js';
import { wsFrameBytes } from '../../src/net/client/ws-socket.js';
import { repoRoot } from '../helpers/cluster.js';
import { cleanupNet, joinClient, onCleanup, startHost, waitUntil } from '../helpers/net.js';

afterEach(cleanupNet);

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Bases of the snapshots a client's handler sees, and the wire bytes of every message. */
function watch(c: object): { bases: number[]; bytes: () => number } {
  const handler = c as { onMessage(p: Buffer): void };
  const inner = handler.onMessage.bind(c);
  const bases: number[] = [];
  let bytes = 0;
  handler.onMessage = (p) => {
    const m = unpackr.unpack(p) as { type: string; base?: number };
    if (m.type === 'snapshot') bases.push(m.base!);
    bytes += wsFrameBytes(p.length);
    inner(p);
  };
  return { bases, bytes: () => bytes };
}

describe('load swarm over WebSocket', () => {
  it('ws clients, ack-only and decoding, get snapshots whose delta bases advance with their acks, and count the bytes on the wire', async () => {
    const th = await startHost();
    const decoding = await joinClient(th, { transport: 'ws', localAddress: '127.0.0.2' });
    const cheap = await joinClient(th, { transport: 'ws', localAddress: '127.0.0.3' });
    expect(decoding.transport).toBe('ws');
    const bytesBefore = cheap.bytesIn;
    // what it decoded before it turned ack-only (a snapshot may come with the welcome)
    const stateBefore = cheap.state;
    ackOnly(cheap);
    const seen = [watch(decoding), watch(cheap)];
    // a real ack loop: each new base is a tick the client acked lately, so bases keep rising
    const rising = (b: number[]) => new Set(b.filter((x) => x >= 0)).size >= 5;
    await waitUntil(() => seen.every((s) => rising(s.bases)), 8000, 'deltas on advancing bases for both clients');
    for (const { bases } of seen) {
      const used = bases.filter((x) => x >= 0);
      for (let i = 1; i < used.length; i++) expect(used[i]!).toBeGreaterThanOrEqual(used[i - 1]!);
    }
    expect(decoding.state).not.toBeNull();
    expect(decoding.decodeErrors).toBe(0);
    // the ack-only client built no state since, and counted what it got like the decoding one
    expect(cheap.state).toBe(stateBefore);
    expect(cheap.snapshots).toBeGreaterThanOrEqual(seen[1]!.bases.length);
    expect(cheap.bytesIn - bytesBefore).toBe(seen[1]!.bytes());
  });

  it('a ws client cannot be made to speak JSON mode', async () => {
    await expect(joinClient(await startHost(), { transport: 'ws', mode: 'json' })).rejects.toThrow(/needs mode msgpack/);
  });

  it('swarm --transport ws: every client joins (more than the host lets one address upgrade at once), and every client keeps receiving', async () => {
    const th = await startHost({ maxConnections: 100, gameOptions: { maxPlayers: 100 }, simOptions: { gameOptions: { maxPlayers: 100 } } });
    // 60 clients: over the burst of 40 upgrades one address may make, so this fails unless
    // the clients come from several addresses
    const clients = 60;
    const swarm: Child = spawnChild('swarm', [`${repoRoot()}/dist/bench/load/swarm.js`, '--port', String(th.port), '--clients', String(clients), '--sample', '20', '--transport', 'ws'], { ...process.env, LANPARTY_LOG: 'warn' });
    onCleanup(() => swarm.stop());
    const ready = (await swarm.waitFor((m) => m.type === 'ready', 40_000, 'the swarm joined')) as unknown as SwarmReady;
    expect(ready, ready.error).toMatchObject({ clients, failed: 0 });
    const isStats = (m: Msg) => m.type === 'stats';
    const first = (await swarm.waitFor(isStats, 10_000, 'a stats line')) as unknown as SwarmStatsLine;
    const n = swarm.lines.length;
    const later = (await swarm.waitFor(isStats, 10_000, 'the next stats line', n)) as unknown as SwarmStatsLine;
    expect(later.connected).toBe(clients);
    later.snaps.forEach((s, i) => expect(s, `client ${i}`).toBeGreaterThan(first.snaps[i]!));
    expect(later.bytes).toBeGreaterThan(first.bytes);
    // the host holds them all as WebSocket peers, welcomed clients
    const net = th.host.stats();
    expect(net.ws).toBe(clients);
    expect(net.clients).toBe(clients);
  });
});
