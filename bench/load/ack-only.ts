// A load client that costs its process as little as an honest client can: it receives and
// frames every message (LanpartyClient does), reads only the tick of each snapshot
// (./peek-tick.ts) and acknowledges the same ticks LanpartyClient would, by the session's own
// rule (Session.decoded), so the host keeps sending deltas exactly as to a decoding client. Every other message (welcome, errors, chat, roster) goes through the client's own
// decoding. It never builds a snapshot's state: a full decode of a 1,000-entity view costs
// ~0.3 ms, and 250 such clients on one core were the limit of the load bench, not the host.
// Over UDP, snapshot datagrams do not even reach the framing: ./udp-ack-only.ts counts them
// from their headers.

import { LanpartyClient } from '../../src/net/client/client.js';
import { LENGTH_BYTES } from '../../src/net/protocol/msgpack-frame.js';
import { snapshotTick } from './peek-tick.js';
import { udpAckOnly } from './udp-ack-only.js';

/** LanpartyClient's private handler of one framed payload, replaced on the instance. */
interface MessageHandler {
  onMessage(payload: Buffer): void;
}

/** Turn a welcomed client into an ack-only one (snapshots counted and acked, not decoded). */
export function ackOnly(c: LanpartyClient): void {
  const target = c as unknown as MessageHandler;
  // the shape this relies on: a typo or a rename must fail here, not make every client decode
  if (typeof target.onMessage !== 'function') throw new Error('ackOnly: LanpartyClient has no onMessage to replace');
  const decodeInFull = target.onMessage.bind(c);
  // the library's own ack rule (none where implicit acks are granted; an ack per window,
  // riding the next input when one goes out in time)
  const got = (tick: number) => {
    c.snapshots++;
    if (!c.closed) c.session.decoded(tick);
  };
  target.onMessage = (payload) => {
    const tick = snapshotTick(payload);
    if (tick === null) return decodeInFull(payload);
    got(tick);
  };
  if (c.transport === 'udp') {
    udpAckOnly(c, (tick, bytes) => {
      // what the library would have framed (length + message) and counted
      c.bytesIn += LENGTH_BYTES + bytes;
      if (tick === null) c.session.decodeErrors++;
      else got(tick);
    });
  }
}
