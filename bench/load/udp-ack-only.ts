// The UDP side of an ack-only load client (./ack-only.ts): snapshot datagrams are taken
// before the client library's generic path (decode into objects, reassemble by copying every
// fragment, frame, hand to the session) and counted and acked from their headers alone.
//
// What the host sees is what a decoding client would send it: every FRAGMENT or PAIR still
// goes through the connection's receive window (so the packet acks piggybacked on our inputs,
// acks and keepalives are the same) and its acks of our packets still reach the reliable
// channel; a snapshot counts (and may be acked, with the decoding client's rule) only once
// all of its fragments arrived, as the client library would complete it; a PAIR completes its
// copy of the previous snapshot when that one is still missing. Only the tick is read, from
// the first fragment (the host puts `type` and `tick` first). Everything else (handshake,
// reliable messages, keepalives, malformed datagrams) takes the library's own path.
//
// At 200 clients x 1,000 entities x 60 Hz (five fragments a snapshot before difference
// columns, 60,000 datagrams a second), the library's path cost the client process more than
// a core: it fell behind, and the host's figures described clients that could not keep up.

import type { LanpartyClient } from '../../src/net/client/client.js';
import { UdpClientSocket } from '../../src/net/client/udp-socket.js';
import {
  FRAGMENT_HEADER_BYTES,
  HEADER_BYTES,
  MAX_DATAGRAM,
  MAX_FRAGMENT_PAYLOAD,
  MAX_FRAGMENTS,
  PAIR_HEADER_BYTES,
  UDP_VERSION,
  UdpDrop,
  UdpType,
} from '../../src/net/protocol/udp.js';
import type { DatagramStream } from '../../src/net/udp/index.js';
import { snapshotTick } from './peek-tick.js';

/** The client library's private parts this replaces or reads (checked at run time). */
interface SocketInternals {
  onDatagram(m: Buffer): void;
  stream: DatagramStream | null;
  drops: Record<string, number>;
}

/** An incomplete snapshot: which fragments arrived (two 32-bit masks: at most 64). */
interface Partial {
  no: number;
  count: number;
  have: number;
  lo: number;
  hi: number;
  tick: number;
  bytes: number;
  startedAt: number;
}

/** As the library's Reassembler: 4 incomplete snapshots at most, each for 250 ms. */
const MAX_SETS = 4;
const SET_TIMEOUT_MS = 250;

/**
 * Take `c`'s snapshot datagrams on the fast path. `snapshot(tick, bytes)` is called for each
 * completed snapshot (bytes: its msgpack message's length); tick is null when the first
 * fragment does not show it (never, from this host).
 */
