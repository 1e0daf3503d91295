import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { peekType, typeIs } from '../../../src/net/udp/index.js';

const packr = new Packr({ useRecords: false });

describe('udp stream: which frames go unreliable', () => {
  // (integer-like keys would be put first by JS itself: the messages have none)
  it('peekType reads the type of any map packed with "type" first, as the host and the client library pack them', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 31 }).filter((s) => Buffer.byteLength(s) === s.length), fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== 'type' && /^[a-z_]+$/.test(k)), fc.anything(), { maxKeys: 20 }), (type, rest) => {
        expect(peekType(packr.pack({ type, ...rest }))).toBe(type);
      }),
    );
    expect(peekType(packr.pack({ type: 'snapshot', tick: 5, base: -1 }))).toBe('snapshot');
  });

  it('anything else (type not first, not a map, garbage) is null, never a throw: such frames go the safe, reliable way', () => {
    expect(peekType(packr.pack({ tick: 5, type: 'snapshot' }))).toBeNull();
    expect(peekType(packr.pack(['snapshot']))).toBeNull();
    expect(peekType(new Uint8Array(0))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const t = peekType(b);
        expect(t === null || typeof t === 'string').toBe(true);
      }),
    );
  });
});

describe('udp stream: typeIs', () => {
  it('typeIs(p, t) is peekType(p) === t, for maps with "type" first and for anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('snapshot', 'input', 'welcome', ''), fc.string({ maxLength: 31 }).filter((s) => Buffer.byteLength(s) === s.length)), fc.oneof(fc.constantFrom('snapshot', 'input'), fc.string({ maxLength: 8 })), fc.boolean(), (type, want, asMap) => {
        const p = asMap ? packr.pack({ type, tick: 1 }) : packr.pack([type]);
        expect(typeIs(p, Buffer.from(want, 'latin1'))).toBe(peekType(p) === want);
      }),
    );
    expect(typeIs(Buffer.alloc(0), Buffer.from('snapshot'))).toBe(false);
  });
});
