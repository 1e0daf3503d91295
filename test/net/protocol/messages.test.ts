import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/net/errors.js';
import { isSendHz, SEND_RATES, validateClientMessage } from '../../../src/net/protocol/messages.js';
import { DropReason } from '../../../src/net/server/drops.js';

describe('protocol tables', () => {
  it('send rates: join.rate accepts exactly the rates isSendHz accepts (the CLI and the host share the guard)', () => {
    expect([...SEND_RATES]).toEqual([60, 30, 20]);
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(60, 30, 20, '60', 0, -60), fc.integer(), fc.double()), (rate) => {
        const r = validateClientMessage({ type: 'join', protocol: 1, rate });
        expect(r.ok).toBe(isSendHz(rate));
        expect(isSendHz(rate)).toBe(rate === 60 || rate === 30 || rate === 20);
      }),
    );
  });

  it('drop reasons: every reason is distinct, named area.snake_case, and none is also an error code', () => {
    const reasons = Object.values(DropReason);
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const r of reasons) expect(r).toMatch(/^[a-z]+\.[a-z_]+$/);
    const codes = new Set<string>(Object.values(ErrorCode));
    expect(reasons.filter((r) => codes.has(r))).toEqual([]);
  });

  it('ack: prev is an optional older tick, below tick, never with tick -1', () => {
    expect(validateClientMessage({ type: 'ack', tick: 9, prev: 6 })).toEqual({ ok: true, msg: { type: 'ack', tick: 9, prev: 6 } });
    expect(validateClientMessage({ type: 'ack', tick: 9 })).toEqual({ ok: true, msg: { type: 'ack', tick: 9 } });
    for (const prev of [9, 12, -1, 1.5, '6', null]) expect(validateClientMessage({ type: 'ack', tick: 9, prev }).ok, String(prev)).toBe(false);
    expect(validateClientMessage({ type: 'ack', tick: -1, prev: 0 }).ok).toBe(false);
  });
});
