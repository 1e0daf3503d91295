// A transparent UDP forwarder between a client and a host on loopback: the client knows its
// address as the host's, so a test can send datagrams "from the host" (what an attacker who
// spoofs the host's address does) and see what the host sends.

import { createSocket, type RemoteInfo } from 'node:dgram';
import { UdpType } from '../../src/net/protocol/udp.js';
import { LOOPBACK, onCleanup } from './net.js';

/** A transparent forwarder to the host: `front` is the address the client knows as the host. */
export async function forwarder(hostPort: number) {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: RemoteInfo | null = null;
  /** Snapshot datagrams on their way to the client, as they were. */
  const toClient: Buffer[] = [];
  front.on('message', (m, r) => {
    client = r;
    back.send(m, hostPort, LOOPBACK);
  });
  back.on('message', (m) => {
    if (m[5] === UdpType.FRAGMENT || m[5] === UdpType.PAIR) toClient.push(Buffer.from(m));
    if (client) front.send(m, client.port, client.address);
  });
  await new Promise<void>((r) => front.bind(0, LOOPBACK, () => r()));
  await new Promise<void>((r) => back.bind(0, LOOPBACK, () => r()));
  onCleanup(() => {
    front.close();
    back.close();
  });
  return {
    port: front.address().port,
    toClient,
    /** Send as the host. */
    forge(d: Buffer): void {
      if (!client) throw new Error('no client yet');
      front.send(d, client.port, client.address);
    },
  };
}

