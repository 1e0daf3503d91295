// Decoding the parts of a snapshot (format 2, layout: ./fragments.ts and
// docs/snapshot-encoding.md): each part applied in order to the state the message's own sets
// (and the parts before it) left. Malformed input throws Bad, which decodeSnapshot turns into
// { ok: false }.

import type { SnapshotCodec } from './codec.js';
import { idWidth } from './columns.js';
import { Bad, decodeColumn, isBin } from './decode-parts.js';
import { PartOp } from './fragments.js';
import { readRiceIds } from './rice-ids.js';
import { growState } from './state.js';
import type { SnapshotState } from './types.js';

/** Apply the `parts` value of a message to `s`. */
export function applyParts(ctx: SnapshotCodec, parts: unknown, s: SnapshotState): void {
  if (!Array.isArray(parts)) throw new Bad('parts must be an array');
  for (let i = 0; i < parts.length; i++) applyPart(ctx, parts[i], i, s);
}

/** The ids of a part (./rice-ids.ts) into decode scratch; each in 1..capacity, ascending. */
function readIds(ctx: SnapshotCodec, v: unknown, where: string): { ids: Uint32Array; n: number } {
  if (!isBin(v)) throw new Bad(`${where}: ids must be a bin`);
  const ids = ctx.decodeArena.u32(v.length * 8);
  const n = readRiceIds(v, ctx.capacity, ids);
  if (typeof n === 'string') throw new Bad(`${where}: ${n}`);
  return { ids, n };
}

function applyPart(ctx: SnapshotCodec, p: unknown, index: number, s: SnapshotState): void {
  const where = `parts[${index}]`;
  if (!Array.isArray(p) || p.length < 3) throw new Bad(`${where} must be an array [op, ids, ...]`);
  const op = p[0] as unknown;
  const { ids, n } = readIds(ctx, p[1], where);
  const F = ctx.fields.length;
  const idW = idWidth(n);
  const top = ids[n - 1]!;
  if (op === PartOp.CHANGE) {
    if (p.length !== 4) throw new Bad(`${where}: a change part is [1, ids, mask, columns]`);
    for (let i = 0; i < n; i++) if (s.live[ids[i]!] !== 1) throw new Bad(`${where}: changed entity ${ids[i]} is not live`);
    const mb = ctx.maskBytes;
    const mask = p[2] as unknown;
    if (!isBin(mask)) throw new Bad(`${where}: mask must be a bin`);
    const stride = mask.length === mb ? 0 : mask.length === n * mb ? mb : -1;
    if (stride < 0) throw new Bad(`${where}: mask has ${mask.length} bytes, expected ${mb} or ${n * mb}`);
    const lastBits = F % 8 === 0 ? 0xff : (1 << (F % 8)) - 1;
    const union = new Uint8Array(mb);
    for (let k = 0; k < (stride ? n : 1); k++) {
      if ((mask[k * mb + mb - 1]! & ~lastBits) !== 0) throw new Bad(`${where}: mask sets a bit past the last field`);
      for (let j = 0; j < mb; j++) union[j]! |= mask[k * mb + j]!;
    }
    const cols = p[3] as unknown;
    let k = 0;
    for (let f = 0; f < F; f++) if (union[f >> 3]! & (1 << (f & 7))) k++;
    if (!Array.isArray(cols) || cols.length !== k) throw new Bad(`${where}: expected ${k} columns (the fields of the mask)`);
    const sub = ctx.decodeArena.u32(n);
    let c = 0;
    for (let f = 0; f < F; f++) {
      const byte = f >> 3;
      const bit = 1 << (f & 7);
      if (!(union[byte]! & bit)) continue;
      let m = 0;
      for (let i = 0; i < n; i++) if (mask[i * stride + byte]! & bit) sub[m++] = ids[i]!;
      decodeColumn(ctx, ctx.fields[f]!, cols[c++], sub, m, idW, s.values[f]!, true);
    }
    return;
  }
  if (op !== PartOp.ADD && op !== PartOp.SET) throw new Bad(`${where}: unknown part op ${String(op)}`);
  if (p.length !== 3) throw new Bad(`${where}: an add or set part is [op, ids, columns]`);
  const cols = p[2] as unknown;
  if (!Array.isArray(cols) || cols.length !== F) throw new Bad(`${where}: expected ${F} columns`);
  if (top > s.top) {
    growState(ctx, s, top); // rows above s.top are zero: the state does not change
    s.top = top;
  }
  for (let i = 0; i < n; i++) {
    const e = ids[i]!;
    if (s.live[e] === 1) {
      if (op === PartOp.ADD) throw new Bad(`${where}: added entity ${e} is already live`);
      continue;
    }
    s.live[e] = 1;
    s.count++;
  }
  for (let f = 0; f < F; f++) decodeColumn(ctx, ctx.fields[f]!, cols[f], ids, n, idW, s.values[f]!);
}
