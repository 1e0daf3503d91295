// The load bench's cheap clients (bench/load/ack-only.ts, peek-tick.ts) must be honest: they
// read the tick of every snapshot without decoding it, and ack so the host sends them deltas
// as it would a decoding client. Before this existed as a module, the swarm shadowed a method
// that had moved elsewhere, and every "ack-only" client silently decoded every snapshot.

import { Packr, Unpackr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ackOnly } from '../../bench/load/ack-only.js';
import { snapshotTick } from '../../bench/load/peek-tick.js';
import { LanpartyClient } from '../../src/net/client/client.js';
import { SNAPSHOT_HEAD_BYTES, UdpType } from '../../src/net/protocol/udp.js';
import { cleanupNet, joinClient, LOOPBACK, onCleanup, startHost, waitUntil } from '../helpers/net.js';
import { forwarder } from '../helpers/udp.js';

afterEach(cleanupNet);

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

describe('peek-tick', () => {
  it('peek-tick: reads the tick of any snapshot map, whatever else it holds and in whatever key order', () => {
    const value = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.uint8Array().map((a) => Buffer.from(a)), fc.array(fc.integer()), fc.dictionary(fc.string(), fc.integer()), fc.constant(null), fc.boolean());
    fc.assert(
      fc.property(fc.nat(2 ** 32 - 1), fc.dictionary(fc.string().filter((k) => k !== 'type' && k !== 'tick'), value, { maxKeys: 12 }), fc.nat(14), (tick, extra, at) => {
        const entries = Object.entries(extra);
        entries.splice(Math.min(at, entries.length), 0, ['tick', tick]);
        entries.splice(Math.min(at >> 1, entries.length), 0, ['type', 'snapshot']);
        expect(snapshotTick(packr.pack(Object.fromEntries(entries)))).toBe(tick);
      }),
    );
  });

  it('peek-tick: anything that is not a snapshot, or is cut short, gives null', () => {
    expect(snapshotTick(packr.pack({ type: 'welcome', tick: 5 }))).toBeNull();
    expect(snapshotTick(packr.pack({ tick: 5 }))).toBeNull();
    expect(snapshotTick(packr.pack({ type: 'snapshot' }))).toBeNull();
    expect(snapshotTick(packr.pack([1, 2, 3]))).toBeNull();
    const whole = packr.pack({ type: 'snapshot', base: -1, tick: 70000 });
    for (let n = 0; n < whole.length; n++) expect(snapshotTick(whole.subarray(0, n))).toBeNull();
    expect(snapshotTick(whole)).toBe(70000);
  });
});

describe('ack-only client', () => {
  it('ack-only: counts snapshots without decoding them, and its acks make the host send deltas', async () => {
    const th = await startHost();
    const c = await joinClient(th);
    // a snapshot that came in the welcome's chunk was decoded before the client turned ack-only
    const stateBefore = c.state;
    ackOnly(c);
    // look at the raw payloads on their way to the ack-only handler
    const handler = c as unknown as { onMessage(p: Buffer): void };
    const inner = handler.onMessage;
    const bases: number[] = [];
    handler.onMessage = (p) => {
      const m = unpackr.unpack(p) as { type: string; base?: number };
      if (m.type === 'snapshot') bases.push(m.base!);
      inner(p);
    };
    await waitUntil(() => bases.filter((b) => b >= 0).length >= 10, 5000, 'deltas against the acked ticks');
    expect(c.snapshots).toBeGreaterThanOrEqual(bases.length);
    // never decoded since: no state was built from any snapshot
    expect(c.state).toBe(stateBefore);
    expect(c.decodeErrors).toBe(0);
  });

  it('ack-only over UDP: counts snapshots from the datagram headers without decoding them, and acks the same ticks, so the host sends deltas', async () => {
    const th = await startHost();
    const fw = await forwarder(th.port);
    const c = await LanpartyClient.connect({ host: LOOPBACK, port: fw.port, transport: 'udp', timeoutMs: 5000 });
    onCleanup(() => c.close());
    ackOnly(c);
    const from = fw.toClient.length;
    // the bases the host chose, read from the (one-datagram) snapshots on their way
    const bases = () =>
      fw.toClient
        .slice(from)
        .filter((d) => d[5] === UdpType.FRAGMENT && d[SNAPSHOT_HEAD_BYTES - 1] === 1)
        .map((d) => (unpackr.unpack(d.subarray(SNAPSHOT_HEAD_BYTES)) as { base: number }).base);
    await waitUntil(() => bases().filter((b) => b >= 0).length >= 10, 5000, 'deltas against the acked ticks');
    const n = bases().length;
    expect(c.snapshots).toBeGreaterThanOrEqual(n - 5);
    expect(c.bytesIn).toBeGreaterThan(0);
    expect(c.state).toBeNull();
    expect(c.decodeErrors).toBe(0);
    // the datagrams went through the connection's receive window: the packet acks it piggybacks name them
    const peer = (c as unknown as { socket: { peer: { window: { newest: number } } } }).socket.peer;
    expect(peer.window.newest).toBeGreaterThan(10);
    expect(th.host.stats().connections).toBe(1);
  });
});
