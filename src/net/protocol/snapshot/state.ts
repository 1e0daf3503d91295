// A client's decoded state (SnapshotState) and its memory. A state's rows are sized by need:
// a new state has a few rows, and a decode that meets a larger id grows it to the next power
// of two above that id (at most capacity + 1 rows), so a client of a host with capacity
// 100,000 that plays in a world of 50 entities holds a few KB per state, not
// capacity x fields x 8 bytes.

import type { SnapshotCodec } from './codec.js';
import type { SnapshotState } from './types.js';

/**
 * A state's rows: every field's column and the live flags in one zeroed ArrayBuffer. One
 * allocation instead of one per field matters in a browser: each ArrayBuffer is a separate
 * off-heap block that V8 zeroes, tracks and sweeps on its own, and a state allocated per
 * decode made the page's mean decode time five times its median (bench/web).
 */
function rowsOf(fields: number, rows: number): { live: Uint8Array; values: Float64Array[] } {
  const bytes = rows * 8;
  const buf = new ArrayBuffer(fields * bytes + rows);
  const values: Float64Array[] = [];
  for (let f = 0; f < fields; f++) values.push(new Float64Array(buf, f * bytes, rows));
  return { live: new Uint8Array(buf, fields * bytes, rows), values };
}

/** An empty state of the codec's fields, with a few rows (ids 0..63); it grows by need. */
export function newSnapshotState(ctx: SnapshotCodec): SnapshotState {
  return stateFor(ctx, 0);
}

/** An empty state with room for ids 0..top (rows: ctx.scratchRows(top)). */
export function stateFor(ctx: SnapshotCodec, top: number): SnapshotState {
  const { live, values } = rowsOf(ctx.fields.length, ctx.scratchRows(top));
  return { tick: -1, top: 0, count: 0, live, values, globals: new Float64Array(ctx.globalNames.length) };
}

/**
 * Make room for ids 0..top (top <= capacity): when the state's arrays are too short, replace
 * them by zeroed arrays of the next power of two above `top` rows (at most capacity + 1)
 * holding the old rows 0..state.top. Rows above state.top are zero by the invariant, so the
 * state's contents do not change and the invariant keeps holding.
 */
export function growState(ctx: SnapshotCodec, s: SnapshotState, top: number): void {
  if (s.live.length > top) return;
  const rows = ctx.scratchRows(top);
  const keep = Math.min(s.top + 1, s.live.length);
  const { live, values } = rowsOf(s.values.length, rows);
  live.set(s.live.subarray(0, keep));
  // `live` is readonly to readers; the decoder is the one place that replaces it
  (s as { live: Uint8Array }).live = live;
  for (let f = 0; f < s.values.length; f++) {
    values[f]!.set(s.values[f]!.subarray(0, keep));
    s.values[f] = values[f]!;
  }
}

/**
 * A state this codec can decode into or against: one array per field, every array the same
 * length (at least one row, at most capacity + 1 rows).
 */
export function fitsCodec(ctx: SnapshotCodec, s: SnapshotState): boolean {
  const rows = s.live?.length;
  if (typeof rows !== 'number' || rows < 1 || rows > ctx.capacity + 1) return false;
  if (!Array.isArray(s.values) || s.values.length !== ctx.fields.length) return false;
  for (const v of s.values) if (!(v instanceof Float64Array) || v.length !== rows) return false;
  return true;
}

/** Empty every row (rows above top already are). */
export function clearState(s: SnapshotState): void {
  const n = Math.min(s.top + 1, s.live.length);
  s.live.fill(0, 0, n);
  for (const v of s.values) v.fill(0, 0, n);
  s.count = 0;
  s.top = 0;
}

/** Live ids of a decoded state, ascending. */
export function liveIds(state: SnapshotState): number[] {
  const out: number[] = [];
  for (let e = 1; e <= state.top; e++) if (state.live[e] === 1) out.push(e);
  return out;
}

/** The decoded column of a field by key ("Position.x"), indexed by eid. */
export function stateField(ctx: SnapshotCodec, state: SnapshotState, key: string): Float64Array | undefined {
  const i = ctx.fields.findIndex((f) => f.key === key);
  return i < 0 ? undefined : state.values[i];
}
