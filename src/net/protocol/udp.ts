// UDP mode: the msgpack protocol's messages carried in datagrams on the host's game port (UDP,
// same number as TCP). All integers little-endian. docs/protocol.md ("UDP mode") is the
// reference for client writers; this is the short form.
//
// Every datagram starts with a 6-byte prefix:
//
//   0      4         5       6
//   +------+---------+-------+
//   |'LPUD'| version | type  |        version = 1
//   +------+---------+-------+
//
// Handshake (before a connection exists; the host keeps NO state until a valid RESPONSE):
//
//   REQUEST   c->h  prefix | nonce: 8 bytes | zeros to exactly 1,200 bytes        (1,200 bytes)
//   CHALLENGE h->c  prefix | nonce | time: u32 seconds | cookie: 16 bytes        (34 bytes)
//   RESPONSE  c->h  prefix | nonce | time | cookie | join: msgpack map, 1..1,024 bytes
//   ACCEPTED  h->c  prefix | nonce | connection key: 8 bytes                     (22 bytes)
//   DENIED    h->c  prefix | nonce | code length: u8 | code: ascii (an ErrorCode)
//
//   RESET     h->c  prefix | connection key: 8 bytes                             (14 bytes)
//             the answer to a connected packet from an address the host has no connection
//             for (it restarted its network thread, or timed the client out): the packet's
//             own key echoed, so only who saw that key can make one; smaller than any
//             connected packet (26+ bytes), and counted against the challenge budget
//
//   cookie = HMAC-SHA256(host secret, ip | port | nonce | time)[0..16): the host recomputes
//   it from the RESPONSE's source address, so a spoofed address never sees its cookie and
//   cannot answer. The padded REQUEST makes every pre-handshake reply smaller than its cause.
//
// Connected packets (either direction) then share a 26-byte header:
//
//   6                   14        18        22         26
//   +-------------------+---------+---------+----------+------
//   | connection key: 8 | seq u32 | ack u32 | ackBits  | body
//   +-------------------+---------+---------+ u32      +------
//
//   key     the secret from ACCEPTED: a packet without it is dropped (forged / spoofed)
//   seq     this sender's packet number, from 1, +1 per packet (u32: no wrap in a session)
//   ack     the newest packet seq received from the peer (0: none yet)
//   ackBits bit i set: packet (ack - 1 - i) was received too
//
//   type       dir  body
//   FRAGMENT   h->c snapshot u32 | index u8 | count u8 | bytes (<= 1,200): part `index` of
//                   the connection's `snapshot`-th msgpack snapshot message, cut in `count`
//                   (1..64) parts, every part but the last exactly 1,200 bytes
//   INPUT      c->h one msgpack `input` map (ack tick + the last 1..4 inputs), as over TCP
//   RELIABLE   both count u8 (1..32) | count x (id u32 | length u16 | bytes)
//                   pieces (<= 1,024 bytes) of the msgpack-mode frame stream (welcome,
//                   chat, roster, error, ping/pong...), each resent until a packet carrying
//                   it is acked; ids from 1, +1 per piece (udp/reliable.ts, udp/stream.ts)
//   PAIR       h->c snapshot u32 | length u16 | bytes (length) | previous (the rest): a
//                   one-datagram snapshot and a copy of snapshot - 1, together <= 1,200
//                   bytes; sent while the host sees loss, so one lost (or late) datagram
//                   costs no snapshot
//   KEEPALIVE  both empty (acks only)
//   DISCONNECT both empty; sent 3 times; ends the connection at once
//
// Every decoder here returns a value or a drop reason (UdpDrop); none throws.

