// UDP mode through the simulator relay (real sockets, real time): the host adapts a
// client's snapshot rate to the loss it measures from acks, and the client plays on.

import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../../src/net/client/client.js';
import { type LinkConditions, type RelayObserver, UdpRelay } from '../../../src/net/netsim/index.js';
import { UdpType } from '../../../src/net/protocol/udp.js';
import { cleanupNet, LOOPBACK, onCleanup, startHost, waitUntil, type TestHost } from '../../helpers/net.js';

afterEach(cleanupNet);

/** A UDP client reaching the host through a relay; counts the snapshots it decodes. */
async function relayed(th: TestHost, conditions: LinkConditions, observe?: RelayObserver) {
  const relay = new UdpRelay({ host: LOOPBACK, port: th.port }, conditions, 4, observe);
  const port = await relay.listen(LOOPBACK);
  onCleanup(() => relay.close());
  const c = await LanpartyClient.connect({ host: LOOPBACK, port, transport: 'udp', timeoutMs: 5000 });
  onCleanup(() => c.close());
  const seen = { snapshots: 0 };
  c.on('snapshot', () => seen.snapshots++);
  return { relay, seen };
}

describe('udp mode over a lossy link', () => {
  it('at 30 % loss the host pairs snapshots, then (the loss lasting two windows) steps the client down from 60 Hz, and snapshots keep coming', async () => {
    const th = await startHost();
    let pairs = 0;
    const { relay, seen } = await relayed(th, { latencyMs: 5, jitterMs: 2, loss: 0.3 }, (toClient, _c, b) => {
      if (toClient && b[5] === UdpType.PAIR) pairs++;
    });
    await waitUntil(() => pairs > 20, 3000, 'snapshots sent in pairs');
    await waitUntil(() => th.host.stats().rates.lowered > 0, 10_000, 'rate lowered on lasting loss');
    const n = seen.snapshots;
    await waitUntil(() => seen.snapshots >= n + 10, 3000, 'snapshots still arriving');
    expect(relay.stats.lost).toBeGreaterThan(0);
  });

  it('without loss through the same relay the rate stays at 60 Hz, and snapshots travel as FRAGMENT datagrams, never paired', async () => {
    const th = await startHost();
    let fragments = 0;
    let pairs = 0;
    const { seen } = await relayed(th, { latencyMs: 5, jitterMs: 2 }, (toClient, _c, b) => {
      if (toClient && b[5] === UdpType.FRAGMENT) fragments++;
      if (toClient && b[5] === UdpType.PAIR) pairs++;
    });
    await waitUntil(() => seen.snapshots >= 150, 6000, '150 snapshots');
    expect(th.host.stats().rates.lowered).toBe(0);
    expect(fragments).toBeGreaterThanOrEqual(150);
    expect(pairs).toBe(0);
  });
});
