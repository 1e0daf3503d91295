// Datagrams forged in the host's name, sent to a UDP client that is playing: the client's
// connected socket takes only datagrams from the host's address, so the test puts the client
// behind a forwarder (test/helpers/udp.ts) whose address is "the host" as far as the client
// knows, and sends the forgeries from that same address (what an attacker who spoofs the host's address does). A
// RESET with a key that is not the connection's, packets with a forged key, a captured
// snapshot datagram replayed, one far behind the window, garbage: each is dropped and counted
// under its reason, and the client plays on (its connection open, snapshots still decoded).

import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../../src/net/client/client.js';
import { encodeKeepalive, encodeReset, HEADER_BYTES, KEY_BYTES, UdpDrop } from '../../../src/net/protocol/udp.js';
import { cleanupNet, LOOPBACK, onCleanup, startHost, waitUntil } from '../../helpers/net.js';
import { forwarder } from '../../helpers/udp.js';

afterEach(cleanupNet);

describe('udp client against datagrams forged in the host name', () => {
  it('a RESET with another key, forged keys, a replayed and a stale snapshot datagram and garbage are each counted and ignored; the client plays on', async () => {
    const th = await startHost();
    const fw = await forwarder(th.port);
    const c = await LanpartyClient.connect({ host: LOOPBACK, port: fw.port, transport: 'udp', timeoutMs: 5000 });
    onCleanup(() => c.close());
    const socket = (c as unknown as { socket: { drops: Record<string, number>; peer: { key: Buffer } | null } }).socket;
    const drops = (reason: string) => socket.drops[reason] ?? 0;
    let snapshots = 0;
    c.on('snapshot', () => snapshots++);
    await waitUntil(() => snapshots >= 5 && fw.toClient.length >= 5, 5000, 'snapshots through the forwarder');
    const key = Buffer.from(socket.peer!.key);
    const other = Buffer.from(key);
    other[KEY_BYTES - 1] ^= 0x01;

    // each forgery, then its count: one reason at a time, so a count cannot come from another
    const expectDropped = async (reason: string, send: () => void) => {
      const before = drops(reason);
      send();
      await waitUntil(() => drops(reason) > before, 2000, `${reason} counted`);
    };
    // a RESET carrying a key that is not ours (an off-path guess): it must not end the connection
    await expectDropped('udp.unexpected_reset', () => fw.forge(encodeReset(other)));
    await expectDropped('udp.unexpected_reset', () => fw.forge(encodeReset(Buffer.alloc(KEY_BYTES))));
    // connected packets with a forged key
    await expectDropped(UdpDrop.FORGED_KEY, () => fw.forge(encodeKeepalive({ key: other, seq: 1_000_000, ack: 0, ackBits: 0 })));
    const snap = fw.toClient[fw.toClient.length - 1]!;
    const forgedSnap = Buffer.from(snap);
    forgedSnap[6] ^= 0xff;
    await expectDropped(UdpDrop.FORGED_KEY, () => fw.forge(forgedSnap));
    // a snapshot datagram the client already had, sent again (a replay, or the network's duplicate)
    await expectDropped(UdpDrop.REPLAYED, () => fw.forge(snap));
    // the first one captured: by now far behind the newest packet (> 32)
    await waitUntil(() => fw.toClient.length >= 40, 3000, '40 snapshot datagrams');
    await expectDropped(UdpDrop.STALE_SEQUENCE, () => fw.forge(fw.toClient[0]!));
    // garbage and a truncated header
    await expectDropped(UdpDrop.BAD_MAGIC, () => fw.forge(Buffer.from('NOPE\x01\x0a')));
    await expectDropped(UdpDrop.TOO_SHORT, () => fw.forge(snap.subarray(0, HEADER_BYTES - 1)));

    expect(c.closed).toBe(false);
    expect(c.socketError).toBeNull();
    const n = snapshots;
    await waitUntil(() => snapshots >= n + 20, 3000, 'snapshots still decoded');
    expect(c.decodeErrors).toBe(0);
    // the host kept the one connection
    expect(th.host.stats().connections).toBe(1);
  });

  it('a RESET with the connection key ends the connection at once, as a TCP reset does (the case the wrong key must not reach)', async () => {
    const th = await startHost();
    const fw = await forwarder(th.port);
    const c = await LanpartyClient.connect({ host: LOOPBACK, port: fw.port, transport: 'udp', timeoutMs: 5000 });
    onCleanup(() => c.close());
    const socket = (c as unknown as { socket: { peer: { key: Buffer } | null } }).socket;
    await waitUntil(() => fw.toClient.length > 0, 5000, 'a snapshot datagram');
    fw.forge(encodeReset(socket.peer!.key));
    await waitUntil(() => c.closed, 2000, 'connection ended by the RESET');
    expect(c.socketError).toBe('ECONNRESET');
  });
});