export const UDP_MAGIC = Buffer.from('LPUD', 'ascii');
export const UDP_VERSION = 1;
export const PREFIX_BYTES = 6;
export const NONCE_BYTES = 8;
export const COOKIE_BYTES = 16;
export const KEY_BYTES = 8;
export const HEADER_BYTES = PREFIX_BYTES + KEY_BYTES + 12;
export const FRAGMENT_HEADER_BYTES = 6;
export const PAIR_HEADER_BYTES = 6;
/** Payload bytes of one snapshot fragment. A 1,232-byte datagram fits IPv6's minimum MTU (1,280 - 40 - 8). */
export const MAX_FRAGMENT_PAYLOAD = 1200;
export const MAX_FRAGMENTS = 64;
/** The largest datagram either side sends or accepts. */
export const MAX_DATAGRAM = HEADER_BYTES + FRAGMENT_HEADER_BYTES + MAX_FRAGMENT_PAYLOAD;
export const REQUEST_BYTES = 1200;
export const CHALLENGE_BYTES = PREFIX_BYTES + NONCE_BYTES + 4 + COOKIE_BYTES;
export const ACCEPTED_BYTES = PREFIX_BYTES + NONCE_BYTES + KEY_BYTES;
export const RESET_BYTES = PREFIX_BYTES + KEY_BYTES;
export const MAX_JOIN_BYTES = 1024;
export const MAX_RELIABLE_PER_PACKET = 32;
export const RELIABLE_ENTRY_BYTES = 6;
/** The reliable messages of one packet fit in one datagram. */
export const MAX_RELIABLE_BYTES = MAX_DATAGRAM - HEADER_BYTES - 1;
export const DISCONNECT_REPEATS = 3;

export const UdpType = {
  REQUEST: 1,
  CHALLENGE: 2,
  RESPONSE: 3,
  ACCEPTED: 4,
  DENIED: 5,
  RESET: 6,
  FRAGMENT: 10,
  INPUT: 11,
  RELIABLE: 12,
  KEEPALIVE: 13,
  DISCONNECT: 14,
  PAIR: 15,
} as const;
export type UdpType = (typeof UdpType)[keyof typeof UdpType];

/** Why a datagram was dropped without a reply (counted by reason, see server/drops.ts). */
export const UdpDrop = {
  TOO_SHORT: 'udp.too_short',
  OVERSIZED: 'udp.oversized',
  BAD_MAGIC: 'udp.bad_magic',
  BAD_VERSION: 'udp.bad_version',
  BAD_TYPE: 'udp.bad_type',
  BAD_LENGTH: 'udp.bad_length',
  BAD_PADDING: 'udp.bad_padding',
  BAD_FRAGMENT: 'udp.bad_fragment',
  BAD_RELIABLE: 'udp.bad_reliable',
  BAD_COOKIE: 'udp.bad_cookie',
  STALE_COOKIE: 'udp.stale_cookie',
  UNKNOWN_CONNECTION: 'udp.unknown_connection',
  FORGED_KEY: 'udp.forged_key',
  REPLAYED: 'udp.replayed',
  STALE_SEQUENCE: 'udp.stale_sequence',
  FRAGMENT_LIMIT: 'udp.fragment_limit',
  FRAGMENT_EXPIRED: 'udp.fragment_expired',
  BAD_MESSAGE: 'udp.bad_message',
  HANDSHAKE_RATE_LIMITED: 'udp.handshake_rate_limited',
  WRONG_DIRECTION: 'udp.wrong_direction',
  /** A reliable message too far ahead of the next one expected (it will be resent). */
  RELIABLE_WINDOW: 'udp.reliable_window',
  /** A peer that does not answer within the timeout. */
  TIMED_OUT: 'udp.timed_out',
} as const;
export type UdpDrop = (typeof UdpDrop)[keyof typeof UdpDrop];

export interface PacketHeader {
  key: Buffer;
  seq: number;
  ack: number;
  ackBits: number;
}

export interface ReliableEntry {
  id: number;
  bytes: Uint8Array;
}

export type UdpPacket =
  | { type: typeof UdpType.REQUEST; nonce: Buffer }
  | { type: typeof UdpType.CHALLENGE; nonce: Buffer; time: number; cookie: Buffer }
  | { type: typeof UdpType.RESPONSE; nonce: Buffer; time: number; cookie: Buffer; join: Uint8Array }
  | { type: typeof UdpType.ACCEPTED; nonce: Buffer; key: Buffer }
  | { type: typeof UdpType.DENIED; nonce: Buffer; code: string }
  | { type: typeof UdpType.RESET; key: Buffer }
  | { type: typeof UdpType.FRAGMENT; header: PacketHeader; tick: number; index: number; count: number; bytes: Uint8Array }
  | { type: typeof UdpType.PAIR; header: PacketHeader; tick: number; bytes: Uint8Array; previous: Uint8Array }
  | { type: typeof UdpType.INPUT; header: PacketHeader; bytes: Uint8Array }
  | { type: typeof UdpType.RELIABLE; header: PacketHeader; messages: ReliableEntry[] }
  | { type: typeof UdpType.KEEPALIVE; header: PacketHeader }
  | { type: typeof UdpType.DISCONNECT; header: PacketHeader };

