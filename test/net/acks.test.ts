// Acknowledgements over a real socket: deltas are against the newest tick a client acked;
// {type: ack, tick: -1} ("I lack that base") makes the host forget the ack, so it sends full
// snapshots until the client acks a tick it decoded after that. JSON-mode snapshots are
// always full, acked or not.

import { afterEach, describe, expect, it } from 'vitest';
import { RawPeer, cleanupNet, startHost, type Msg } from '../helpers/net.js';

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
});
