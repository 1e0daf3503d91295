// Framing of both wire modes (src/net/protocol/{frame-decoder,json-frame,msgpack-frame}.ts):
// property tests over random message sequences split and coalesced anyhow, header edge
// cases, limits checked on the header alone, and round trips through a real loopback socket.

import { createServer, connect, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/net/errors.js';
import type { FrameDecoder } from '../../src/net/protocol/frame-decoder.js';
import {
  DEFAULT_MAX_FRAME,
  JSON_HEADER_BYTES,
  encodeJsonFrame,
  encodeJsonMessage,
  jsonFrameDecoder,
  parseJsonHeader,
} from '../../src/net/protocol/json-frame.js';
import { encodeMsgpackFrame, msgpackFrameDecoder, preamble } from '../../src/net/protocol/msgpack-frame.js';
import { LOOPBACK, header, u32le, waitUntil } from '../helpers/net.js';

type Mode = 'json' | 'msgpack';
const MODES: Mode[] = ['json', 'msgpack'];

const encode = (mode: Mode, payload: Buffer): Buffer => (mode === 'json' ? encodeJsonFrame(payload) : encodeMsgpackFrame(payload));
const decoderFor = (mode: Mode, maxFrame = DEFAULT_MAX_FRAME): FrameDecoder =>
  mode === 'json' ? jsonFrameDecoder(maxFrame) : msgpackFrameDecoder(maxFrame);

/** Split `bytes` at the given cut points (any numbers; reduced modulo the length). */
function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

function feed(d: FrameDecoder, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) out.push(...d.push(c));
  return out;
}

/** Payloads as bytes, with empty ones and the odd large one. */
const payloadArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 5000 }) },
).map((u) => Buffer.from(u));
const payloadsArb = fc.array(payloadArb, { maxLength: 25 });
const cutsArb = fc.array(fc.nat(), { maxLength: 60 });

const sameBuffers = (got: Buffer[], want: Buffer[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g.equals(want[i]!), `payload ${i}`).toBe(true));
};

