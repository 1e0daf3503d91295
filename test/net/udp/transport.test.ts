// The UDP transport between a host-side and a client-side DatagramStream over the network
// simulator, on a virtual clock: fragment loss, reordering, duplicates and a client that
// vanishes. Deterministic: every run sees the same network.

import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeMsgpackFrame, preamble } from '../../../src/net/protocol/msgpack-frame.js';
import { decodeUdp, MAX_FRAGMENT_PAYLOAD, UdpType } from '../../../src/net/protocol/udp.js';
import { type LinkConditions, NetSim } from '../../../src/net/netsim/index.js';
import { DatagramStream, UdpPeer } from '../../../src/net/udp/index.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

interface Pair {
  sim: NetSim;
  host: DatagramStream;
  client: DatagramStream;
  clock: { now: number };
  fromHost: Record<string, unknown>[];
  fromClient: Record<string, unknown>[];
  drops: string[];
  /** Run the network and both sides' service for `ms`, 1 ms at a time. */
  run(ms: number): void;
}

function pair(conditions: LinkConditions, seed = 1, timeoutMs = 5000): Pair {
  const sim = new NetSim(conditions, seed);
  const clock = { now: 0 };
  const key = Buffer.alloc(8, 5);
  const drops: string[] = [];
  const mk = (self: string, other: string, unreliable: string) =>
    new DatagramStream(new UdpPeer(key, 0, { timeoutMs }), {
      unreliable,
      maxFrame: 1 << 20,
      send: (b) => sim.send(self, other, b, clock.now),
      dropped: (r) => drops.push(r),
      now: () => clock.now,
    });
  const host = mk('host', 'client', 'snapshot');
  const client = mk('client', 'host', 'input');
  const fromHost: Record<string, unknown>[] = [];
  const fromClient: Record<string, unknown>[] = [];
  const collect = (into: Record<string, unknown>[]) => (c: Buffer) => {
    if (c.length > 4 && c.readUInt32LE(0) === c.length - 4) into.push(unpackr.unpack(c.subarray(4)) as Record<string, unknown>);
  };
  client.on('data', collect(fromHost));
  host.on('data', collect(fromClient));
  host.write(preamble());
  client.write(preamble());
  return {
    sim,
    host,
    client,
    clock,
    fromHost,
    fromClient,
    drops,
    run(ms) {
      const end = clock.now + ms;
      for (; clock.now < end; clock.now++) {
        for (const d of sim.deliver(clock.now)) {
          const r = decodeUdp(d.bytes);
          if (!r.ok || !('header' in r.packet)) throw new Error('the transport sent an undecodable datagram');
          (d.to === 'host' ? host : client).receive(r.packet, clock.now);
        }
        if (clock.now % 20 === 0) {
          host.service(clock.now);
          client.service(clock.now);
        }
      }
    },
  };
}

const frame = (m: unknown) => encodeMsgpackFrame(packr.pack(m));
/** A snapshot message of about `bytes` bytes (several fragments). */
const snapshot = (tick: number, bytes: number) => frame({ type: 'snapshot', tick, base: -1, pad: Buffer.alloc(bytes, tick & 0xff) });

