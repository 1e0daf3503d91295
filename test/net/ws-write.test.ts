// The host writes a payload that several WebSocket peers share as one prebuilt WebSocket frame
// (src/net/server/ws-connection.ts: ws.send for the first peer, the whole frame built once for
// the next ones). Every peer must still get every snapshot whole, byte for byte the same
// message, read by an independent WebSocket client (the `ws` client of test/helpers/ws.ts),
// interleaved with what ws writes itself (pongs).

import { afterEach, describe, expect, it } from 'vitest';
import { cleanupNet, startHost, waitUntil } from '../helpers/net.js';
import { WsPeer } from '../helpers/ws.js';

afterEach(cleanupNet);

describe('ws write path', () => {
  it('peers sharing a payload all receive the same snapshots, whole, with pongs in between', async () => {
    const th = await startHost();
    const peers = await Promise.all([0, 1, 2, 3].map(async () => (await WsPeer.joined(th.port)).peer));
    // none acks: every one gets the full snapshot of each tick, one payload for all four
    const snapshotsOf = (p: WsPeer) => p.messages.filter((m) => m.type === 'snapshot');
    await waitUntil(() => peers.every((p) => snapshotsOf(p).length >= 30), 8000, '30 snapshots on every peer');
    for (const p of peers) p.ws.ping(Buffer.from('hi'));
    await waitUntil(() => peers.every((p) => snapshotsOf(p).length >= 40), 8000, '40 snapshots on every peer');
    for (const p of peers) expect(p.closed).toBe(false);
    const byTick = (p: WsPeer) => new Map(snapshotsOf(p).map((m) => [m.tick as number, m]));
    const first = byTick(peers[0]!);
    let compared = 0;
    for (const p of peers.slice(1))
      for (const [tick, m] of byTick(p)) {
        const same = first.get(tick);
        if (!same) continue;
        expect(m).toEqual(same);
        compared++;
      }
    expect(compared).toBeGreaterThanOrEqual(3 * 20);
  });
});