describe('framing: properties (both modes)', () => {
  for (const mode of MODES) {
    it(`${mode}: any message sequence, concatenated and split at random points, decodes to exactly the original payloads`, () => {
      fc.assert(
        fc.property(payloadsArb, cutsArb, (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encode(mode, p)));
          const d = decoderFor(mode);
          sameBuffers(feed(d, splitAt(stream, cuts)), payloads);
          expect(d.failed).toBeNull();
          expect(d.midFrame).toBe(false);
        }),
        { numRuns: 300 },
      );
    });

    it(`${mode}: pushTransient (bytes valid only during the call, as from a reused read buffer) decodes the same payloads, split anyhow`, () => {
      fc.assert(
        fc.property(payloadsArb, cutsArb, fc.nat({ max: 100 }), (payloads, cuts, at) => {
          const stream = Buffer.concat(payloads.map((p) => encode(mode, p)));
          const d = decoderFor(mode);
          const scratch = Buffer.alloc(stream.length + at + 1);
          const got: Buffer[] = [];
          for (const piece of splitAt(stream, cuts)) {
            piece.copy(scratch, at);
            d.pushTransient(scratch, at, at + piece.length, (f) => (got.push(Buffer.from(f)), true));
            // the next read overwrites the buffer: nothing the decoder kept may point into it
            scratch.fill(0xee);
          }
          sameBuffers(got, payloads);
          expect(d.failed).toBeNull();
          expect(d.midFrame).toBe(false);
        }),
        { numRuns: 300 },
      );
    });

    it(`${mode}: pushTransient stops when the handler says so, and fails on a refused header like push`, () => {
      const frames = Buffer.concat([encode(mode, Buffer.from('a')), encode(mode, Buffer.from('b')), encode(mode, Buffer.from('c'))]);
      const d = decoderFor(mode);
      const got: string[] = [];
      d.pushTransient(frames, 0, frames.length, (f) => (got.push(f.toString()), got.length < 2));
      expect(got).toEqual(['a', 'b']);
      const bad = decoderFor(mode, 10);
      const big = encode(mode, Buffer.alloc(11));
      bad.pushTransient(big, 0, big.length, () => true);
      expect(bad.failed?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    });

    it(`${mode}: fed one byte at a time, or all coalesced in one chunk, the payloads are the same`, () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)), { maxLength: 8 }), (payloads) => {
          const stream = Buffer.concat(payloads.map((p) => encode(mode, p)));
          const bytewise = feed(
            decoderFor(mode),
            [...stream].map((b) => Buffer.from([b])),
          );
          sameBuffers(bytewise, payloads);
          sameBuffers(decoderFor(mode).push(stream), payloads);
        }),
        { numRuns: 100 },
      );
    });

    it(`${mode}: a stream cut short leaves the decoder mid-frame, with every whole frame before the cut delivered`, () => {
      fc.assert(
        fc.property(fc.array(payloadArb, { minLength: 1, maxLength: 10 }), fc.nat(), (payloads, cutSeed) => {
          const frames = payloads.map((p) => encode(mode, p));
          const stream = Buffer.concat(frames);
          const cut = cutSeed % stream.length;
          const d = decoderFor(mode);
          const got = d.push(stream.subarray(0, cut));
          // the frames wholly before the cut
          let end = 0;
          let whole = 0;
          while (whole < frames.length && end + frames[whole]!.length <= cut) end += frames[whole++]!.length;
          sameBuffers(got, payloads.slice(0, whole));
          expect(d.midFrame).toBe(cut > end);
          expect(d.failed).toBeNull();
        }),
        { numRuns: 200 },
      );
    });
  }

  it('json: text messages round-trip through encodeJsonMessage and the decoder, split anyhow', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 15 }), cutsArb, (values, cuts) => {
        const stream = Buffer.concat(values.map((v) => encodeJsonMessage(v)));
        const got = feed(jsonFrameDecoder(), splitAt(stream, cuts)).map((p) => JSON.parse(p.toString('utf8')));
        expect(got).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
      }),
      { numRuns: 200 },
    );
  });

  it('msgpack: maps round-trip through pack, encodeMsgpackFrame and the decoder, split anyhow', () => {
    const packr = new Packr({ useRecords: false });
    const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
    const value = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true }).filter((x) => !Object.is(x, -0)),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 6 }),
      fc.uint8Array({ maxLength: 30 }).map((u) => Buffer.from(u)), // bin comes back as a Buffer
    );
    const message = fc.record({
      type: fc.constantFrom('join', 'input', 'ack', 'ping', 'leave', 'snapshot'),
      body: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__'), value, { maxKeys: 6 }),
    });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 15 }), cutsArb, (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => encodeMsgpackFrame(packr.pack(m))));
        const got = feed(msgpackFrameDecoder(), splitAt(stream, cuts)).map((p) => unpackr.unpack(p));
        expect(got).toEqual(messages);
      }),
      { numRuns: 200 },
    );
  });
});

