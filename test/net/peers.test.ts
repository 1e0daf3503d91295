// The host's side of the `peers` message over real sockets (in-process host, port 0): sent
// after the welcome, to every client again when the list changes, kept by a restarted
// network thread, and never sent by a dedicated host. The LAN side (which nodes the list
// names) is checked end to end by test/web/migration.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { peersMsg } from '../../src/net/protocol/peers.js';
import { cleanupNet, RawPeer, startHost, waitUntil } from '../helpers/net.js';
import { WsPeer } from '../helpers/ws.js';

afterEach(cleanupNet);

const HOST_ID = 'aaaaaaaa-0000-4000-8000-000000000000';
const nodeA = { id: 'ffffffff-0000-4000-8000-000000000000', ip: '127.0.0.61', port: 5050 };
const nodeB = { id: 'bbbbbbbb-0000-4000-8000-000000000000', ip: '127.0.0.62', port: 5050 };

describe('peers: the host tells its clients where the LAN peers are', () => {
  it('a dedicated host sends no peer list', async () => {
    const th = await startHost();
    const { peer } = await WsPeer.joined(th.port);
    await peer.nextWhere((m) => m.type === 'snapshot');
    await peer.nextWhere((m) => m.type === 'snapshot');
    expect(peer.count('peers')).toBe(0);
  });

  it('a WebSocket and a msgpack client get the list right after their welcome', async () => {
    const th = await startHost({ epoch: 4 });
    th.host.setPeers(peersMsg(4, HOST_ID, [nodeB, nodeA]));
    const { peer: ws } = await WsPeer.joined(th.port);
    // the first message after the welcome (joined() read up to the welcome)
    expect(await ws.nextWhere(() => true)).toEqual({
      type: 'peers',
      epoch: 4,
      host: HOST_ID,
      peers: [
        { ...nodeA, rank: 0 },
        { ...nodeB, rank: 1 },
      ],
    });
    const { peer: tcp } = await RawPeer.joined(th.port, 'msgpack');
    const m = await tcp.next();
    expect([m.type, m.peers.length]).toEqual(['peers', 2]);
  });

  it('when the set changes, every client is sent the new list', async () => {
    const th = await startHost({ epoch: 1 });
    th.host.setPeers(peersMsg(1, HOST_ID, [nodeA, nodeB]));
    const { peer } = await WsPeer.joined(th.port);
    await peer.nextWhere((m) => m.type === 'peers');
    th.host.setPeers(peersMsg(1, HOST_ID, [nodeB]));
    const m = await peer.nextWhere((x) => x.type === 'peers');
    expect(m.peers).toEqual([{ ...nodeB, rank: 0 }]);
    th.host.setPeers(peersMsg(1, HOST_ID, []));
    expect((await peer.nextWhere((x) => x.type === 'peers')).peers).toEqual([]);
  });

  it('a network thread that dies and is replaced still tells the clients that come back', async () => {
    const th = await startHost({ epoch: 2, faultInjection: true });
    th.host.setPeers(peersMsg(2, HOST_ID, [nodeA]));
    const { peer, welcome } = await WsPeer.joined(th.port);
    th.host.injectNetFault();
    await peer.waitClosed(5000);
    await waitUntil(() => th.host.netRestarts === 1, 5000, 'the network thread to be replaced');
    const back = await waitUntil(
      () => WsPeer.joined(th.port, { type: 'join', protocol: 1, token: welcome.token }).catch(() => null),
      5000,
      'the client to rejoin',
    );
    expect(back.welcome.reconnected).toBe(true);
    expect((await back.peer.nextWhere((m) => m.type === 'peers')).peers).toEqual([{ ...nodeA, rank: 0 }]);
  });
});