export type Decoded = { ok: true; packet: UdpPacket } | { ok: false; reason: UdpDrop; detail: string };

const drop = (reason: UdpDrop, detail: string): Decoded => ({ ok: false, reason, detail });

function prefix(buf: Buffer, type: UdpType): void {
  // byte by byte: Buffer.copy / TypedArray.set cost a builtin call each, once per datagram sent
  for (let i = 0; i < 4; i++) buf[i] = UDP_MAGIC[i]!;
  buf[4] = UDP_VERSION;
  buf[5] = type;
}

function checkLen(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`);
}

// ---- encoders (our own values: they throw on programmer errors, never on peer input) ----

/** A zeroed datagram of `size` bytes: the prefix, then `first` (checked to be `n` bytes long). */
function prefixed(type: UdpType, size: number, first: Uint8Array, n: number, what: string): Buffer {
  checkLen(first, n, what);
  const buf = Buffer.alloc(size);
  prefix(buf, type);
  buf.set(first, PREFIX_BYTES);
  return buf;
}

export const encodeRequest = (nonce: Uint8Array): Buffer => prefixed(UdpType.REQUEST, REQUEST_BYTES, nonce, NONCE_BYTES, 'nonce');

export function encodeChallenge(nonce: Uint8Array, time: number, cookie: Uint8Array): Buffer {
  checkLen(nonce, NONCE_BYTES, 'nonce');
  checkLen(cookie, COOKIE_BYTES, 'cookie');
  const buf = Buffer.alloc(CHALLENGE_BYTES);
  prefix(buf, UdpType.CHALLENGE);
  buf.set(nonce, 6);
  buf.writeUInt32LE(time >>> 0, 14);
  buf.set(cookie, 18);
  return buf;
}

export function encodeResponse(nonce: Uint8Array, time: number, cookie: Uint8Array, join: Uint8Array): Buffer {
  if (join.length < 1 || join.length > MAX_JOIN_BYTES) throw new RangeError(`join must be 1 to ${MAX_JOIN_BYTES} bytes`);
  const head = encodeChallenge(nonce, time, cookie);
  head[5] = UdpType.RESPONSE;
  return Buffer.concat([head, join]);
}

export function encodeAccepted(nonce: Uint8Array, key: Uint8Array): Buffer {
  checkLen(nonce, NONCE_BYTES, 'nonce');
  checkLen(key, KEY_BYTES, 'key');
  const buf = Buffer.alloc(ACCEPTED_BYTES);
  prefix(buf, UdpType.ACCEPTED);
  buf.set(nonce, 6);
  buf.set(key, 14);
  return buf;
}

export function encodeDenied(nonce: Uint8Array, code: string): Buffer {
  checkLen(nonce, NONCE_BYTES, 'nonce');
  const c = Buffer.from(code, 'ascii');
  if (c.length < 1 || c.length > 64) throw new RangeError('code must be 1 to 64 ascii characters');
  const buf = Buffer.alloc(PREFIX_BYTES + NONCE_BYTES + 1 + c.length);
  prefix(buf, UdpType.DENIED);
  buf.set(nonce, 6);
  buf[14] = c.length;
  c.copy(buf, 15);
  return buf;
}

/** "I have no connection for this key": the key of the packet that was not understood. */
export const encodeReset = (key: Uint8Array): Buffer => prefixed(UdpType.RESET, RESET_BYTES, key, KEY_BYTES, 'key');

/** The 26-byte header of a connected packet, at the start of `buf`. */
export function writeHeader(buf: Buffer, type: UdpType, key: Uint8Array, seq: number, ack: number, ackBits: number): void {
  checkLen(key, KEY_BYTES, 'key');
  prefix(buf, type);
  for (let i = 0; i < KEY_BYTES; i++) buf[6 + i] = key[i]!;
  buf.writeUInt32LE(seq >>> 0, 14);
  buf.writeUInt32LE(ack >>> 0, 18);
  buf.writeUInt32LE(ackBits >>> 0, 22);
}

function header(type: UdpType, h: PacketHeader, bodyBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + bodyBytes);
  writeHeader(buf, type, h.key, h.seq, h.ack, h.ackBits);
  return buf;
}

/** Bytes before a FRAGMENT's payload (and before a PAIR's two snapshots). */
export const SNAPSHOT_HEAD_BYTES = HEADER_BYTES + FRAGMENT_HEADER_BYTES;

/**
 * The first SNAPSHOT_HEAD_BYTES of a FRAGMENT (header and fragment header) into `head`: the
 * datagram is `head` then the payload, which a sender may send as a second part, uncopied.
 */
export function writeFragmentHead(head: Buffer, h: PacketHeader, tick: number, index: number, count: number, payloadBytes: number): void {
  if (count < 1 || count > MAX_FRAGMENTS || index < 0 || index >= count) throw new RangeError(`fragment ${index}/${count} out of range`);
  if (payloadBytes > MAX_FRAGMENT_PAYLOAD) throw new RangeError(`fragment payload over ${MAX_FRAGMENT_PAYLOAD} bytes`);
  writeHeader(head, UdpType.FRAGMENT, h.key, h.seq, h.ack, h.ackBits);
  head.writeUInt32LE(tick >>> 0, HEADER_BYTES);
  head[HEADER_BYTES + 4] = index;
  head[HEADER_BYTES + 5] = count;
}

/** The first SNAPSHOT_HEAD_BYTES of a PAIR into `head`: the datagram is `head`, the snapshot, then the copy of the previous. */
export function writePairHead(head: Buffer, h: PacketHeader, tick: number, bytes: number, previous: number): void {
  if (bytes < 1 || previous < 1 || bytes + previous > MAX_FRAGMENT_PAYLOAD) {
    throw new RangeError(`a pair of ${bytes} + ${previous} bytes does not fit ${MAX_FRAGMENT_PAYLOAD}`);
  }
  writeHeader(head, UdpType.PAIR, h.key, h.seq, h.ack, h.ackBits);
  head.writeUInt32LE(tick >>> 0, HEADER_BYTES);
  head.writeUInt16LE(bytes, HEADER_BYTES + 4);
}

export function encodeFragment(h: PacketHeader, tick: number, index: number, count: number, bytes: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(SNAPSHOT_HEAD_BYTES + bytes.length);
  writeFragmentHead(buf, h, tick, index, count, bytes.length);
  buf.set(bytes, SNAPSHOT_HEAD_BYTES);
  return buf;
}

/** Snapshot `tick` and a copy of snapshot `tick - 1`, both whole, in one datagram. */
export function encodePair(h: PacketHeader, tick: number, bytes: Uint8Array, previous: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(SNAPSHOT_HEAD_BYTES + bytes.length + previous.length);
  writePairHead(buf, h, tick, bytes.length, previous.length);
  buf.set(bytes, SNAPSHOT_HEAD_BYTES);
  buf.set(previous, SNAPSHOT_HEAD_BYTES + bytes.length);
  return buf;
}

export function encodeInput(h: PacketHeader, bytes: Uint8Array): Buffer {
  if (bytes.length < 1 || bytes.length > MAX_DATAGRAM - HEADER_BYTES) throw new RangeError('input body out of range');
  const buf = header(UdpType.INPUT, h, bytes.length);
  buf.set(bytes, HEADER_BYTES);
  return buf;
}

/** Bytes a RELIABLE packet with these messages takes. */
export const reliableBytes = (messages: readonly ReliableEntry[]): number =>
  HEADER_BYTES + 1 + messages.reduce((n, m) => n + RELIABLE_ENTRY_BYTES + m.bytes.length, 0);

export function encodeReliable(h: PacketHeader, messages: readonly ReliableEntry[]): Buffer {
  if (messages.length < 1 || messages.length > MAX_RELIABLE_PER_PACKET) throw new RangeError('1 to 32 reliable messages per packet');
  const total = reliableBytes(messages);
  if (total > MAX_DATAGRAM) throw new RangeError(`reliable packet of ${total} bytes over ${MAX_DATAGRAM}`);
  const buf = header(UdpType.RELIABLE, h, total - HEADER_BYTES);
  let at = HEADER_BYTES;
  buf[at++] = messages.length;
  for (const m of messages) {
    buf.writeUInt32LE(m.id >>> 0, at);
    buf.writeUInt16LE(m.bytes.length, at + 4);
    buf.set(m.bytes, at + 6);
    at += RELIABLE_ENTRY_BYTES + m.bytes.length;
  }
  return buf;
}

export const encodeKeepalive = (h: PacketHeader): Buffer => header(UdpType.KEEPALIVE, h, 0);
export const encodeDisconnect = (h: PacketHeader): Buffer => header(UdpType.DISCONNECT, h, 0);

// ---- decoder (peer input: never throws) ----

function readHeader(b: Buffer): PacketHeader {
  return { key: b.subarray(6, 14), seq: b.readUInt32LE(14), ack: b.readUInt32LE(18), ackBits: b.readUInt32LE(22) };
}

/** Decode one datagram. The slices it returns share memory with `b`. */
export function decodeUdp(b: Buffer): Decoded {
  if (b.length < PREFIX_BYTES) return drop(UdpDrop.TOO_SHORT, `${b.length} bytes`);
  if (b.length > MAX_DATAGRAM) return drop(UdpDrop.OVERSIZED, `${b.length} bytes over ${MAX_DATAGRAM}`);
  if (b[0] !== 0x4c || b[1] !== 0x50 || b[2] !== 0x55 || b[3] !== 0x44) return drop(UdpDrop.BAD_MAGIC, 'not LPUD');
  if (b[4] !== UDP_VERSION) return drop(UdpDrop.BAD_VERSION, `version ${b[4]}`);
  const type = b[5];
  switch (type) {
    case UdpType.REQUEST:
      if (b.length !== REQUEST_BYTES) return drop(UdpDrop.BAD_LENGTH, `request of ${b.length} bytes, not ${REQUEST_BYTES}`);
      for (let i = PREFIX_BYTES + NONCE_BYTES; i < REQUEST_BYTES; i++) {
        if (b[i] !== 0) return drop(UdpDrop.BAD_PADDING, 'request padding is not zeros');
      }
      return { ok: true, packet: { type, nonce: b.subarray(6, 14) } };
    case UdpType.CHALLENGE:
      if (b.length !== CHALLENGE_BYTES) return drop(UdpDrop.BAD_LENGTH, `challenge of ${b.length} bytes`);
      return { ok: true, packet: { type, nonce: b.subarray(6, 14), time: b.readUInt32LE(14), cookie: b.subarray(18, 34) } };
    case UdpType.RESPONSE:
      if (b.length <= CHALLENGE_BYTES) return drop(UdpDrop.TOO_SHORT, `response of ${b.length} bytes`);
      if (b.length > CHALLENGE_BYTES + MAX_JOIN_BYTES) return drop(UdpDrop.BAD_LENGTH, `response of ${b.length} bytes`);
      return {
        ok: true,
        packet: { type, nonce: b.subarray(6, 14), time: b.readUInt32LE(14), cookie: b.subarray(18, 34), join: b.subarray(34) },
      };
    case UdpType.ACCEPTED:
      if (b.length !== ACCEPTED_BYTES) return drop(UdpDrop.BAD_LENGTH, `accepted of ${b.length} bytes`);
      return { ok: true, packet: { type, nonce: b.subarray(6, 14), key: b.subarray(14, 22) } };
    case UdpType.DENIED: {
      if (b.length < 16 || b.length !== 15 + b[14]!) return drop(UdpDrop.BAD_LENGTH, `denied of ${b.length} bytes`);
      return { ok: true, packet: { type, nonce: b.subarray(6, 14), code: b.toString('ascii', 15) } };
    }
    case UdpType.RESET:
      if (b.length !== RESET_BYTES) return drop(UdpDrop.BAD_LENGTH, `reset of ${b.length} bytes`);
      return { ok: true, packet: { type, key: b.subarray(PREFIX_BYTES, RESET_BYTES) } };
    case UdpType.FRAGMENT:
    case UdpType.INPUT:
    case UdpType.RELIABLE:
    case UdpType.KEEPALIVE:
    case UdpType.DISCONNECT:
    case UdpType.PAIR:
      if (b.length < HEADER_BYTES) return drop(UdpDrop.TOO_SHORT, `${b.length} bytes, header is ${HEADER_BYTES}`);
      return decodeConnected(b, type);
    default:
      return drop(UdpDrop.BAD_TYPE, `type ${type}`);
  }
}

function decodeConnected(b: Buffer, type: 10 | 11 | 12 | 13 | 14 | 15): Decoded {
  const h = readHeader(b);
  const body = b.subarray(HEADER_BYTES);
  switch (type) {
    case UdpType.FRAGMENT: {
      if (body.length < FRAGMENT_HEADER_BYTES + 1) return drop(UdpDrop.TOO_SHORT, 'fragment without payload');
      const index = body[4]!;
      const count = body[5]!;
      if (count < 1 || count > MAX_FRAGMENTS || index >= count) return drop(UdpDrop.BAD_FRAGMENT, `fragment ${index}/${count}`);
      return { ok: true, packet: { type, header: h, tick: body.readUInt32LE(0), index, count, bytes: body.subarray(6) } };
    }
    case UdpType.PAIR: {
      if (body.length < PAIR_HEADER_BYTES + 2) return drop(UdpDrop.TOO_SHORT, 'pair without two snapshots');
      const length = body.readUInt16LE(4);
      if (length < 1 || PAIR_HEADER_BYTES + length >= body.length) return drop(UdpDrop.BAD_LENGTH, `pair length ${length} of ${body.length - PAIR_HEADER_BYTES} bytes`);
      const at = PAIR_HEADER_BYTES + length;
      return { ok: true, packet: { type, header: h, tick: body.readUInt32LE(0), bytes: body.subarray(PAIR_HEADER_BYTES, at), previous: body.subarray(at) } };
    }
    case UdpType.INPUT:
      if (body.length < 1) return drop(UdpDrop.TOO_SHORT, 'input without body');
      return { ok: true, packet: { type, header: h, bytes: body } };
    case UdpType.RELIABLE:
      return decodeReliable(body, h);
    case UdpType.KEEPALIVE:
      if (body.length !== 0) return drop(UdpDrop.BAD_LENGTH, 'keepalive with a body');
      return { ok: true, packet: { type, header: h } };
    case UdpType.DISCONNECT:
      if (body.length !== 0) return drop(UdpDrop.BAD_LENGTH, 'disconnect with a body');
      return { ok: true, packet: { type, header: h } };
  }
}

function decodeReliable(body: Buffer, h: PacketHeader): Decoded {
  if (body.length < 1) return drop(UdpDrop.TOO_SHORT, 'reliable without count');
  const count = body[0]!;
  if (count < 1 || count > MAX_RELIABLE_PER_PACKET) return drop(UdpDrop.BAD_RELIABLE, `count ${count}`);
  const messages: ReliableEntry[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (at + RELIABLE_ENTRY_BYTES > body.length) return drop(UdpDrop.BAD_RELIABLE, `entry ${i} truncated`);
    const id = body.readUInt32LE(at);
    const len = body.readUInt16LE(at + 4);
    at += RELIABLE_ENTRY_BYTES;
    if (len < 1 || at + len > body.length) return drop(UdpDrop.BAD_RELIABLE, `entry ${i} length ${len}`);
    messages.push({ id, bytes: body.subarray(at, at + len) });
    at += len;
  }
  if (at !== body.length) return drop(UdpDrop.BAD_RELIABLE, `${body.length - at} trailing bytes`);
  return { ok: true, packet: { type: UdpType.RELIABLE, header: h, messages } };
}
