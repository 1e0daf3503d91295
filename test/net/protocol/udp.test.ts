import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED_BYTES,
  CHALLENGE_BYTES,
  decodeUdp,
  encodeAccepted,
  encodeChallenge,
  encodeDenied,
  encodeDisconnect,
  encodeFragment,
  encodeInput,
  encodeKeepalive,
  encodePair,
  encodeReliable,
  encodeRequest,
  encodeReset,
  encodeResponse,
  HEADER_BYTES,
  MAX_DATAGRAM,
  MAX_FRAGMENT_PAYLOAD,
  MAX_JOIN_BYTES,
  REQUEST_BYTES,
  UdpDrop,
  UdpType,
} from '../../../src/net/protocol/udp.js';
import { DropReason } from '../../../src/net/server/drops.js';

const bytes = (n: number, min = 0) => fc.uint8Array({ minLength: min, maxLength: n }).map((a) => Buffer.from(a));
const exact = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a));
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const header = fc.record({ key: exact(8), seq: u32, ack: u32, ackBits: u32 });

/** Every kind of datagram, well formed. */
const datagram = fc.oneof(
  exact(8).map((n) => encodeRequest(n)),
  fc.tuple(exact(8), u32, exact(16)).map(([n, t, c]) => encodeChallenge(n, t, c)),
  fc.tuple(exact(8), u32, exact(16), bytes(MAX_JOIN_BYTES, 1)).map(([n, t, c, j]) => encodeResponse(n, t, c, j)),
  fc.tuple(exact(8), exact(8)).map(([n, k]) => encodeAccepted(n, k)),
  exact(8).map((k) => encodeReset(k)),
  fc.tuple(exact(8), fc.constantFrom('BAD_TOKEN', 'SERVER_FULL')).map(([n, c]) => encodeDenied(n, c)),
  fc
    .tuple(header, u32, fc.integer({ min: 1, max: 64 }), bytes(MAX_FRAGMENT_PAYLOAD, 1))
    .chain(([h, t, count, b]) => fc.integer({ min: 0, max: count - 1 }).map((i) => encodeFragment(h, t, i, count, b))),
  fc.tuple(header, u32, bytes(600, 1), bytes(600, 1)).map(([h, t, b, p]) => encodePair(h, t, b, p)),
  fc.tuple(header, bytes(600, 1)).map(([h, b]) => encodeInput(h, b)),
  fc
    .tuple(header, fc.array(fc.record({ id: u32, bytes: bytes(30, 1) }), { minLength: 1, maxLength: 32 }))
    .map(([h, m]) => encodeReliable(h, m)),
  header.map(encodeKeepalive),
  header.map(encodeDisconnect),
);

