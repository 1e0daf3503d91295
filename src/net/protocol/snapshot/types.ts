// Snapshot message, state and descriptor types. The wire layout: see the comment at the top
// of ./index.ts.

import type { StateBlock } from '../../../engine/layout.js';
import type { FieldType } from '../../../engine/schema.js';
import type { ErrorCode } from '../../errors.js';

/**
 * A column: constant, raw, sparse [positions, values], difference [i8 x n] / [i8 x n,
 * positions, whole values] or predicted [k, residuals] / [k, residuals, positions, whole
 * values] (changed values only).
 */
export type Column =
  | number
  | Uint8Array
  | [Uint8Array, Uint8Array]
  | [Uint8Array]
  | [Uint8Array, Uint8Array, Uint8Array]
  | [number, Uint8Array]
  | [number, Uint8Array, Uint8Array, Uint8Array];

export interface SnapshotMessage {
  type: 'snapshot';
  tick: number;
  /** -1: full snapshot; else the tick of the base this delta applies to. */
  base: number;
  /** An older tick the client acked: predicted columns extrapolate from it and base. */
  base2?: number;
  top?: number;
  ids?: Uint8Array;
  bits?: Uint8Array;
  cols?: Column[];
  rm?: Uint8Array;
  rmBits?: Uint8Array;
  ch?: Uint8Array;
  chBits?: Uint8Array;
  mask?: Uint8Array;
  vals?: Column[];
  add?: Uint8Array;
  addBits?: Uint8Array;
  addCols?: Column[];
  g?: number[];
}

/** Full snapshot for JSON-mode clients: dequantized values, columns by field key. */
export interface JsonSnapshot {
  type: 'snapshot';
  tick: number;
  base: -1;
  /** Live (visible) entity ids, ascending; every field array is in this order. */
  ids: number[];
  fields: Record<string, number[]>;
  globals: Record<string, number>;
}

/** What the host sends in its welcome so that any client can decode snapshots generically. */
export interface SchemaDescriptor {
  /** Snapshot format version. */
  snapshot: number;
  /** Networked fields, in column order. */
  fields: { key: string; wire: FieldType; quant?: { min: number; max: number; step: number; levels: number } }[];
  /** Networked globals, in `g` order. */
  globals: string[];
  /** Archetype names: Entity.archetype = index + 1. */
  archetypes: string[];
  /**
   * Per archetype (in `archetypes` order): the indexes into `fields` of the fields its
   * entities have, ascending (the Entity fields first). Every entity carries every column;
   * a field its archetype lacks holds wire value 0 (a quantized one decodes as its `min`).
   */
  archetypeFields: number[][];
}

/**
 * Snapshot format version, sent in the schema descriptor. 2: messages may carry `parts`
 * (shared pre-encoded fragments, ./fragments.ts); a decoder of format 1 would ignore them and
 * get a wrong state, so it must refuse a host of a newer format.
 */
export const SNAPSHOT_FORMAT = 2;

/** A host state to encode: a state block (a ring slot) and its row bound. */
export interface SnapshotSource {
  readonly block: StateBlock;
  readonly maxEid: number;
}

/**
 * Which entities a client may see: a byte per eid (non-zero: visible; ids past the end are
 * not visible) or a predicate. Absent: everything is visible.
 */
export type Visibility = Uint8Array | ((eid: number) => boolean);

/**
 * A client's decoded state of one tick. Rows are eids; a row is live iff live[eid] === 1.
 * Invariant: rows that are not live, and every row above `top`, hold zeros.
 *
 * Memory is sized by need, not by the codec's capacity: `live` and every `values` array have
 * the same length, always more than `top` (so `live[eid]` and `values[f][eid]` are valid for
 * eid <= top), start small and are replaced by larger zeroed copies (next power of two, at
 * most capacity + 1 rows) when a decode needs a larger id. Read them through the state after
 * a decode; do not keep the arrays themselves across decodes.
 */
export interface SnapshotState {
  tick: number;
  /** No live entity has a larger id. */
  top: number;
  /** Number of live entities. */
  count: number;
  /** 1 for live rows, 0 otherwise; length > top (see above). */
  readonly live: Uint8Array;
  /** Decoded (dequantized) values per networked field, in descriptor order, indexed by eid. */
  readonly values: Float64Array[];
  /** Networked globals, in descriptor order. */
  readonly globals: Float64Array;
}

export type DecodeResult =
  | { ok: true; state: SnapshotState; full: boolean }
  | { ok: false; code: typeof ErrorCode.BAD_SNAPSHOT; reason: string; /** the base is not the client's: ask for a full */ baseMissing: boolean };
