// Host migration with UDP players: a 3-node `lanparty up` LAN on loopback (real processes,
// 127.0.0.60-62), 3 players in this process on 127.0.0.70-72 speaking UDP mode. kill -9 of
// the host: the players find the new host and rejoin over UDP with their tokens, keeping
// their client id, entity and position. Hermetic: loopback only; no assertion on speed.

import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Cluster, killAllNodes, Player, sleep, waitFor, type ClusterSpec } from '../../helpers/cluster.js';

const NODE_IPS = [60, 61, 62].map((i) => `127.0.0.${i}`);
const PLAYER_IPS = [70, 71, 72].map((i) => `127.0.0.${i}`);
const TAG = randomBytes(3).toString('hex');

let players: Player[] = [];
afterEach(async () => {
  for (const p of players) p.stop();
  players = [];
  await killAllNodes();
});
afterAll(killAllNodes);

describe('host migration over UDP', () => {
  it('kill -9 of the host of a 3-node LAN: UDP players go on at the new host with their id, entity and position', async () => {
    const spec: ClusterSpec = { session: `udp-${TAG}`, discoveryPort: 47190, port: 47380, peerPort: 47381, duration: 240 };
    const c = new Cluster(spec);
    await c.startTogether(NODE_IPS);
    const cons = await c.waitConsensus(40_000, { clients: true });
    players = PLAYER_IPS.map((ip) => new Player({ bind: ip, session: spec.session, discoveryPort: spec.discoveryPort, transport: 'udp' }));
    await Promise.all(players.map((p) => p.start(30_000)));
    for (const p of players) expect(p.sc.client?.transport).toBe('udp');
    await sleep(2500);
    for (const p of players) p.mode = 'still';
    await sleep(1500);
    const before = players.map((p) => ({ w: p.welcome!, own: p.own()! }));
    for (const b of before) expect(b.own).not.toBeNull();
    const survivors = c.alive().filter((n) => n !== cons.host);
    const tKill = performance.now();
    cons.host.kill();
    await cons.host.exitPromise;
    await c.waitConsensus(30_000, { clients: true, minEpoch: 2, among: () => survivors });
    await waitFor(() => players.every((p) => p.connectedAt(2)), 30_000, 'every UDP player connected at epoch 2');
    const back = Math.max(...players.map((p) => p.firstSnapshot.get(2)! - tKill));
    players.forEach((p, i) => {
      const b = before[i]!;
      const w2 = p.welcome!;
      const own = p.own()!;
      expect(p.sc.client?.transport).toBe('udp');
      expect([w2.epoch, w2.reconnected, w2.client, w2.entity]).toEqual([2, true, b.w.client, b.w.entity]);
      expect(Math.abs(own.x - b.own.x)).toBeLessThanOrEqual(1);
      expect(Math.abs(own.y - b.own.y)).toBeLessThanOrEqual(1);
      expect(own.score).toBeGreaterThanOrEqual(b.own.score);
    });
    console.log(`[measured] kill -9 failover over UDP: the 3 UDP players had a snapshot from the epoch-2 host ${back.toFixed(0)} ms after the kill`);
  }, 120_000);
});
