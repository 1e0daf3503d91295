// Snapshots that need several datagrams (1,000 drones: a full snapshot is 3 fragments or more,
// the deltas after it as many) arrive over UDP and decode to exactly the state a TCP client of the same host decodes
// at the same tick: directly, and through the network simulator's relay with loss, jitter,
// reordering and duplication (where some snapshots are lost, but none that completes is
// wrong).

import { createHash } from 'node:crypto';
import { Unpackr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../../src/net/client/client.js';
import { type LinkConditions, UdpRelay } from '../../../src/net/netsim/index.js';
import { MAX_FRAGMENT_PAYLOAD } from '../../../src/net/protocol/udp.js';
import type { SnapshotState } from '../../../src/net/protocol/snapshot/index.js';
import { cleanupNet, LOOPBACK, onCleanup, startHost, waitUntil, type TestHost } from '../../helpers/net.js';

afterEach(cleanupNet);

const DRONES = 1000;
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Everything a decoded state says (live rows, every field of each, globals), as one digest. */
function digest(s: SnapshotState): string {
  const h = createHash('sha256');
  h.update(`${s.tick}/${s.top}/${s.count}/`);
  h.update(s.live.subarray(0, s.top + 1));
  for (const col of s.values) h.update(new Uint8Array(col.buffer, col.byteOffset, (s.top + 1) * 8));
  h.update(new Uint8Array(s.globals.buffer, s.globals.byteOffset, s.globals.byteLength));
  return h.digest('hex');
}

/** The digest of every state a client decodes, by tick (the client reuses a state's memory: digest it at once). */
function record(c: LanpartyClient): Map<number, string> {
  const byTick = new Map<number, string>();
  c.on('snapshot', (s: SnapshotState) => byTick.set(s.tick, digest(s)));
  return byTick;
}

/** The snapshot frames a UDP client's socket hands up (size and base of each), read before decoding. */
function frames(c: LanpartyClient): Array<{ bytes: number; base: number }> {
  const out: Array<{ bytes: number; base: number }> = [];
  const socket = (c as unknown as { socket: NodeJS.EventEmitter }).socket;
  socket.on('data', (chunk: Buffer) => {
    if (chunk.length < 5 || chunk.readUInt32LE(0) !== chunk.length - 4) return;
    const m = unpackr.unpack(chunk.subarray(4)) as { type?: string; base?: number };
    if (m.type === 'snapshot') out.push({ bytes: chunk.length - 4, base: m.base! });
  });
  return out;
}

async function droneHost(): Promise<TestHost> {
  const gameOptions = { drones: DRONES, width: 1000, height: 1000 };
  return startHost({ gameOptions, simOptions: { capacity: 2000, gameOptions } });
}

async function client(port: number, transport: 'tcp' | 'udp'): Promise<LanpartyClient> {
  const c = await LanpartyClient.connect({ host: LOOPBACK, port, transport, timeoutMs: 5000 });
  onCleanup(() => c.close());
  return c;
}

/** Ticks both decoded, and those whose states differ. */
function compare(tcp: Map<number, string>, udp: Map<number, string>): { common: number; differ: number[] } {
  let common = 0;
  const differ: number[] = [];
  for (const [tick, d] of udp) {
    const t = tcp.get(tick);
    if (t === undefined) continue;
    common++;
    if (t !== d) differ.push(tick);
  }
  return { common, differ };
}

async function parity(conditions: LinkConditions | null): Promise<{ udpFrames: Array<{ bytes: number; base: number }>; relay: UdpRelay | null }> {
  const th = await droneHost();
  const tcp = await client(th.port, 'tcp');
  const tcpStates = record(tcp);
  let port = th.port;
  let relay: UdpRelay | null = null;
  if (conditions) {
    relay = new UdpRelay({ host: LOOPBACK, port: th.port }, conditions, 7);
    port = await relay.listen(LOOPBACK);
    const r = relay;
    onCleanup(() => r.close());
  }
  const udp = await client(port, 'udp');
  const udpStates = record(udp);
  const udpFrames = frames(udp);
  // the welcome came first: the socket's snapshot frames are all seen from the first one
  await waitUntil(() => compare(tcpStates, udpStates).common >= 60, 15_000, '60 ticks decoded by both clients');
  const { common, differ } = compare(tcpStates, udpStates);
  expect(differ).toEqual([]);
  expect(common).toBeGreaterThanOrEqual(60);
  expect(tcp.decodeErrors).toBe(0);
  expect(udp.decodeErrors).toBe(0);
  return { udpFrames, relay };
}

describe('udp snapshot parity with tcp', () => {
  it('a 1,000-drone world: the full snapshot and the deltas after it, many datagrams each, decode over UDP to the states TCP decodes', async () => {
    const { udpFrames } = await parity(null);
    const full = udpFrames.find((f) => f.base === -1);
    expect(full, 'a full snapshot over UDP').toBeDefined();
    expect(full!.bytes).toBeGreaterThan(2 * MAX_FRAGMENT_PAYLOAD);
    expect(udpFrames.filter((f) => f.base >= 0 && f.bytes > MAX_FRAGMENT_PAYLOAD).length).toBeGreaterThan(10);
  });

  it('through the simulator (5 % loss, 5 % duplicated, 5 % reordered, 10 +- 5 ms): every snapshot that completes decodes to the state TCP decodes', async () => {
    const { udpFrames, relay } = await parity({ latencyMs: 10, jitterMs: 5, loss: 0.05, duplicate: 0.05, reorder: 0.05 });
    expect(udpFrames.some((f) => f.base === -1 && f.bytes > 2 * MAX_FRAGMENT_PAYLOAD)).toBe(true);
    // the network did its worst: datagrams were lost and repeated on the way
    expect(relay!.stats.lost).toBeGreaterThan(0);
    expect(relay!.stats.duplicated).toBeGreaterThan(0);
  });
});
