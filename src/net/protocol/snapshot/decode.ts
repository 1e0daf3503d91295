// Decoding (the reference decoder): a snapshot message into a client state, full or delta
// against a state the client decoded before, then its shared parts if it has any
// (./decode-fragments.ts). Never throws on input (layout: see the comment at the top of
// ./index.ts).
//
// Memory: the decoded state grows by need (see ./state.ts); the scratch (id arrays, the
// decode arena) lives in the codec, is sized by need too, and is reset by every decode, so
// one codec may decode for many clients of one thread (decoding is synchronous and nothing a
// decode returns points into the scratch).

import { ErrorCode } from '../../errors.js';
import type { SnapshotCodec } from './codec.js';
import { idWidth } from './columns.js';
import { applyParts } from './decode-fragments.js';
import { Bad, columnsOf, decodeColumn, isBin, isInt, readGlobals, readIdSet, type DecodePrediction } from './decode-parts.js';
import { clearState, fitsCodec, growState, stateFor } from './state.js';
import type { DecodeResult, SnapshotState } from './types.js';

/** The message's top when it has a valid one, else 0 (to size a new state). */
function topHint(ctx: SnapshotCodec, msg: unknown): number {
  const top = typeof msg === 'object' && msg !== null ? (msg as { top?: unknown }).top : undefined;
  return isInt(top, 0, ctx.capacity) ? top : 0;
}

/**
 * Decode a snapshot message (already unpacked) against the client's state of its base tick
 * (null / ignored for a full snapshot). Never throws: malformed input gives { ok: false }.
 * `out` (optional, never the base) is reused for the result; after an error its contents
 * are unspecified (but it stays reusable).
 */
export function decodeSnapshot(ctx: SnapshotCodec, msg: unknown, base: SnapshotState | null, out?: SnapshotState, base2: SnapshotState | null = null): DecodeResult {
  const fail = (reason: string, baseMissing = false): DecodeResult => ({ ok: false, code: ErrorCode.BAD_SNAPSHOT, reason, baseMissing });
  if (out !== undefined && (out === base || out === base2)) return fail('the output state is a base state');
  if (out !== undefined && !fitsCodec(ctx, out)) return fail('the output state belongs to another codec');
  let state = out;
  try {
    state ??= stateFor(ctx, topHint(ctx, msg));
    ctx.decodeArena.reset(); // grows by need: it holds per-entity temporaries, not per-row ones
    const full = decodeInto(ctx, msg, base, state, base2);
    return { ok: true, state, full };
  } catch (e) {
    if (state !== undefined) {
      // unknown contents: make the next decode into it clear every row it has
      state.top = state.live.length - 1;
      state.tick = -1;
    }
    const bad = e instanceof Bad ? e : new Bad(`internal decoder error: ${e instanceof Error ? e.message : String(e)}`);
    return fail(bad.reason, bad.baseMissing);
  }
}

/** unpack + decodeSnapshot; bytes that are not msgpack also give { ok: false }. */
export function decodeSnapshotBytes(ctx: SnapshotCodec, bytes: Uint8Array, base: SnapshotState | null, out?: SnapshotState, base2: SnapshotState | null = null): DecodeResult {
  let msg: unknown;
  try {
    msg = ctx.unpackr.unpack(bytes);
  } catch (e) {
    return { ok: false, code: ErrorCode.BAD_SNAPSHOT, reason: `not msgpack: ${e instanceof Error ? e.message : String(e)}`, baseMissing: false };
  }
  return decodeSnapshot(ctx, msg, base, out, base2);
}

