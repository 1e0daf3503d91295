// Acknowledgements over a real socket: deltas are against the newest tick a client acked;
// {type: ack, tick: -1} ("I lack that base") makes the host forget the ack, so it sends full
// snapshots until the client acks a tick it decoded after that. JSON-mode snapshots are
// always full, acked or not. A client that asks for implicit acks (join.implicitAcks) over
// TCP sends none: every delta is against the previous snapshot it was sent; over UDP, where a
// snapshot written may never arrive, the host does not grant it and the client acks.

import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../src/net/client/client.js';
import { LOOPBACK, RawPeer, cleanupNet, onCleanup, startHost, waitUntil, type Msg } from '../helpers/net.js';

afterEach(cleanupNet);

const isSnapshot = (m: Msg) => m.type === 'snapshot';

describe('acks', () => {
  it('acks: after {ack: -1} every snapshot is full until a new ack, then deltas are against the new ack', async () => {
    const th = await startHost();
    const { peer } = await RawPeer.joined(th.port, 'msgpack');
    const first = await peer.nextWhere(isSnapshot);
    expect(first.base).toBe(-1);
    peer.send({ type: 'ack', tick: first.tick });
    const delta = await peer.nextWhere((m) => isSnapshot(m) && m.base === first.tick);

    // ack the newest tick, then say "I do not have that base" at once: the host must not
    // delta against it (it would, within the ring's 32 ticks, before the fix)
    peer.send({ type: 'ack', tick: delta.tick });
    peer.send({ type: 'ack', tick: -1 });
    // snapshots already on their way may still be deltas; from the first full one on, all are full
    let m = await peer.nextWhere(isSnapshot);
    while (m.base !== -1) m = await peer.nextWhere(isSnapshot);
    const after = [m];
    while (after.length < 8) after.push(await peer.nextWhere(isSnapshot));
    expect(after.map((s) => s.base)).toEqual(Array(8).fill(-1));

    // a new ack: deltas again, against it
    const fresh = after.at(-1)!;
    peer.send({ type: 'ack', tick: fresh.tick });
    const next = await peer.nextWhere((s) => isSnapshot(s) && s.base !== -1);
    expect(next.base).toBe(fresh.tick);
  });

  it('acks: a JSON-mode client needs none: its snapshots are full whether it acks or not', async () => {
    const th = await startHost();
    const { peer } = await RawPeer.joined(th.port, 'json');
    const before: Msg[] = [];
    while (before.length < 3) before.push(await peer.nextWhere(isSnapshot));
    peer.send({ type: 'ack', tick: before.at(-1)!.tick });
    peer.send({ type: 'input', ack: before.at(-1)!.tick, inputs: [[1, 0]] });
    const after: Msg[] = [];
    while (after.length < 5) after.push(await peer.nextWhere(isSnapshot));
    for (const s of [...before, ...after]) {
      expect(s.base).toBe(-1);
      expect(Array.isArray(s.ids)).toBe(true);
    }
  });

  it('implicit acks: granted over TCP; with no ack sent, each delta is against the previous snapshot; ack -1 still gets a full one', async () => {
    const th = await startHost();
    const { peer, welcome } = await RawPeer.joined(th.port, 'msgpack', { type: 'join', protocol: 1, implicitAcks: true });
    expect(welcome.implicitAcks).toBe(true);
    const got: Msg[] = [];
    while (got.length < 10) got.push(await peer.nextWhere(isSnapshot));
    expect(got[0]!.base).toBe(-1);
    // without the host taking what it writes as received, every one of these would be full
    for (let i = 1; i < got.length; i++) expect(got[i]!.base).toBe(got[i - 1]!.tick);

    // "I lack the base": a full snapshot, then deltas against the previous one again
    peer.send({ type: 'ack', tick: -1 });
    let m = await peer.nextWhere(isSnapshot);
    while (m.base !== -1) m = await peer.nextWhere(isSnapshot);
    const next = await peer.nextWhere(isSnapshot);
    expect(next.base).toBe(m.tick);
  });

  it('implicit acks: not asked, not granted (snapshots stay full until an ack); a JSON client is never granted', async () => {
    const th = await startHost();
    const { peer, welcome } = await RawPeer.joined(th.port, 'msgpack');
    expect(welcome.implicitAcks).toBe(false);
    const got: Msg[] = [];
    while (got.length < 6) got.push(await peer.nextWhere(isSnapshot));
    expect(got.map((s) => s.base)).toEqual(Array(6).fill(-1));

    const json = await RawPeer.joined(th.port, 'json', { type: 'join', protocol: 1, implicitAcks: true });
    expect(json.welcome.implicitAcks).toBe(false);
  });

  it('implicit acks: the client library asks; over TCP it sends no ack and decodes every snapshot, over UDP it is refused and acks', async () => {
    const th = await startHost();
    const open = async (transport: 'tcp' | 'udp') => {
      const c = await LanpartyClient.connect({ host: LOOPBACK, port: th.port, transport, timeoutMs: 5000 });
      onCleanup(() => c.close());
      const sent: Array<Record<string, unknown>> = [];
      const send = c.send.bind(c);
      c.send = (m: unknown) => (sent.push(m as Record<string, unknown>), send(m));
      return { c, sent };
    };
    const tcp = await open('tcp');
    const udp = await open('udp');
    expect(tcp.c.welcome.implicitAcks).toBe(true);
    expect(udp.c.welcome.implicitAcks).toBe(false);
    const from = { tcp: tcp.c.snapshots, udp: udp.c.snapshots };
    for (const { c } of [tcp, udp]) c.input(1);
    await waitUntil(() => tcp.c.snapshots >= from.tcp + 30 && udp.c.snapshots >= from.udp + 30, 10_000, '30 snapshots each');
    expect(tcp.c.session.decodeErrors).toBe(0);
    expect(tcp.sent.filter((m) => m.type === 'ack')).toEqual([]);
    expect(tcp.sent.find((m) => m.type === 'input')).not.toHaveProperty('ack');
    expect(udp.sent.filter((m) => m.type === 'ack').length).toBeGreaterThan(3);

    // inputs: over TCP the newest alone (nothing is lost), over UDP the last 4 (any may be)
    for (let i = 0; i < 5; i++) for (const { c } of [tcp, udp]) c.input(2);
    const entries = (sent: Array<Record<string, unknown>>) => sent.filter((m) => m.type === 'input').map((m) => (m.inputs as number[][]).map((e) => e[0]));
    expect(entries(tcp.sent)).toEqual([[1], [2], [3], [4], [5], [6]]);
    expect(entries(udp.sent).at(-1)).toEqual([3, 4, 5, 6]);
    // (that the host applies single entries: test/net/sessions.test.ts moves a ship with them)
  });
});