describe('framing: JSON-mode headers', () => {
  /** The header rules of json-frame.ts, written out: digits, then only spaces. */
  function model(h: string, max: number): number | string {
    if (h[0] === '-') return ErrorCode.BAD_LENGTH;
    const digits = /^\d*/.exec(h)![0];
    // the length is checked digit by digit, so an over-long run is refused as too large
    // before the rest of the header is looked at
    let len = 0;
    for (const ch of digits) {
      len = len * 10 + Number(ch);
      if (len > max) return ErrorCode.FRAME_TOO_LARGE;
    }
    if (digits.length === 0) return ErrorCode.BAD_HEADER;
    if (!/^ *$/.test(h.slice(digits.length))) return ErrorCode.BAD_HEADER;
    return len;
  }

  it('any 64-byte header parses as the rules say: a length, BAD_HEADER, BAD_LENGTH or FRAME_TOO_LARGE', () => {
    const ch = fc.constantFrom(...'0123456789', ' ', ' ', ' ', ' ', '-', '+', 'a', 'x', '\t', '\0', '.', 'e', '\n');
    const headerArb = fc.oneof(
      fc.array(ch, { minLength: 64, maxLength: 64 }).map((a) => a.join('')),
      // mostly well formed: digits then spaces, with a stray character sometimes
      fc
        .tuple(fc.stringMatching(/^\d{1,8}$/), fc.nat(63), fc.option(ch, { nil: undefined }))
        .map(([d, at, stray]) => {
          const h = (d + ' '.repeat(64)).slice(0, 64).split('');
          if (stray !== undefined) h[at] = stray;
          return h.join('');
        }),
    );
    fc.assert(
      fc.property(headerArb, fc.constantFrom(0, 1, 100, DEFAULT_MAX_FRAME), (h, max) => {
        const r = parseJsonHeader(Buffer.from(h, 'latin1'), max);
        const want = model(h, max);
        if (typeof want === 'number') expect(r).toBe(want);
        else expect(r).toMatchObject({ code: want });
      }),
      { numRuns: 2000 },
    );
  });

  it('edge cases', () => {
    const p = (text: string, max = DEFAULT_MAX_FRAME) => parseJsonHeader(header(text), max);
    expect(p('0')).toBe(0);
    expect(p('27')).toBe(27);
    expect(p('0000000000000027')).toBe(27); // leading zeros are digits
    expect(p(String(DEFAULT_MAX_FRAME))).toBe(DEFAULT_MAX_FRAME);
    expect(p(String(DEFAULT_MAX_FRAME + 1))).toMatchObject({ code: ErrorCode.FRAME_TOO_LARGE });
    expect(p('9'.repeat(64))).toMatchObject({ code: ErrorCode.FRAME_TOO_LARGE });
    expect(p('-5')).toMatchObject({ code: ErrorCode.BAD_LENGTH });
    expect(p('-0')).toMatchObject({ code: ErrorCode.BAD_LENGTH });
    expect(p('')).toMatchObject({ code: ErrorCode.BAD_HEADER }); // all spaces
    expect(p(' 27')).toMatchObject({ code: ErrorCode.BAD_HEADER }); // must start with a digit
    expect(p('27x')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    expect(p('2 7')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    expect(p('+5')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    expect(p('5-')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    expect(p('1e3')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    expect(p('0x10')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    expect(p('12\t')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    expect(p('abc')).toMatchObject({ code: ErrorCode.BAD_HEADER });
    const nul = Buffer.alloc(JSON_HEADER_BYTES, 0); // NUL padding is not space padding
    nul.write('5', 0, 'ascii');
    expect(parseJsonHeader(nul, DEFAULT_MAX_FRAME)).toMatchObject({ code: ErrorCode.BAD_HEADER });
  });

  it('a refused header fails the decoder at once; nothing more is decoded after', () => {
    for (const [text, code] of [
      ['12ab', ErrorCode.BAD_HEADER],
      ['-5', ErrorCode.BAD_LENGTH],
      ['65537', ErrorCode.FRAME_TOO_LARGE],
    ] as const) {
      const d = jsonFrameDecoder();
      // a good frame first: delivered; then the bad header
      const out = d.push(Buffer.concat([encodeJsonFrame('{}'), header(text)]));
      expect(out.map((b) => b.toString())).toEqual(['{}']);
      expect(d.failed?.code).toBe(code);
      expect(d.push(encodeJsonFrame('{"more":1}'))).toEqual([]);
    }
  });
});

describe('framing: limits are checked on the header, before any payload', () => {
  it('json: a length over the limit fails as soon as the header is in, with no payload sent', () => {
    const d = jsonFrameDecoder(1000);
    expect(d.push(header('1000').subarray(0, 30))).toEqual([]);
    expect(d.failed).toBeNull();
    const ok = jsonFrameDecoder(1000);
    ok.push(header('1000'));
    expect(ok.failed).toBeNull(); // exactly the limit is allowed
    expect(ok.midFrame).toBe(true);

    const over = jsonFrameDecoder(1000);
    expect(over.push(header('1001'))).toEqual([]);
    expect(over.failed?.code).toBe(ErrorCode.FRAME_TOO_LARGE);

    const dflt = jsonFrameDecoder();
    dflt.push(header(String(64 * 1024 + 1)));
    expect(dflt.failed?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('msgpack: a length over the limit fails as soon as the 4 length bytes are in', () => {
    const d = msgpackFrameDecoder();
    d.push(u32le(DEFAULT_MAX_FRAME));
    expect(d.failed).toBeNull();
    const over = msgpackFrameDecoder();
    expect(over.push(u32le(DEFAULT_MAX_FRAME + 1))).toEqual([]);
    expect(over.failed?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('msgpack: a header claiming 0xFFFFFFFF bytes fails immediately, split or not', () => {
    const whole = msgpackFrameDecoder();
    expect(whole.push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toEqual([]);
    expect(whole.failed?.code).toBe(ErrorCode.FRAME_TOO_LARGE);

    const split = msgpackFrameDecoder();
    for (const b of [0xff, 0xff, 0xff]) split.push(Buffer.from([b]));
    expect(split.failed).toBeNull();
    split.push(Buffer.from([0xff, 1, 2, 3]));
    expect(split.failed?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('a huge claimed length is never allocated: only bytes that arrived are buffered', () => {
    // no limit at all, so the decoder really waits for a 4 GiB payload
    const d = msgpackFrameDecoder(0xffff_ffff);
    const before = process.memoryUsage().arrayBuffers;
    d.push(Buffer.concat([u32le(0xffff_fff0), Buffer.alloc(1000, 7)]));
    for (let i = 0; i < 100; i++) d.push(Buffer.alloc(1000, i));
    expect(d.failed).toBeNull();
    expect(d.midFrame).toBe(true);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);

    const j = jsonFrameDecoder(Number.MAX_SAFE_INTEGER);
    const beforeJ = process.memoryUsage().arrayBuffers;
    j.push(Buffer.concat([header('999999999999'), Buffer.alloc(500)]));
    expect(j.failed).toBeNull();
    expect(process.memoryUsage().arrayBuffers - beforeJ).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('framing: zero-length frames', () => {
  for (const mode of MODES) {
    it(`${mode}: an empty payload is a frame of its own, alone, in a row, or between others`, () => {
      const empty = Buffer.alloc(0);
      const frame = encode(mode, empty);
      expect(frame.length).toBe(mode === 'json' ? 64 : 4);
      const d = decoderFor(mode);
      expect(d.push(frame)).toEqual([empty]);
      expect(d.midFrame).toBe(false);
      const a = Buffer.from('a');
      const out = decoderFor(mode).push(Buffer.concat([frame, frame, encode(mode, a), frame]));
      expect(out.map((b) => b.toString())).toEqual(['', '', 'a', '']);
    });
  }

  it('msgpack: zero bytes of payload after the host preamble parse as an empty frame', () => {
    expect(preamble()).toEqual(Buffer.from('LPMP\x01', 'latin1'));
    expect(msgpackFrameDecoder().push(u32le(0))).toEqual([Buffer.alloc(0)]);
  });
});

// ---- over a real loopback socket ----------------------------------------------------------

let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A loopback server that decodes everything each connection sends in `mode`. */
async function decodingServer(mode: Mode): Promise<{ port: number; received: Map<Socket, Buffer[]>; accepted: Socket[] }> {
  const received = new Map<Socket, Buffer[]>();
  const accepted: Socket[] = [];
  server = createServer((s) => {
    sockets.push(s);
    accepted.push(s);
    const d = decoderFor(mode);
    const got: Buffer[] = [];
    received.set(s, got);
    s.on('data', (c: Buffer) => got.push(...d.push(c)));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server!.listen(0, LOOPBACK, () => r()));
  return { port: (server.address() as { port: number }).port, received, accepted };
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ host: LOOPBACK, port, noDelay: true });
  sockets.push(s);
  s.on('error', () => {});
  await new Promise<void>((r) => s.once('connect', () => r()));
  return s;
}

describe('framing: write-then-read round trips over a loopback socket', () => {
  for (const mode of MODES) {
    it(`${mode}: frames written in random pieces arrive as exactly the payloads written`, async () => {
      const { port, received } = await decodingServer(mode);
      await fc.assert(
        fc.asyncProperty(payloadsArb, cutsArb, async (payloads, cuts) => {
          const s = await dial(port);
          const stream = Buffer.concat(payloads.map((p) => encode(mode, p)));
          for (const piece of splitAt(stream, cuts)) s.write(piece);
          const got = await waitUntil(
            () => {
              const r = [...received.entries()].find(([peer]) => peer.remotePort === s.localPort)?.[1];
              return r !== undefined && r.length >= payloads.length ? r : null;
            },
            3000,
            `${payloads.length} payloads`,
          );
          sameBuffers(got, payloads);
          s.destroy();
        }),
        { numRuns: 25 },
      );
    });

    it(`${mode}: frames the other way (server writes, client decodes) round-trip too`, async () => {
      const { port, accepted } = await decodingServer(mode);
      await fc.assert(
        fc.asyncProperty(payloadsArb, async (payloads) => {
          const c = await dial(port);
          const peer = await waitUntil(() => accepted.find((a) => a.remotePort === c.localPort), 2000, 'accept');
          const d = decoderFor(mode);
          const got: Buffer[] = [];
          c.on('data', (chunk: Buffer) => got.push(...d.push(chunk)));
          for (const p of payloads) peer.write(encode(mode, p));
          await waitUntil(() => got.length >= payloads.length, 3000, `${payloads.length} payloads`);
          sameBuffers(got, payloads);
          c.destroy();
        }),
        { numRuns: 25 },
      );
    });
  }
});