function decodeInto(ctx: SnapshotCodec, msg: unknown, base: SnapshotState | null, s: SnapshotState, base2: SnapshotState | null): boolean {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || isBin(msg)) throw new Bad('a snapshot must be a map');
  const m = msg as Record<string, unknown>;
  if (m.type !== 'snapshot') throw new Bad('type is not "snapshot"');
  if (!isInt(m.tick, 0, Number.MAX_SAFE_INTEGER)) throw new Bad('tick must be a non-negative integer');
  if (!isInt(m.base, -1, Number.MAX_SAFE_INTEGER)) throw new Bad('base must be an integer >= -1');
  const F = ctx.fields.length;
  if (m.base === -1) {
    if (!isInt(m.top, 0, ctx.capacity)) throw new Bad(`top must be an integer in 0..${ctx.capacity}`);
    const top = m.top;
    const ids = ctx.ids(top)[0]!;
    const n = readIdSet(ctx, m, 'ids', 'bits', top, ids, true);
    const cols = columnsOf(m.cols, 'cols', F);
    clearState(s);
    growState(ctx, s, top);
    s.tick = m.tick;
    s.top = top;
    s.count = n;
    for (let i = 0; i < n; i++) s.live[ids[i]!] = 1;
    for (let f = 0; f < F; f++) decodeColumn(ctx, ctx.fields[f]!, cols[f], ids, n, idWidth(top), s.values[f]!);
    readGlobals(ctx, m.g, s, true);
    if (m.parts !== undefined) applyParts(ctx, m.parts, s);
    return true;
  }

  if (base === null || base.tick !== m.base) throw new Bad(`delta against tick ${m.base}, which is not the given base`, true);
  if (!fitsCodec(ctx, base) || base.top >= base.live.length) throw new Bad('the base state belongs to another codec');
  if (m.base2 !== undefined && !isInt(m.base2, 0, m.base - 1)) throw new Bad('base2 must be an integer in 0..base-1');
  const base2Tick = m.base2 === undefined ? -1 : m.base2;
  if (base2 !== null && base2.tick === base2Tick && (!fitsCodec(ctx, base2) || base2.top >= base2.live.length)) throw new Bad('the base2 state belongs to another codec');
  const pred: DecodePrediction = { base, base2, base2Tick, num: m.tick - m.base, den: m.base - base2Tick };
  let top = 0;
  const anyIds = ['rm', 'rmBits', 'ch', 'chBits', 'add', 'addBits'].some((k) => m[k] !== undefined);
  if (anyIds || m.top !== undefined) {
    if (!isInt(m.top, anyIds ? 1 : 0, ctx.capacity)) throw new Bad(`top must be an integer in 1..${ctx.capacity}`);
    top = m.top;
  }
  const idW = idWidth(top);
  const [rm, add, ch, sub] = ctx.ids(top) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  const nRm = readIdSet(ctx, m, 'rm', 'rmBits', top, rm, false);
  const nCh = readIdSet(ctx, m, 'ch', 'chBits', top, ch, false);
  const nAdd = readIdSet(ctx, m, 'add', 'addBits', top, add, false);
  const addCols = nAdd > 0 ? columnsOf(m.addCols, 'addCols', F) : m.addCols === undefined ? null : columnsOf(m.addCols, 'addCols', F);
  const vals = nCh > 0 ? columnsOf(m.vals, 'vals', F) : m.vals === undefined ? null : columnsOf(m.vals, 'vals', F);
  const mb = ctx.maskBytes;
  let masks: Uint8Array | null = null;
  let maskStride = 0;
  if (nCh > 0) {
    if (!isBin(m.mask)) throw new Bad('mask must be a bin when ch is present');
    if (m.mask.length === mb) maskStride = 0;
    else if (m.mask.length === nCh * mb) maskStride = mb;
    else throw new Bad(`mask has ${m.mask.length} bytes, expected ${mb} or ${nCh * mb}`);
    masks = m.mask;
    const lastBits = F % 8 === 0 ? 0xff : (1 << (F % 8)) - 1;
    for (let k = 0; k < (maskStride ? nCh : 1); k++) {
      if ((masks[k * mb + mb - 1]! & ~lastBits) !== 0) throw new Bad('mask sets a bit past the last field');
    }
  }

  // copy the base
  const bt = base.top;
  growState(ctx, s, Math.max(bt, top));
  if (s.top > bt) {
    s.live.fill(0, bt + 1, s.top + 1);
    for (const v of s.values) v.fill(0, bt + 1, s.top + 1);
  }
  s.live.set(base.live.subarray(0, bt + 1));
  for (let f = 0; f < F; f++) s.values[f]!.set(base.values[f]!.subarray(0, bt + 1));
  s.globals.set(base.globals);
  s.top = Math.max(bt, top);
  s.count = base.count;
  s.tick = m.tick;

  for (let i = 0; i < nRm; i++) {
    const e = rm[i]!;
    if (s.live[e] !== 1) throw new Bad(`removed entity ${e} is not in the base`);
    s.live[e] = 0;
    for (let f = 0; f < F; f++) s.values[f]![e] = 0;
    s.count--;
  }
  if (nCh > 0) {
    for (let i = 0; i < nCh; i++) if (s.live[ch[i]!] !== 1) throw new Bad(`changed entity ${ch[i]} is not in the base`);
    for (let f = 0; f < F; f++) {
      const byte = f >> 3;
      const bit = 1 << (f & 7);
      let k = 0;
      for (let i = 0; i < nCh; i++) if (masks![i * maskStride + byte]! & bit) sub[k++] = ch[i]!;
      decodeColumn(ctx, ctx.fields[f]!, vals![f], sub, k, idW, s.values[f]!, true, pred);
    }
  }
  for (let i = 0; i < nAdd; i++) {
    const e = add[i]!;
    if (s.live[e] === 1) throw new Bad(`added entity ${e} is already live`);
    s.live[e] = 1;
    s.count++;
  }
  if (nAdd > 0) for (let f = 0; f < F; f++) decodeColumn(ctx, ctx.fields[f]!, addCols![f], add, nAdd, idW, s.values[f]!);
  if (m.parts !== undefined) applyParts(ctx, m.parts, s);
  readGlobals(ctx, m.g, s, false);
  return false;
}
