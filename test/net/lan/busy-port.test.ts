// A LanNode whose client port is free when it starts but taken by the time it wins the
// election: it must leave the session ('fatal', no more beacons or peer links), never stay
// its host with nothing listening, and no beacon of it may ever name it host.
//
// Hermetic: 127.0.0.85 (node, and the program that takes the port) and 127.0.0.86 (beacon
// watcher), ports 47820-47829. Fixed ports: run under `flock /tmp/lanparty-test.lock`.

import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHosting } from '../../../src/app/hosting.js';
import { LanNode } from '../../../src/net/lan/node.js';
import { BeaconWatcher, sleep, waitFor } from '../../helpers/cluster.js';

const IP = '127.0.0.85';
const CLIENT_PORT = 47820;
const DISCOVERY_PORT = 47822;

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe('LanNode: the client port taken after start', () => {
  it('the node leaves the session with a fatal error instead of claiming it; no beacon names it host', async () => {
    const watcher = await new BeaconWatcher({ bind: '127.0.0.86', port: DISCOVERY_PORT }).start();
    cleanup.push(() => watcher.stop());
    const node = new LanNode({
      bind: IP,
      session: 'busy-late',
      clientPort: CLIENT_PORT,
      peerPort: CLIENT_PORT + 1,
      discoveryPort: DISCOVERY_PORT,
      // a long search: the port is taken well before the node elects itself
      timing: { searchMs: 1500 },
      startHosting: (h) => startHosting({ game: 'shooter', capacity: 2000, bind: IP, port: CLIENT_PORT, epoch: h.epoch }),
    });
    const fatal = new Promise<Error>((resolve) => node.once('fatal', resolve));
    const states: string[] = [];
    node.on('state', (s) => states.push(s));
    await node.start();
    cleanup.push(() => node.stop());

    // the port is free at start (start() resolved), then another program takes it
    const squatter: Server = createServer((c) => c.destroy());
    await new Promise<void>((resolve) => squatter.listen(CLIENT_PORT, IP, () => resolve()));
    cleanup.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

    const err = await Promise.race([fatal, sleep(15_000).then(() => null)]);
    expect(err, `no fatal error; states ${states.join(' ')}`).not.toBeNull();
    expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    // it did win the election (so this is the late path, not the check at start)...
    expect(node.election.state).toBe('hosting');
    expect(node.currentHost()).toBeNull();
    // ...its beacons were heard, and none of them named it host
    await waitFor(() => watcher.heard.some((s) => s.b.id === node.id), 5000, 'a beacon of the node');
    expect(watcher.hostClaims().filter((c) => c.id === node.id)).toEqual([]);
    // and it has gone quiet: no beacon from it after the failure
    const after = watcher.heard.length;
    await sleep(2500);
    expect(watcher.heard.slice(after).filter((s) => s.b.id === node.id)).toEqual([]);
  });
});
