// UDP mode through the simulator relay (real sockets, real time): the host adapts a
// client's snapshot rate to the loss it measures from acks, and the client plays on.

import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../../src/net/client/client.js';
import { UdpRelay } from '../../../src/net/netsim/index.js';
import { UdpType } from '../../../src/net/protocol/udp.js';
import { cleanupNet, LOOPBACK, onCleanup, startHost, waitUntil } from '../../helpers/net.js';

afterEach(cleanupNet);

describe('udp mode over a lossy link', () => {
  it('at 30 % loss the host steps the client down from 60 Hz and snapshots keep coming', async () => {
    const th = await startHost();
    const relay = new UdpRelay({ host: LOOPBACK, port: th.port }, { latencyMs: 5, jitterMs: 2, loss: 0.3 }, 4);
    const port = await relay.listen(LOOPBACK);
    onCleanup(() => relay.close());
    const c = await LanpartyClient.connect({ host: LOOPBACK, port, transport: 'udp', timeoutMs: 5000 });
    onCleanup(() => c.close());
    let snaps = 0;
    c.on('snapshot', () => snaps++);
    await waitUntil(() => th.host.stats().rates.lowered > 0, 6000, 'rate lowered on loss');
    const n = snaps;
    await waitUntil(() => snaps >= n + 10, 3000, 'snapshots still arriving');
    expect(relay.stats.lost).toBeGreaterThan(0);
  });

  it('without loss through the same relay the rate stays at 60 Hz, and snapshots travel as FRAGMENT datagrams', async () => {
    const th = await startHost();
    let fragments = 0;
    const relay = new UdpRelay({ host: LOOPBACK, port: th.port }, { latencyMs: 5, jitterMs: 2 }, 4, (toClient, _c, b) => {
      if (toClient && b[5] === UdpType.FRAGMENT) fragments++;
    });
    const port = await relay.listen(LOOPBACK);
    onCleanup(() => relay.close());
    const c = await LanpartyClient.connect({ host: LOOPBACK, port, transport: 'udp', timeoutMs: 5000 });
    onCleanup(() => c.close());
    let snaps = 0;
    c.on('snapshot', () => snaps++);
    await waitUntil(() => snaps >= 150, 6000, '150 snapshots');
    expect(th.host.stats().rates.lowered).toBe(0);
    expect(fragments).toBeGreaterThanOrEqual(150);
  });
});
