// UDP players across a network-thread restart: the thread dies, the main thread starts a new
// one on the same port with the sessions it kept. The new thread knows no UDP connection, so
// it answers the players' next datagrams with a RESET (their own key echoed); each player's
// socket ends at once with ECONNRESET, as a TCP player's does, and its SessionClient rejoins
// over UDP with its token: same client id, entity and position, and its inputs count again.
//
// The players reach the host through the simulator relay (no loss, 1 ms), which swallows the
// ICMP "port unreachable" a datagram sent while no thread listens would bring back directly
// on loopback (ECONNREFUSED), as a firewall or a Wi-Fi access point may: only the RESET can
// tell them, and without it they would wait for the 5 s UDP timeout.

import { afterEach, describe, expect, it } from 'vitest';
import { Button } from '../../../src/engine/games/shooter/schema.js';
import { UdpRelay } from '../../../src/net/netsim/index.js';
import { UdpDrop, UdpType } from '../../../src/net/protocol/udp.js';
import { LOOPBACK, cleanupNet, entityOf, live, sessionPlayer, startMatch, onCleanup, sleep, startHost, waitUntil } from '../../helpers/net.js';

afterEach(cleanupNet);

/** A UDP player that never gives up on silence by itself: only the host's RESET (or the 5 s UDP timeout) ends its connection. */
const udpPlayer = (port: number) => sessionPlayer(port, { transport: 'udp', silenceMs: 60_000 });

describe('udp players across a network-thread restart', () => {
  it('the restarted thread RESETs their unknown connections and they rejoin over UDP with their tokens, keeping id, entity and position', async () => {
    const th = await startHost({ graceMs: 5000, faultInjection: true });
    let resets = 0;
    const relay = new UdpRelay({ host: LOOPBACK, port: th.port }, { latencyMs: 1 }, 3, (toClient, _c, b) => {
      if (toClient && b[5] === UdpType.RESET) resets++;
    });
    onCleanup(() => relay.close());
    const port = await relay.listen(LOOPBACK);
    const players = [await udpPlayer(port), await udpPlayer(port)];
    for (const p of players) expect(live(p).transport).toBe('udp');
    const ids = players.map((p) => live(p).welcome.client);
    const ents = players.map((p) => live(p).welcome.entity);
    await startMatch(th, players);
    await sleep(200);
    const before = ids.map((c) => entityOf(th, c)!);
    const old = players.map(live);

    th.host.injectNetFault();
    await waitUntil(() => th.host.netRestarts === 1, 5000, 'the network thread to be replaced');
    await waitUntil(() => players.every((p) => p.migrations === 1 && p.client !== null), 8000, 'every UDP player to rejoin');
    // they left because the host said it had no connection for them, not by a timeout
    for (const c of old) expect(c.socketError).toBe('ECONNRESET');
    expect(resets).toBeGreaterThanOrEqual(2);
    expect(th.host.stats().drops[UdpDrop.UNKNOWN_CONNECTION]).toBeGreaterThan(0);
    players.forEach((p, i) => {
      expect(live(p).transport).toBe('udp');
      expect(live(p).welcome).toMatchObject({ client: ids[i], entity: ents[i], reconnected: true });
      const now = entityOf(th, ids[i]!)!;
      expect(now.eid).toBe(before[i]!.eid);
      expect(now.values['Entity.gen']).toBe(before[i]!.values['Entity.gen']);
      expect(Math.abs(now.values['Position.x']! - before[i]!.values['Position.x']!)).toBeLessThanOrEqual(1);
    });
    // and they play on: inputs move the ship, snapshots flow on the new thread
    const x1 = entityOf(th, ids[0]!)!.values['Position.x']!;
    await waitUntil(
      async () => {
        players[0]!.input(Button.RIGHT);
        await sleep(16);
        return entityOf(th, ids[0]!)!.values['Position.x']! > x1 + 30;
      },
      4000,
      'player 0 to move after the restart',
    );
    const c1 = live(players[1]!);
    const t1 = c1.state?.tick ?? 0;
    await waitUntil(() => (c1.state?.tick ?? 0) > t1 + 30, 3000, 'snapshots after the restart');
  });
});
