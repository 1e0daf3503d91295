// The network thread: a real piscina worker owning the listener and every connection. When it
// dies, the main thread starts a new one on the same port with the sessions it kept; the
// clients (SessionClients, which reconnect with their token) come back to the same client id
// and entity, their ships where they were, and their inputs count again. The simulation never
// notices: same sim worker, no restart, the tick keeps going.

import { afterEach, describe, expect, it } from 'vitest';
import { Button, Phase } from '../../src/engine/games/shooter/schema.js';
import type { SessionClient } from '../../src/net/client/session-client.js';
import { connect, type Socket } from 'node:net';
import { ErrorCode } from '../../src/net/errors.js';
import { LOOPBACK, cleanupNet, entityOf, live, sessionPlayer, startMatch, joinClient, onCleanup, readGlobal, sleep, startHost, waitUntil, type TestHost } from '../helpers/net.js';

afterEach(cleanupNet);

const player = (th: TestHost) => sessionPlayer(th.port);

/** Hold `buttons` (resending as a real client would) until `pred` holds. */
async function holdUntil(sc: SessionClient, buttons: number, pred: () => boolean, what: string, ms = 4000): Promise<void> {
  await waitUntil(
    async () => {
      sc.input(buttons);
      await sleep(16);
      return pred();
    },
    ms,
    what,
  );
}

describe('network thread', () => {
  it('a network thread that dies is replaced; its clients rejoin with their tokens and lose nothing, and their inputs count again', async () => {
    const th = await startHost({ graceMs: 5000, faultInjection: true });
    const players = [await player(th), await player(th), await player(th)];
    const ids = players.map((p) => live(p).welcome.client);
    const ents = players.map((p) => live(p).welcome.entity);
    // play: everyone readies up (a match starts), then player 0 runs its input seq high moving right
    await startMatch(th, players);
    const x0 = entityOf(th, ids[0]!)!.values['Position.x']!;
    await holdUntil(players[0]!, Button.RIGHT, () => entityOf(th, ids[0]!)!.values['Position.x']! > x0 + 40, 'player 0 moving right');
    // many inputs: the old thread's input seq numbers run far above what 4 s of holding sends
    for (let i = 0; i < 600; i++) players[0]!.input(0);
    await sleep(100);
    const before = ids.map((c) => entityOf(th, c)!);
    const simRestarts = th.sim.restarts;
    const tickBefore = th.sim.tick;

    th.host.injectNetFault();
    await waitUntil(() => th.host.netRestarts === 1, 5000, 'the network thread to be replaced');
    // every client comes back on the new thread with its own session
    await waitUntil(() => players.every((p) => p.migrations === 1 && p.client !== null), 8000, 'every client to rejoin');
    players.forEach((p, i) => {
      expect(live(p).welcome).toMatchObject({ client: ids[i], entity: ents[i], reconnected: true });
    });
    // nothing was lost: the same entities, where they were, with their scores
    ids.forEach((c, i) => {
      const now = entityOf(th, c)!;
      expect(now.eid).toBe(before[i]!.eid);
      expect(now.values['Entity.gen']).toBe(before[i]!.values['Entity.gen']);
      expect(now.values['Player.score']).toBe(before[i]!.values['Player.score']);
    });
    expect(th.sim.restarts).toBe(simRestarts); // the simulation never noticed
    expect(th.sim.tick).toBeGreaterThan(tickBefore);
    expect(readGlobal(th, 'phase')).toBe(Phase.PLAYING);
    // and their inputs count again: the new thread numbers them above what the sim has seen
    const x1 = entityOf(th, ids[0]!)!.values['Position.x']!;
    await holdUntil(players[0]!, Button.LEFT, () => entityOf(th, ids[0]!)!.values['Position.x']! < x1 - 30, 'player 0 to move after the restart');
    // snapshots flow again on the new thread
    const c1 = live(players[1]!);
    const t1 = c1.state?.tick ?? 0;
    await waitUntil(() => (c1.state?.tick ?? 0) > t1 + 30, 3000, 'snapshots after the restart');
    expect(th.host.stats().connections).toBe(3);
    expect(th.host.exportSessions().records.map((r) => r.client).sort()).toEqual([...ids].sort());
  });

  it('faults are refused unless fault injection was enabled', async () => {
    const th = await startHost();
    const a = await player(th);
    th.host.injectNetFault();
    await sleep(500);
    expect(th.host.netRestarts).toBe(0);
    expect(a.migrations).toBe(0);
    expect(a.client?.closed).toBe(false);
  });

  it('a connection flood on the network thread does not starve its playing clients: they get every tick, the flood is refused and counted', async () => {
    const th = await startHost({ maxConnections: 300, handshakeTimeoutMs: 1500 });
    const honest = await joinClient(th);
    await waitUntil(() => honest.state !== null, 2000, 'first snapshot');
    let got = 0;
    honest.on('snapshot', () => got++);
    // 600 connections at once: half stall in the middle of a header (slowloris), half send
    // garbage; past the cap of 300 they are refused with SERVER_FULL
    const flood: Socket[] = [];
    for (let i = 0; i < 600; i++) {
      const s = connect({ host: LOOPBACK, port: th.port });
      s.on('error', () => {});
      s.on('connect', () => s.write(i % 2 ? '00000' : 'GARBAGE!'));
      flood.push(s);
    }
    onCleanup(() => flood.forEach((s) => s.destroy()));
    const t0 = th.sim.tick;
    const got0 = got;
    await sleep(2500);
    const ticks = th.sim.tick - t0;
    // the honest client was sent (and decoded) a snapshot for most ticks of the flood (a
    // thread stalled by the flood sends none; a loaded machine may delay a few)
    expect(got - got0).toBeGreaterThan(ticks * 0.6);
    expect(honest.decodeErrors).toBe(0);
    expect(honest.closed).toBe(false);
    const drops = th.host.stats().drops;
    expect(drops[ErrorCode.BAD_PREAMBLE]).toBeGreaterThan(0);
    expect((drops[ErrorCode.HANDSHAKE_TIMEOUT] ?? 0) + (drops[ErrorCode.SERVER_FULL] ?? 0)).toBeGreaterThan(0);
    // and once the flood is gone, the host takes a new player
    flood.forEach((s) => s.destroy());
    await waitUntil(() => th.host.stats().connections === 1, 5000, 'the flood connections to close');
    const late = await joinClient(th);
    expect(late.welcome.client).toBeGreaterThan(honest.welcome.client);
  });
});