describe('udp wire format', () => {
  it('round trip: every encoded datagram decodes to the same fields', () => {
    fc.assert(
      fc.property(header, u32, bytes(MAX_FRAGMENT_PAYLOAD, 1), (h, tick, payload) => {
        const r = decodeUdp(encodeFragment(h, tick, 2, 3, payload));
        expect(r.ok).toBe(true);
        if (!r.ok || r.packet.type !== UdpType.FRAGMENT) throw new Error('not a fragment');
        expect(r.packet.header).toEqual(h);
        expect([r.packet.tick, r.packet.index, r.packet.count]).toEqual([tick, 2, 3]);
        expect(Buffer.from(r.packet.bytes)).toEqual(payload);
      }),
    );
    fc.assert(
      fc.property(header, fc.array(fc.record({ id: u32, bytes: bytes(40, 1) }), { minLength: 1, maxLength: 32 }), (h, msgs) => {
        const r = decodeUdp(encodeReliable(h, msgs));
        if (!r.ok || r.packet.type !== UdpType.RELIABLE) throw new Error(`not reliable: ${JSON.stringify(r)}`);
        expect(r.packet.messages.map((m) => ({ id: m.id, bytes: Buffer.from(m.bytes) }))).toEqual(msgs);
      }),
    );
    fc.assert(
      fc.property(exact(8), u32, exact(16), bytes(MAX_JOIN_BYTES, 1), (n, t, c, j) => {
        const r = decodeUdp(encodeResponse(n, t, c, j));
        if (!r.ok || r.packet.type !== UdpType.RESPONSE) throw new Error('not a response');
        expect([r.packet.nonce, r.packet.time, r.packet.cookie, Buffer.from(r.packet.join)]).toEqual([n, t, c, j]);
      }),
    );
    fc.assert(
      fc.property(header, u32, bytes(700, 1), bytes(500, 1), (h, tick, now, before) => {
        const r = decodeUdp(encodePair(h, tick, now, before));
        if (!r.ok || r.packet.type !== UdpType.PAIR) throw new Error('not a pair');
        expect([r.packet.header, r.packet.tick, Buffer.from(r.packet.bytes), Buffer.from(r.packet.previous)]).toEqual([h, tick, now, before]);
      }),
    );
    const reset = decodeUdp(encodeReset(Buffer.alloc(8, 3)));
    expect(reset.ok && reset.packet.type === UdpType.RESET && Buffer.from(reset.packet.key)).toEqual(Buffer.alloc(8, 3));
    expect(decodeUdp(encodeReset(Buffer.alloc(8)).subarray(0, 13))).toMatchObject({ ok: false, reason: UdpDrop.BAD_LENGTH });
    expect(encodeReset(Buffer.alloc(8)).length).toBeLessThan(HEADER_BYTES); // smaller than any packet that causes it
    const d = decodeUdp(encodeDenied(Buffer.alloc(8, 7), 'BAD_TOKEN'));
    expect(d.ok && d.packet.type === UdpType.DENIED && d.packet.code).toBe('BAD_TOKEN');
  });

  it('no amplification: every reply before the handshake completes is smaller than the padded request', () => {
    expect(encodeRequest(Buffer.alloc(8)).length).toBe(REQUEST_BYTES);
    expect(CHALLENGE_BYTES).toBeLessThan(REQUEST_BYTES);
    expect(ACCEPTED_BYTES).toBeLessThan(REQUEST_BYTES);
    expect(encodeDenied(Buffer.alloc(8), 'X'.repeat(64)).length).toBeLessThan(REQUEST_BYTES);
  });

  it('datagrams never exceed 1,232 bytes (IPv6 minimum MTU) and fragments carry at most 1,200 bytes', () => {
    expect(MAX_DATAGRAM).toBe(1232);
    fc.assert(
      fc.property(datagram, (d) => {
        expect(d.length).toBeLessThanOrEqual(MAX_DATAGRAM);
      }),
    );
    expect(() => encodeFragment({ key: Buffer.alloc(8), seq: 1, ack: 0, ackBits: 0 }, 1, 0, 1, Buffer.alloc(1201))).toThrow(RangeError);
  });

  it('random bytes never throw: each decodes or is dropped with a udp reason', () => {
    const reasons = new Set<string>(Object.values(UdpDrop));
    fc.assert(
      fc.property(fc.oneof(bytes(1400), fc.tuple(exact(6), bytes(1300)).map(([, b]) => Buffer.concat([Buffer.from('LPUD\x01'), b]))), (b) => {
        const r = decodeUdp(b);
        if (!r.ok) expect(reasons.has(r.reason)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('truncating or mutating a valid datagram never throws, and a cut header is dropped as too short', () => {
    fc.assert(
      fc.property(datagram, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (d, cut, at, v) => {
        const short = d.subarray(0, cut % d.length);
        const r = decodeUdp(short);
        if (short.length < 6) expect(r).toMatchObject({ ok: false, reason: UdpDrop.TOO_SHORT });
        const m = Buffer.from(d);
        m[at % m.length] = v;
        decodeUdp(m);
      }),
      { numRuns: 2000 },
    );
  });

  it('wrong magic, wrong version, oversized, unknown type: each its own drop reason', () => {
    const k = encodeKeepalive({ key: Buffer.alloc(8), seq: 1, ack: 0, ackBits: 0 });
    const magic = Buffer.from(k);
    magic[0] = 0x4d;
    const version = Buffer.from(k);
    version[4] = 2;
    const type = Buffer.from(k);
    type[5] = 99;
    expect(decodeUdp(magic)).toMatchObject({ ok: false, reason: UdpDrop.BAD_MAGIC });
    expect(decodeUdp(version)).toMatchObject({ ok: false, reason: UdpDrop.BAD_VERSION });
    expect(decodeUdp(type)).toMatchObject({ ok: false, reason: UdpDrop.BAD_TYPE });
    expect(decodeUdp(Buffer.alloc(MAX_DATAGRAM + 1))).toMatchObject({ ok: false, reason: UdpDrop.OVERSIZED });
    expect(decodeUdp(k.subarray(0, HEADER_BYTES - 1))).toMatchObject({ ok: false, reason: UdpDrop.TOO_SHORT });
  });

  it('a request that is short or not zero-padded is dropped (it must pay for its reply)', () => {
    const r = encodeRequest(Buffer.alloc(8, 1));
    expect(decodeUdp(r.subarray(0, 600))).toMatchObject({ ok: false, reason: UdpDrop.BAD_LENGTH });
    const dirty = Buffer.from(r);
    dirty[900] = 1;
    expect(decodeUdp(dirty)).toMatchObject({ ok: false, reason: UdpDrop.BAD_PADDING });
  });

  it('fragment headers out of range are dropped: count 0, count over 64, index >= count', () => {
    const f = encodeFragment({ key: Buffer.alloc(8), seq: 1, ack: 0, ackBits: 0 }, 5, 0, 2, Buffer.alloc(10));
    for (const [index, count] of [[0, 0], [0, 65], [2, 2], [255, 255]] as const) {
      const m = Buffer.from(f);
      m[HEADER_BYTES + 4] = index;
      m[HEADER_BYTES + 5] = count;
      expect(decodeUdp(m)).toMatchObject({ ok: false, reason: UdpDrop.BAD_FRAGMENT });
    }
  });

  it('a pair whose length leaves no previous snapshot, or is 0, is dropped; one over 1,200 bytes is never encoded', () => {
    const h = { key: Buffer.alloc(8), seq: 1, ack: 0, ackBits: 0 };
    const good = encodePair(h, 9, Buffer.alloc(10, 1), Buffer.alloc(5, 2));
    for (const length of [0, 15, 16, 0xffff]) {
      const m = Buffer.from(good);
      m.writeUInt16LE(length, HEADER_BYTES + 4);
      expect(decodeUdp(m)).toMatchObject({ ok: false, reason: UdpDrop.BAD_LENGTH });
    }
    expect(decodeUdp(good.subarray(0, HEADER_BYTES + 7))).toMatchObject({ ok: false, reason: UdpDrop.TOO_SHORT });
    expect(() => encodePair(h, 9, Buffer.alloc(700), Buffer.alloc(501))).toThrow(RangeError);
  });

  it('udp drop reasons are drop reasons the shared counters know', () => {
    const all = new Set<string>(Object.values(DropReason));
    for (const r of Object.values(UdpDrop)) expect(all.has(r)).toBe(true);
  });
});