export function udpAckOnly(c: LanpartyClient, snapshot: (tick: number | null, bytes: number) => void): void {
  const sock = (c as unknown as { socket: unknown }).socket;
  if (!(sock instanceof UdpClientSocket)) throw new Error('udpAckOnly: the client is not connected over UDP');
  const s = sock as unknown as SocketInternals;
  if (typeof s.onDatagram !== 'function' || !('stream' in s)) throw new Error('udpAckOnly: UdpClientSocket has no onDatagram / stream to use');
  const generic = s.onDatagram.bind(sock);
  const sets: Partial[] = [];
  let newestDone = -1;
  const count = (reason: string) => (s.drops[reason] = (s.drops[reason] ?? 0) + 1);

  const complete = (no: number): void => {
    newestDone = no;
    for (let i = sets.length - 1; i >= 0; i--) if (sets[i]!.no <= no) sets.splice(i, 1);
  };

  const fragment = (m: Buffer, no: number, now: number): void => {
    const index = m[HEADER_BYTES + 4]!;
    const n = m[HEADER_BYTES + 5]!;
    const len = m.length - HEADER_BYTES - FRAGMENT_HEADER_BYTES;
    if (no <= newestDone) return void count(UdpDrop.STALE_SEQUENCE);
    if (n < 1 || n > MAX_FRAGMENTS || index >= n || len < 1 || (index < n - 1 && len !== MAX_FRAGMENT_PAYLOAD)) return void count(UdpDrop.BAD_FRAGMENT);
    const tickOf = () => (index === 0 ? snapshotTick(m.subarray(HEADER_BYTES + FRAGMENT_HEADER_BYTES)) : -1);
    if (n === 1) {
      complete(no);
      return snapshot(tickOf(), len);
    }
    for (let i = sets.length - 1; i >= 0; i--) if (now - sets[i]!.startedAt > SET_TIMEOUT_MS) sets.splice(i, 1);
    let set = sets.find((x) => x.no === no);
    if (!set) {
      if (sets.length >= MAX_SETS) {
        let oldest = 0;
        for (let i = 1; i < sets.length; i++) if (sets[i]!.no < sets[oldest]!.no) oldest = i;
        if (no < sets[oldest]!.no) return void count(UdpDrop.FRAGMENT_LIMIT);
        sets.splice(oldest, 1);
      }
      set = { no, count: n, have: 0, lo: 0, hi: 0, tick: -1, bytes: 0, startedAt: now };
      sets.push(set);
    } else if (set.count !== n) return void count(UdpDrop.BAD_FRAGMENT);
    const bit = 1 << (index & 31);
    if ((index < 32 ? set.lo : set.hi) & bit) return void count(UdpDrop.REPLAYED);
    if (index < 32) set.lo |= bit;
    else set.hi |= bit;
    if (index === 0) set.tick = tickOf() ?? -2;
    set.have++;
    set.bytes += len;
    if (set.have < set.count) return;
    complete(no);
    snapshot(set.tick >= 0 ? set.tick : null, set.bytes);
  };

  const pair = (m: Buffer, no: number): void => {
    const length = m.readUInt16LE(HEADER_BYTES + 4);
    const at = HEADER_BYTES + PAIR_HEADER_BYTES;
    if (no <= newestDone) return void count(UdpDrop.STALE_SEQUENCE);
    const previousDone = no - 1 > newestDone;
    complete(no);
    if (previousDone) snapshot(snapshotTick(m.subarray(at + length)), m.length - at - length);
    snapshot(snapshotTick(m.subarray(at, at + length)), length);
  };

  s.onDatagram = (m: Buffer): void => {
    const stream = s.stream;
    const type = m[5];
    // anything but a well-formed snapshot datagram of our connection: the library's own path
    if (
      !stream ||
      stream.destroyed ||
      (type !== UdpType.FRAGMENT && type !== UdpType.PAIR) ||
      m.length < HEADER_BYTES + FRAGMENT_HEADER_BYTES + 1 ||
      m.length > MAX_DATAGRAM ||
      m[0] !== 0x4c ||
      m[1] !== 0x50 ||
      m[2] !== 0x55 ||
      m[3] !== 0x44 ||
      m[4] !== UDP_VERSION ||
      m.compare(stream.peer.key, 0, 8, 6, 14) !== 0 ||
      (type === UdpType.PAIR && !validPair(m))
    ) {
      return generic(m);
    }
    const peer = stream.peer;
    const why = peer.window.accept(m.readUInt32LE(14));
    if (why) return void count(why);
    const now = performance.now();
    peer.lastHeardAt = now;
    for (const seq of peer.sent.onAck(m.readUInt32LE(18), m.readUInt32LE(22)).acked) peer.reliable.onPacketAcked(seq);
    const no = m.readUInt32LE(HEADER_BYTES);
    if (type === UdpType.FRAGMENT) fragment(m, no, now);
    else pair(m, no);
    // as DatagramStream.receive does: a burst read after a stall is acked as it goes
    stream.received(now);
  };
}

/** The PAIR layout checks of decodeUdp: a length that leaves at least one byte for the copy. */
function validPair(m: Buffer): boolean {
  const length = m.readUInt16LE(HEADER_BYTES + 4);
  return length >= 1 && HEADER_BYTES + PAIR_HEADER_BYTES + length < m.length;
}