describe('udp transport over the network simulator', () => {
  it('fragment loss costs only the snapshots that lost a part; the rest arrive whole and in tick order, none stalls', () => {
    const p = pair({ latencyMs: 20, jitterMs: 10, loss: 0.05 }, 11);
    const n = 600;
    for (let t = 1; t <= n; t++) {
      p.host.write(snapshot(t, MAX_FRAGMENT_PAYLOAD * 3));
      p.run(16);
    }
    p.run(200);
    const ticks = p.fromHost.filter((m) => m.type === 'snapshot').map((m) => m.tick as number);
    for (const m of p.fromHost) expect(Buffer.from(m.pad as Uint8Array).every((b) => b === ((m.tick as number) & 0xff))).toBe(true);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]!);
    // 4 fragments at 5 % loss each: about 81 % arrive whole; no long gap (no head-of-line stall)
    expect(ticks.length / n).toBeGreaterThan(0.7);
    expect(ticks.length / n).toBeLessThan(0.92);
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
    expect(Math.max(...gaps)).toBeLessThan(10);
  });

  it('at 5 % loss and 20 +- 10 ms, PAIRs deliver a small snapshot for almost every one sent, in tick order; without them one in fifteen is missing', () => {
    const delivered = (redundant: boolean) => {
      const p = pair({ latencyMs: 20, jitterMs: 10, loss: 0.05 }, 11);
      p.host.peer.redundant = redundant;
      const n = 1200;
      for (let t = 1; t <= n; t++) {
        p.host.write(snapshot(t, 60));
        p.run(16);
      }
      p.run(200);
      const ticks = p.fromHost.filter((m) => m.type === 'snapshot').map((m) => m.tick as number);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]!);
      return { share: ticks.length / n, pairs: p.host.peer.sent.sent };
    };
    const without = delivered(false);
    const withPairs = delivered(true);
    // alone: 5 % lost, and a few percent overtaken by the next one (jitter > a tick apart)
    expect(without.share).toBeLessThan(0.95);
    // paired: lost only when two in a row are, or a pair is overtaken twice
    expect(withPairs.share).toBeGreaterThan(0.99);
    // and no extra datagram: one per snapshot either way
    expect(withPairs.pairs).toBe(without.pairs);
  });

  it('PAIRs stop when a snapshot needs more than one datagram or two do not fit one, and resume after', () => {
    const p = pair({ latencyMs: 5 }, 4);
    p.host.peer.redundant = true;
    const sent = (t: number, bytes: number) => {
      const packets = p.host.peer.snapshotPackets(t, frame({ type: 'snapshot', tick: t, base: -1, pad: Buffer.alloc(bytes) }).subarray(4));
      return packets.map((b) => b[5]);
    };
    expect(sent(1, 100)).toEqual([UdpType.FRAGMENT]); // nothing before it
    expect(sent(2, 100)).toEqual([UdpType.PAIR]);
    expect(sent(3, 1100)).toEqual([UdpType.FRAGMENT]); // with the one before, over 1,200 bytes: alone
    expect(sent(4, 2000)).toEqual([UdpType.FRAGMENT, UdpType.FRAGMENT]);
    expect(sent(5, 100)).toEqual([UdpType.FRAGMENT]); // the one before was not kept
    expect(sent(6, 100)).toEqual([UdpType.PAIR]);
    p.host.peer.redundant = false;
    expect(sent(7, 100)).toEqual([UdpType.FRAGMENT]);
  });

  it('reordered and duplicated datagrams: reliable messages arrive once each, in order; inputs and snapshots never twice', () => {
    const p = pair({ latencyMs: 20, jitterMs: 15, loss: 0.1, duplicate: 0.2, reorder: 0.2 }, 5);
    for (let i = 0; i < 200; i++) {
      p.host.write(frame({ type: 'chat', from: 0, name: '*', text: `line ${i}`, tick: i }));
      p.client.write(frame({ type: 'chat', text: `up ${i}` }));
      p.client.write(frame({ type: 'input', ack: i, inputs: [[i + 1, 1]] }));
      p.host.write(snapshot(i + 1, 100));
      p.run(5);
    }
    p.run(3000);
    expect(p.fromHost.filter((m) => m.type === 'chat').map((m) => m.text)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
    expect(p.fromClient.filter((m) => m.type === 'chat').map((m) => m.text)).toEqual(Array.from({ length: 200 }, (_, i) => `up ${i}`));
    const inputs = p.fromClient.filter((m) => m.type === 'input').map((m) => m.ack);
    expect(new Set(inputs).size).toBe(inputs.length);
    const snaps = p.fromHost.filter((m) => m.type === 'snapshot').map((m) => m.tick);
    expect(new Set(snaps).size).toBe(snaps.length);
    expect(p.sim.stats.duplicated).toBeGreaterThan(0);
    expect(p.drops).toContain('udp.replayed');
  });

  it('a client that vanishes is timed out by the host, which closes without waiting forever', () => {
    const p = pair({ latencyMs: 5 }, 2, 2000);
    let closed = -1;
    p.host.once('close', () => (closed = p.clock.now));
    p.run(1000);
    expect(closed).toBe(-1); // keepalives hold it open
    p.client.removeAllListeners();
    // gone: sends nothing more, reads nothing (a client still reading would ack what it reads)
    (p.client as unknown as { service: () => void }).service = () => {};
    p.client.receive = () => {};
    const gone = p.clock.now;
    p.run(3000);
    expect(closed).toBeGreaterThan(gone + 1900);
    expect(closed).toBeLessThan(gone + 2200);
  });

  it('a clean disconnect closes the other side at once', () => {
    const p = pair({ latencyMs: 5 }, 3);
    let closedAt = -1;
    p.host.once('close', () => (closedAt = p.clock.now));
    p.run(100);
    p.client.destroy();
    p.run(50);
    expect(closedAt).toBeGreaterThan(0);
    expect(closedAt).toBeLessThan(130);
  });

  it('the host measures the loss the network inflicts from the acks', () => {
    const p = pair({ latencyMs: 10, loss: 0.2 }, 9);
    for (let t = 1; t <= 500; t++) {
      p.host.write(snapshot(t, 50));
      p.client.write(frame({ type: 'input', ack: t, inputs: [[t, 0]] }));
      p.run(16);
    }
    expect(p.host.peer.lossRate()).toBeGreaterThan(0.12);
    expect(p.host.peer.lossRate()).toBeLessThan(0.3);
    expect(decodeUdp(p.host.peer.keepalivePacket())).toMatchObject({ ok: true, packet: { type: UdpType.KEEPALIVE } });
  });

  it('a burst read at once (a receiver that was descheduled) is acked as it is read: the sender counts none of it lost', () => {
    const p = pair({ latencyMs: 5 }, 10);
    p.run(200); // both sides settled, nothing in flight
    // 150 snapshot datagrams (30 snapshots of 5 fragments) in one go, all arriving in the same millisecond
    for (let t = 1; t <= 30; t++) p.host.write(snapshot(t, 5000));
    const sent = p.host.peer.sent.sent;
    p.run(300);
    expect(p.fromHost.filter((m) => m.type === 'snapshot')).toHaveLength(30);
    expect(p.host.peer.sent.lost).toBe(0);
    expect(p.host.peer.sent.delivered).toBeGreaterThanOrEqual(sent - 2);
  });
});
