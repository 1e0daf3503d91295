// Snapshot wire format: what the host sends every tick so a client can rebuild the world.
// Column-oriented and driven only by the field table (every networked field, every networked
// global), never by a particular game. docs/snapshot-encoding.md is the reference for client
// writers; this comment is the short form.
//
// A snapshot is ONE msgpack map (string keys; unknown keys are ignored by decoders). Binary
// columns are msgpack `bin` values holding little-endian arrays of the field's WIRE type:
//
//   wire type    = the field's own type; u16 / u32 for a quantized f32 (schema.ts `Quant`:
//                  q = round((clamp(v, min, max) - min) / step), decoded min + q * step,
//                  error <= step / 2); u8 for Entity.gen (gen & 0xff, see below)
//   id width W   = 2 bytes (u16) when `top` <= 65535, else 4 bytes (u32)
//   id set       = either  <key>     : bin, sorted ascending ids, W bytes each
//                  or      <key>Bits : bin, presence bitmap of ceil(top / 8) bytes: eid e is
//                                      bit (e-1) & 7 of byte (e-1) >> 3 (LSB first); bits
//                                      past `top` are 0
//                  whichever is smaller (both are correct input for a decoder)
//   column       = the values of one field for a list of n entities, in list order, one of:
//                  number               constant: all n values are this wire value
//                  bin                  raw: n values, n * size(wire) bytes
//                  [bin idx, bin vals]  sparse: positions (W bytes each, ascending, < n) of
//                                       the non-zero wire values, and those values; every
//                                       other position holds wire value 0 (for a quantized
//                                       field: `min`)
//
// Full snapshot (base = -1):
//
//   { type: "snapshot", tick, base: -1, top,      top  = largest id in the message (0: none)
//     ids | bits,                                 the live (visible) entities
//     cols: [column x F],                         F = networked fields in table order
//     g: [number x G] }                           G = networked globals in table order
//
// Delta against the client's decoded state of tick `base` (an ack of the client):
//
//   { type: "snapshot", tick, base, top?,        top present when any id set is
//     rm | rmBits ?,                             removed: live in base, gone now or respawned
//     ch | chBits ?, mask?, vals?,               changed: live in both, same gen, some wire
//                                                value differs
//     add | addBits ?, addCols?,                 added: new (or respawned) entities, full rows
//     g? }                                       present when a networked global changed
//
//   mask  = ceil(F / 8) bytes per changed entity, bit f (byte f >> 3, bit f & 7) set when
//           field f changed; a single mask (ceil(F / 8) bytes) when all are the same
//   vals  = F columns; column f lists, in `ch` order, the new wire values of the changed
//           entities whose mask has bit f
//   A decoder applies rm, then ch, then add. A quiet tick is {type, tick, base}: 31 bytes
//   while ticks fit a u16, 35 at most. When a delta would be larger than the full snapshot,
//   the full one is sent (base -1).
//
// Bytes of the pieces (the docs have a complete example):
//
//   raw column, u16, 3 entities          bin8  len   value 0   value 1   value 2
//                                        +----+----+---------+---------+---------+
//                                        | c4 | 06 | 14   00 | 29   00 | c8   00 |  20, 41, 200
//                                        +----+----+---------+---------+---------+
//   presence bitmap, top = 11            bin8  len   byte 0: ids 8..1    byte 1: ids 16..9
//                                        +----+----+-------------------+-------------------+
//                                        | c4 | 02 | b7 b6 b5 .. b1 b0 | 0 0 0 0 0 b10 b9 b8|
//                                        +----+----+-------------------+-------------------+
//                                        (bit i of byte j: id 8j + i + 1; LSB is bit 0)
//   id list, top = 900 (W = 2): ids 1, 3, 900    c4 06 | 01 00 | 03 00 | 84 03
//   sparse column [positions, values]:           92 | c4 02 01 00 | c4 04 07 00 00 00
//   constant column:                             any msgpack number (01, cd 01 2c, ca ...)
//
// Entity.gen on the wire is gen & 0xff. The host decides remove + add on the full 16-bit
// gen (it compares the two ring slots), so a respawned row always reaches the client as a
// remove plus an add even if the low bytes agree. The byte only has to tell a client which
// of two states it holds that are at most 31 ticks apart (the ring's delta window) belong to
// the same entity: for that to be ambiguous one row would have to be respawned 256 times in
// 31 ticks, i.e. spawned and killed ~8 times in every tick, which no game does.
//
// Encoding and byte order: values are written through typed arrays; on a big-endian host the
// bins are byte-swapped before they are handed out (and on decode), so the wire is always
// little-endian. Messages returned by the encoders hold views into the codec's scratch
// memory: pack (or copy) a message before the next encode on the same codec.

import { Packr, Unpackr } from 'msgpackr';
import type { StateBlock } from '../../engine/layout.js';
import { ENGINE_COMPONENT, type FieldType, type Schema } from '../../engine/schema.js';
import type { SnapshotRing } from '../../engine/snapshot-ring.js';
import { ErrorCode } from '../errors.js';

// ---- message types ----------------------------------------------------------------------

export type Column = number | Uint8Array | [Uint8Array, Uint8Array];

export interface SnapshotMessage {
  type: 'snapshot';
  tick: number;
  /** -1: full snapshot; else the tick of the base this delta applies to. */
  base: number;
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
}

export const SNAPSHOT_FORMAT = 1;

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
 */
export interface SnapshotState {
  tick: number;
  /** No live entity has a larger id. */
  top: number;
  /** Number of live entities. */
  count: number;
  readonly live: Uint8Array;
  /** Decoded (dequantized) values per networked field, in descriptor order, indexed by eid. */
  readonly values: Float64Array[];
  /** Networked globals, in descriptor order. */
  readonly globals: Float64Array;
}

export type DecodeResult =
  | { ok: true; state: SnapshotState; full: boolean }
  | { ok: false; code: typeof ErrorCode.BAD_SNAPSHOT; reason: string; /** the base is not the client's: ask for a full */ baseMissing: boolean };

// ---- codec context ----------------------------------------------------------------------

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const K_Q16 = 0; // quantized f32 -> u16
const K_Q32 = 1; // quantized f32 -> u32
const K_C8 = 2; // u8 / i8 copied
const K_C16 = 3; // u16 / i16 copied
const K_C32 = 4; // u32 / i32 / f32 copied (f32 as its bits)
const K_G8 = 5; // Entity.gen u16 -> u8

type WireArray = Uint8Array | Uint16Array | Uint32Array;
type SourceView = Uint8Array | Uint16Array | Uint32Array | Float32Array;

const WIDTH: Record<FieldType, 1 | 2 | 4> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4 };
const RANGE: Record<FieldType, [number, number]> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffff_ffff],
  i32: [-0x8000_0000, 0x7fff_ffff],
  f32: [-Infinity, Infinity],
};
const SIGNED_VIEW = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
} as const;
type ViewCtor = { new (b: ArrayBufferLike, o: number, n: number): ArrayLike<number>; readonly BYTES_PER_ELEMENT: number };

export interface CodecField {
  /** Index into schema.fields / block.fields. */
  readonly index: number;
  readonly key: string;
  readonly wire: FieldType;
  readonly width: 1 | 2 | 4;
  readonly kind: number;
  readonly min: number;
  readonly step: number;
  /** 1 / step (encode). */
  readonly inv: number;
  /** Largest wire value of a quantized field (0 when not quantized). */
  readonly levels: number;
  /** 10^d to round decoded quantized values to the decimals of min and step (0: no rounding). */
  readonly round: number;
}

function decimals(x: number): number {
  for (let d = 0; d <= 9; d++) {
    const s = x * 10 ** d;
    if (Math.abs(s - Math.round(s)) < 1e-6) return d;
  }
  return -1;
}

function codecFields(schema: Schema): CodecField[] {
  const out: CodecField[] = [];
  schema.fields.forEach((f, index) => {
    if (!f.networked) return;
    const isGen = f.component === ENGINE_COMPONENT && f.name === 'gen';
    const q = f.quant;
    const wire: FieldType = isGen ? 'u8' : q ? f.wire : f.type;
    let kind: number;
    if (q) kind = wire === 'u16' ? K_Q16 : K_Q32;
    else if (isGen) kind = K_G8;
    else kind = WIDTH[wire] === 1 ? K_C8 : WIDTH[wire] === 2 ? K_C16 : K_C32;
    let round = 0;
    if (q) {
      const d = Math.max(decimals(q.step), decimals(q.min));
      if (decimals(q.step) >= 0 && decimals(q.min) >= 0) round = 10 ** d;
    }
    out.push({
      index,
      key: f.key,
      wire,
      width: WIDTH[wire],
      kind,
      min: q ? q.min : 0,
      step: q ? q.step : 1,
      inv: q ? 1 / q.step : 1,
      levels: q ? q.levels : 0,
      round,
    });
  });
  return out;
}

function networkedGlobals(schema: Schema): { names: string[]; index: number[] } {
  const names: string[] = [];
  const index: number[] = [];
  schema.globalNames.forEach((g, i) => {
    if (schema.spec.globals[g]?.networked === true) {
      names.push(g);
      index.push(i);
    }
  });
  return { names, index };
}

export function schemaDescriptor(schema: Schema): SchemaDescriptor {
  return {
    snapshot: SNAPSHOT_FORMAT,
    fields: codecFields(schema).map((f) => {
      const q = schema.fields[f.index]!.quant;
      return q ? { key: f.key, wire: f.wire, quant: { min: q.min, max: q.max, step: q.step, levels: q.levels } } : { key: f.key, wire: f.wire };
    }),
    globals: networkedGlobals(schema).names,
    archetypes: [...schema.archetypeNames],
  };
}

/**
 * Bump allocator over one ArrayBuffer, reset at the start of every encode / decode. When it
 * runs out it moves to a new, larger buffer: views handed out earlier stay valid (they keep
 * the old buffer alive), and from then on the larger buffer is reused.
 */
class Arena {
  private buf: ArrayBuffer;
  private at = 0;
  constructor(bytes: number) {
    this.buf = new ArrayBuffer(Math.max(1024, bytes));
  }
  reset(): void {
    this.at = 0;
  }
  private take(bytes: number): number {
    const start = (this.at + 7) & ~7;
    if (start + bytes > this.buf.byteLength) {
      this.buf = new ArrayBuffer(Math.max(2 * this.buf.byteLength, bytes + 1024));
      this.at = bytes;
      return 0;
    }
    this.at = start + bytes;
    return start;
  }
  u8(n: number): Uint8Array {
    const o = this.take(n);
    return new Uint8Array(this.buf, o, n);
  }
  u16(n: number): Uint16Array {
    const o = this.take(2 * n);
    return new Uint16Array(this.buf, o, n);
  }
  u32(n: number): Uint32Array {
    const o = this.take(4 * n);
    return new Uint32Array(this.buf, o, n);
  }
  f64(n: number): Float64Array {
    const o = this.take(8 * n);
    return new Float64Array(this.buf, o, n);
  }
  wire(width: number, n: number): WireArray {
    return width === 1 ? this.u8(n) : width === 2 ? this.u16(n) : this.u32(n);
  }
  /** An aligned, little-endian-read copy of `bin` viewed as `type`. */
  view(bin: Uint8Array, type: FieldType, n: number): ArrayLike<number> {
    const Ctor = SIGNED_VIEW[type] as unknown as ViewCtor;
    const w = Ctor.BYTES_PER_ELEMENT;
    if (LITTLE && bin.byteOffset % w === 0) return new Ctor(bin.buffer, bin.byteOffset, n);
    const o = this.take(n * w);
    const bytes = new Uint8Array(this.buf, o, n * w);
    bytes.set(bin.subarray(0, n * w));
    if (!LITTLE) swapBytes(bytes, w);
    return new Ctor(this.buf, o, n);
  }
}

function swapBytes(b: Uint8Array, w: number): void {
  if (w === 1) return;
  for (let i = 0; i + w <= b.length; i += w) {
    for (let j = 0; j < w >> 1; j++) {
      const t = b[i + j]!;
      b[i + j] = b[i + w - 1 - j]!;
      b[i + w - 1 - j] = t;
    }
  }
}

/** The bytes of the first n values of a wire array, little-endian. */
function binOf(a: WireArray, n: number): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
  if (!LITTLE) swapBytes(b, a.BYTES_PER_ELEMENT);
  return b;
}

/** Per-schema codec state: field list, wire types, scratch memory, one Packr. */
export class SnapshotCodec {
  readonly fields: readonly CodecField[];
  readonly globalNames: readonly string[];
  readonly globalIndex: readonly number[];
  readonly descriptor: SchemaDescriptor;
  /** Bytes of one entity row on the wire (raw columns). */
  readonly rowWireBytes: number;
  readonly maskBytes: number;
  readonly packr = new Packr({ useRecords: false, variableMapSize: true });
  readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  /** @internal */ readonly arena: Arena;
  /** @internal */ readonly decodeArena: Arena;
  /** @internal */ readonly ids: Uint32Array[];
  /** @internal */ readonly visNow: Uint8Array;
  /** @internal */ readonly visBase: Uint8Array;
  /** @internal */ readonly views = new WeakMap<StateBlock, SourceView[]>();
  /** @internal */ readonly bytes = new WeakMap<StateBlock, Buffer[]>();
  /** @internal */ readonly gatherAll: GatherAll;
  /** @internal */ readonly collectAll: CollectAll;
  /** @internal */ readonly scan: Int32Array;
  /** @internal */ readonly archIndex: number;
  /** @internal */ readonly genIndex: number;

  constructor(
    readonly schema: Schema,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('SnapshotCodec: capacity must be a positive integer');
    this.fields = codecFields(schema);
    const g = networkedGlobals(schema);
    this.globalNames = g.names;
    this.globalIndex = g.index;
    this.descriptor = schemaDescriptor(schema);
    this.rowWireBytes = this.fields.reduce((n, f) => n + f.width, 0);
    this.maskBytes = Math.max(1, Math.ceil(this.fields.length / 8));
    const rows = capacity + 1;
    this.arena = new Arena(rows * (16 + 2 * this.rowWireBytes + this.maskBytes));
    this.decodeArena = new Arena(rows * 24);
    this.ids = [0, 1, 2, 3, 4].map(() => new Uint32Array(rows));
    this.visNow = new Uint8Array(rows);
    this.visBase = new Uint8Array(rows);
    ({ gatherAll: this.gatherAll, collectAll: this.collectAll } = compileGathers(this.fields));
    this.scan = new Int32Array(2 * this.fields.length);
    this.archIndex = schema.fields.findIndex((f) => f.component === ENGINE_COMPONENT && f.name === 'archetype');
    this.genIndex = schema.fields.findIndex((f) => f.component === ENGINE_COMPONENT && f.name === 'gen');
  }

  /** msgpack bytes of a message (standard msgpack: maps, bin, numbers, strings). */
  pack(msg: SnapshotMessage): Uint8Array {
    return this.packr.pack(msg);
  }
}

export const createSnapshotCodec = (schema: Schema, capacity: number): SnapshotCodec => new SnapshotCodec(schema, capacity);

/** Unsigned (or f32 for quantized fields) views of a block's networked fields, cached. */
function viewsOf(ctx: SnapshotCodec, block: StateBlock): SourceView[] {
  let v = ctx.views.get(block);
  if (v) return v;
  v = ctx.fields.map((f) => {
    const a = block.fields[f.index]!;
    if (f.kind === K_Q16 || f.kind === K_Q32) return a as Float32Array;
    if (f.kind === K_G8) return a as Uint16Array;
    const w = a.BYTES_PER_ELEMENT;
    return w === 1
      ? new Uint8Array(a.buffer, a.byteOffset, a.length)
      : w === 2
        ? new Uint16Array(a.buffer, a.byteOffset, a.length)
        : new Uint32Array(a.buffer, a.byteOffset, a.length);
  });
  ctx.views.set(block, v);
  return v;
}

/** Byte views of a block's networked fields (for memcmp), cached. */
function bytesOf(ctx: SnapshotCodec, block: StateBlock): Buffer[] {
  let b = ctx.bytes.get(block);
  if (b) return b;
  b = ctx.fields.map((f) => {
    const a = block.fields[f.index]!;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  });
  ctx.bytes.set(block, b);
  return b;
}

/** Rows 1..rows of field f hold the same bytes in both blocks (one native memcmp). */
function sameRows(ctx: SnapshotCodec, a: StateBlock, b: StateBlock, f: number, rows: number): boolean {
  const w = ctx.schema.fields[ctx.fields[f]!.index]!.bytes;
  const x = bytesOf(ctx, a)[f]!;
  const y = bytesOf(ctx, b)[f]!;
  return Buffer.compare(x.subarray(w, w * (rows + 1)), y.subarray(w, w * (rows + 1))) === 0;
}

// ---- gathering wire values ---------------------------------------------------------------
// One monomorphic loop per kind (a single loop over every typed-array type would go
// megamorphic). Each gathers the wire values of `ids` into `out` and, in the same pass,
// returns how many are non-zero, or -1 when all equal the first (a constant column). n > 0.
// These serve the delta's per-field value lists; full snapshots and added entities, where
// every field covers the same entities, use the per-schema compiled loops (compileGathers).

/** round((v - min) / step) clamped to [0, levels]; NaN -> 0. floor(x + 0.5) by truncation. */
function quantOne(v: number, min: number, inv: number, levels: number): number {
  const x = (v - min) * inv + 0.5;
  return x > 0 ? (x < levels ? x >>> 0 : levels) : 0;
}
/** quantOne for levels <= 65535: the result fits a small integer (faster to count). */
function quantOne16(v: number, min: number, inv: number, levels: number): number {
  const x = (v - min) * inv + 0.5;
  return x > 0 ? (x < levels ? x | 0 : levels) : 0;
}

function gq16(src: Float32Array, ids: Uint32Array, n: number, out: Uint16Array, min: number, inv: number, levels: number): number {
  const first = quantOne16(src[ids[0]!]!, min, inv, levels);
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const q = quantOne16(src[ids[i]!]!, min, inv, levels);
    out[i] = q;
    if (q === 0) zeros++;
    diff |= q ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function gq32(src: Float32Array, ids: Uint32Array, n: number, out: Uint32Array, min: number, inv: number, levels: number): number {
  const first = quantOne(src[ids[0]!]!, min, inv, levels);
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const q = quantOne(src[ids[i]!]!, min, inv, levels);
    out[i] = q;
    if (q === 0) zeros++;
    diff |= q ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function g8(src: Uint8Array, ids: Uint32Array, n: number, out: Uint8Array): number {
  const first = src[ids[0]!]!;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]!;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function g16(src: Uint16Array, ids: Uint32Array, n: number, out: Uint16Array): number {
  const first = src[ids[0]!]!;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]!;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function g32(src: Uint32Array, ids: Uint32Array, n: number, out: Uint32Array): number {
  const first = src[ids[0]!]!;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]!;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}
function gGen8(src: Uint16Array, ids: Uint32Array, n: number, out: Uint8Array): number {
  const first = src[ids[0]!]! & 0xff;
  let zeros = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = src[ids[i]!]! & 0xff;
    out[i] = v;
    if (v === 0) zeros++;
    diff |= v ^ first;
  }
  return diff === 0 ? -1 : n - zeros;
}

/** Gather + scan (see above); n > 0. */
function gather(f: CodecField, src: SourceView, ids: Uint32Array, n: number, out: WireArray): number {
  switch (f.kind) {
    case K_Q16:
      return gq16(src as Float32Array, ids, n, out as Uint16Array, f.min, f.inv, f.levels);
    case K_Q32:
      return gq32(src as Float32Array, ids, n, out as Uint32Array, f.min, f.inv, f.levels);
    case K_C8:
      return g8(src as Uint8Array, ids, n, out as Uint8Array);
    case K_C16:
      return g16(src as Uint16Array, ids, n, out as Uint16Array);
    case K_C32:
      return g32(src as Uint32Array, ids, n, out as Uint32Array);
    default:
      return gGen8(src as Uint16Array, ids, n, out as Uint8Array);
  }
}

const f32Bits = new Uint32Array(1);
const f32Val = new Float32Array(f32Bits.buffer);

/** The msgpack number of one wire value (kept unsigned internally). */
function wireNumber(wire: FieldType, v: number): number {
  switch (wire) {
    case 'i8':
      return (v << 24) >> 24;
    case 'i16':
      return (v << 16) >> 16;
    case 'i32':
      return v | 0;
    case 'f32':
      f32Bits[0] = v;
      return f32Val[0]!;
    default:
      return v;
  }
}

/** The column of field f for the entities `ids`: constant, sparse or raw, the smallest. */
function encodeColumn(ctx: SnapshotCodec, f: CodecField, src: SourceView, ids: Uint32Array, n: number, idW: number): Column {
  if (n === 0) return 0;
  const arr = ctx.arena.wire(f.width, n);
  return columnForm(ctx, f, arr, n, gather(f, src, ids, n, arr), idW);
}

/** Pick the form of a gathered column from its scan result (non-zero count, -1: constant). */
function columnForm(ctx: SnapshotCodec, f: CodecField, arr: WireArray, n: number, nz: number, idW: number): Column {
  // constant column; but f32 -0 does not survive as a msgpack number (it packs as int 0)
  if (nz < 0 && !(f.wire === 'f32' && arr[0] === 0x8000_0000)) return wireNumber(f.wire, arr[0]!);
  if (nz < 0) nz = n;
  const w = f.width;
  if (nz * (idW + w) + 4 < n * w) {
    const idx = idW === 2 ? ctx.arena.u16(nz) : ctx.arena.u32(nz);
    const vals = ctx.arena.wire(w, nz);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = arr[i]!;
      if (v !== 0) {
        idx[k] = i;
        vals[k++] = v;
      }
    }
    return [binOf(idx, nz), binOf(vals, nz)];
  }
  return binOf(arr, n);
}

/** Every field's column for the same entities (full snapshots, added entities). */
function encodeColumns(ctx: SnapshotCodec, views: SourceView[], ids: Uint32Array, n: number, idW: number): Column[] {
  const F = ctx.fields.length;
  if (n === 0) return ctx.fields.map(() => 0);
  const outs: WireArray[] = [];
  for (let f = 0; f < F; f++) outs.push(ctx.arena.wire(ctx.fields[f]!.width, n));
  const scan = ctx.scan;
  ctx.gatherAll(views, ids, n, outs, scan);
  const cols: Column[] = [];
  for (let f = 0; f < F; f++) {
    const nz = scan[2 * f + 1] === 0 ? -1 : n - scan[2 * f]!;
    cols.push(columnForm(ctx, ctx.fields[f]!, outs[f]!, n, nz, idW));
  }
  return cols;
}

/** gatherAll(views, ids, n, outs, scan): every field's gather + scan in one pass over `ids`. */
type GatherAll = (views: SourceView[], ids: Uint32Array, n: number, outs: WireArray[], scan: Int32Array) => void;

/**
 * collectAll(arch, vis, max, ids, bits, views, outs, scan) -> n: a full snapshot's whole
 * entity pass: finds the live (visible) rows of 1..max, writes their ids, their presence
 * bitmap and every field's gathered wire values and scan, in one loop over the rows.
 */
type CollectAll = (
  arch: Uint8Array,
  vis: Uint8Array | null,
  max: number,
  ids: Uint32Array,
  bits: Uint8Array,
  views: SourceView[],
  outs: WireArray[],
  scan: Int32Array,
) => number;

/**
 * The gather loops, compiled per schema: one loop that gathers the wire values of every
 * field (scan[2f] = zero count, scan[2f+1] = non-zero when the column is not constant)
 * instead of F loops, with each field's kind and quantization constants inlined and its
 * own type feedback (a generic loop over every typed-array type would go megamorphic).
 * The source is built from the field table only (kinds and finite numbers), never from
 * input. The arithmetic is the same as quantOne / quantOne16 / gGen8 / g8..g32, so a value
 * gets the same wire value on every path.
 */
function compileGathers(fields: readonly CodecField[]): { gatherAll: GatherAll; collectAll: CollectAll } {
  const num = (x: number) => (Object.is(x, -0) ? '0' : String(x));
  const head: string[] = [];
  const first: string[] = [];
  const body: string[] = [];
  const tail: string[] = [];
  fields.forEach((f, i) => {
    head.push(`const v${i} = views[${i}], o${i} = outs[${i}]; let z${i} = 0, d${i} = 0;`);
    let expr: (e: string) => string;
    switch (f.kind) {
      case K_Q16:
      case K_Q32: {
        const trunc = f.kind === K_Q16 ? '| 0' : '>>> 0';
        expr = (e) =>
          `((x = (v${i}[${e}] - (${num(f.min)})) * (${num(f.inv)}) + 0.5) > 0 ? (x < ${f.levels} ? x ${trunc} : ${f.levels}) : 0)`;
        break;
      }
      case K_G8:
        expr = (e) => `(v${i}[${e}] & 255)`;
        break;
      default:
        expr = (e) => `v${i}[${e}]`;
    }
    first.push(`const f${i} = ${expr('e0')};`);
    body.push(`q = ${expr('e')}; o${i}[k] = q; if (q === 0) z${i}++; d${i} |= q ^ f${i};`);
    tail.push(`scan[${2 * i}] = z${i}; scan[${2 * i + 1}] = d${i};`);
  });
  const gatherSrc = [
    '"use strict";',
    'let x = 0, q = 0;',
    ...head,
    'const e0 = ids[0];',
    ...first,
    'for (let k = 0; k < n; k++) {',
    '  const e = ids[k];',
    ...body.map((b) => '  ' + b),
    '}',
    ...tail,
  ].join('\n');
  const collectSrc = [
    '"use strict";',
    'let x = 0, q = 0, k = 0, byte = 0, e0 = 1;',
    'while (e0 <= max && !(arch[e0] !== 0 && (vis === null || vis[e0]))) e0++;',
    'if (e0 > max) { bits.fill(0); return 0; }',
    ...head,
    ...first,
    'for (let e = 1; e <= max; e++) {',
    '  if (arch[e] !== 0 && (vis === null || vis[e])) {',
    '    ids[k] = e;',
    '    byte |= 1 << ((e - 1) & 7);',
    ...body.map((b) => '    ' + b),
    '    k++;',
    '  }',
    '  if ((e & 7) === 0) { bits[(e - 1) >> 3] = byte; byte = 0; }',
    '}',
    'if ((max & 7) !== 0) bits[max >> 3] = byte;',
    ...tail,
    'return k;',
  ].join('\n');
  return {
    gatherAll: new Function('views', 'ids', 'n', 'outs', 'scan', gatherSrc) as GatherAll,
    collectAll: new Function('arch', 'vis', 'max', 'ids', 'bits', 'views', 'outs', 'scan', collectSrc) as CollectAll,
  };
}

const idWidth = (top: number): 2 | 4 => (top <= 0xffff ? 2 : 4);
const idSetBytes = (n: number, top: number): number => Math.min((top + 7) >> 3, n * idWidth(top));

/** Write an id set under `key` (sorted ids) or `key + 'Bits'` (bitmap), the smaller. */
function putIdSet(ctx: SnapshotCodec, msg: SnapshotMessage, key: 'ids' | 'rm' | 'ch' | 'add', ids: Uint32Array, n: number, top: number): void {
  const bitmapBytes = (top + 7) >> 3;
  const w = idWidth(top);
  if (bitmapBytes < n * w) {
    const bits = ctx.arena.u8(bitmapBytes);
    bits.fill(0);
    for (let i = 0; i < n; i++) {
      const b = ids[i]! - 1;
      bits[b >> 3] |= 1 << (b & 7);
    }
    msg[key === 'ids' ? 'bits' : (`${key}Bits` as 'rmBits' | 'chBits' | 'addBits')] = bits;
  } else {
    const list = w === 2 ? ctx.arena.u16(n) : ctx.arena.u32(n);
    for (let i = 0; i < n; i++) list[i] = ids[i]!;
    msg[key] = binOf(list, n);
  }
}

function rowBound(ctx: SnapshotCodec, src: SnapshotSource): number {
  const m = Math.floor(src.maxEid);
  const rows = src.block.fields[0]!.length - 1;
  return m > 0 ? Math.min(m, ctx.capacity, rows) : 0;
}

/** Visibility as a byte per eid (or null: all visible), materialized for rows 1..hi. */
function visBytes(visible: Visibility | undefined, hi: number, scratch: Uint8Array): Uint8Array | null {
  if (visible === undefined) return null;
  if (typeof visible !== 'function') return visible;
  for (let e = 1; e <= hi; e++) scratch[e] = visible(e) ? 1 : 0;
  return scratch;
}

/** Live (and visible) rows of a source into `out`, ascending; returns the count. */
/** Live (and visible) rows of a source into `out`, ascending; returns the count. */
function collectLive(ctx: SnapshotCodec, src: SnapshotSource, vis: Uint8Array | null, out: Uint32Array): number {
  const max = rowBound(ctx, src);
  const arch = src.block.fields[ctx.archIndex] as Uint8Array;
  let n = 0;
  if (vis === null) {
    for (let e = 1; e <= max; e++) if (arch[e] !== 0) out[n++] = e;
  } else {
    for (let e = 1; e <= max; e++) if (arch[e] !== 0 && vis[e]) out[n++] = e;
  }
  return n;
}

function globalsChanged(ctx: SnapshotCodec, now: StateBlock, was: StateBlock): boolean {
  for (const i of ctx.globalIndex) {
    const x = now.globals[i]!;
    const y = was.globals[i]!;
    if (x !== y && !(x !== x && y !== y)) return true;
  }
  return false;
}

function globalsOf(ctx: SnapshotCodec, block: StateBlock): number[] {
  const g: number[] = [];
  for (const i of ctx.globalIndex) g.push(block.globals[i]!);
  return g;
}

// ---- encoders ---------------------------------------------------------------------------

/** A full snapshot of `src` (optionally only the entities `visible` allows). */
export function encodeFull(ctx: SnapshotCodec, src: SnapshotSource, tick: number, visible?: Visibility): SnapshotMessage {
  ctx.arena.reset();
  const max = rowBound(ctx, src);
  const vis = visBytes(visible, max, ctx.visNow);
  const ids = ctx.ids[0]!;
  const F = ctx.fields.length;
  // one pass over the rows: ids, bitmap, every field's wire values (arrays sized for max)
  const bits = ctx.arena.u8((max + 7) >> 3);
  const outs: WireArray[] = [];
  for (let f = 0; f < F; f++) outs.push(ctx.arena.wire(ctx.fields[f]!.width, max));
  const scan = ctx.scan;
  const views = viewsOf(ctx, src.block);
  const n = ctx.collectAll(src.block.fields[ctx.archIndex] as Uint8Array, vis, max, ids, bits, views, outs, scan);
  const top = n > 0 ? ids[n - 1]! : 0;
  const idW = idWidth(top);
  const msg: SnapshotMessage = { type: 'snapshot', tick, base: -1, top };
  // the bitmap is built already (bytes past top are 0); an id list when that is smaller
  if ((top + 7) >> 3 < n * idW) msg.bits = bits.subarray(0, (top + 7) >> 3);
  else putIdSet(ctx, msg, 'ids', ids, n, top);
  const cols: Column[] = [];
  for (let f = 0; f < F; f++) {
    cols.push(n === 0 ? 0 : columnForm(ctx, ctx.fields[f]!, outs[f]!, n, scan[2 * f + 1] === 0 ? -1 : n - scan[2 * f]!, idW));
  }
  msg.cols = cols;
  msg.g = globalsOf(ctx, src.block);
  return msg;
}

/**
 * A delta from `base` (the host state of `baseTick`, which the client decoded and acked) to
 * `src`. `visible` is the client's visibility now, `baseVisible` the one its base was
 * encoded with (undefined: the same as `visible`; pass `() => true` for "everything was
 * visible"): an entity entering visibility is added, one leaving is removed. Falls back to a
 * full snapshot (base -1) when the delta would be larger.
 *
 * Reading ring slots in place: bracket the call with beginRead / endRead of both ticks and
 * drop the message when either read was torn (or use encodeFromRing, which does that).
 */
export function encodeDelta(
  ctx: SnapshotCodec,
  src: SnapshotSource,
  tick: number,
  base: SnapshotSource,
  baseTick: number,
  visible?: Visibility,
  baseVisible: Visibility | undefined = visible,
): SnapshotMessage {
  ctx.arena.reset();
  const maxNow = rowBound(ctx, src);
  const maxBase = rowBound(ctx, base);
  const hi = Math.max(maxNow, maxBase);
  const vn = visBytes(visible, hi, ctx.visNow);
  const vb = baseVisible === visible ? vn : visBytes(baseVisible, hi, ctx.visBase);
  const F = ctx.fields.length;
  // fields whose rows are byte-identical in both blocks (one native memcmp each) cannot
  // have changed: they are skipped below; when all are, and so are the row bound and the
  // visibility, the world is quiet and the delta is empty
  const same: boolean[] = [];
  let allSame = maxNow === maxBase && vn === vb;
  for (let f = 0; f < F; f++) {
    const eq = sameRows(ctx, src.block, base.block, f, Math.min(maxNow, maxBase));
    same.push(eq);
    allSame &&= eq;
  }
  if (allSame) {
    const quiet: SnapshotMessage = { type: 'snapshot', tick, base: baseTick };
    if (globalsChanged(ctx, src.block, base.block)) quiet.g = globalsOf(ctx, src.block);
    return quiet;
  }
  const archN = src.block.fields[ctx.archIndex] as Uint8Array;
  const archB = base.block.fields[ctx.archIndex] as Uint8Array;
  const genN = src.block.fields[ctx.genIndex] as Uint16Array;
  const genB = base.block.fields[ctx.genIndex] as Uint16Array;
  const [rm, add, keep, ch, sub] = ctx.ids as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let nRm = 0;
  let nAdd = 0;
  let nKeep = 0;
  let nNow = 0;
  let topNow = 0;
  for (let e = 1; e <= hi; e++) {
    const ln = e <= maxNow && archN[e] !== 0 && (vn === null || !!vn[e]);
    const lb = e <= maxBase && archB[e] !== 0 && (vb === null || !!vb[e]);
    if (ln) {
      nNow++;
      topNow = e;
      if (lb && genN[e] === genB[e]) keep[nKeep++] = e;
      else {
        if (lb) rm[nRm++] = e;
        add[nAdd++] = e;
      }
    } else if (lb) rm[nRm++] = e;
  }

  // changed fields of the kept entities, compared on wire values
  const mb = ctx.maskBytes;
  const masks = ctx.arena.u8(nKeep * mb);
  masks.fill(0);
  const viewsN = viewsOf(ctx, src.block);
  const viewsB = viewsOf(ctx, base.block);
  const counts: number[] = [];
  let valBytes = 0;
  for (let f = 0; f < F; f++) {
    const cf = ctx.fields[f]!;
    const c = nKeep === 0 || same[f] ? 0 : diffField(cf, viewsN[f]!, viewsB[f]!, keep, nKeep, masks, mb, f >> 3, 1 << (f & 7));
    counts.push(c);
    valBytes += c * cf.width;
  }
  // changed entities (eids) and their masks, compacted
  const chMasks = ctx.arena.u8(nKeep * mb);
  let nCh = 0;
  let sameMask = true;
  if (mb === 1) {
    for (let i = 0; i < nKeep; i++) {
      const m = masks[i]!;
      if (m !== 0) {
        ch[nCh] = keep[i]!;
        chMasks[nCh++] = m;
        if (m !== chMasks[0]) sameMask = false;
      }
    }
  } else {
    for (let i = 0; i < nKeep; i++) {
      let any = 0;
      for (let j = 0; j < mb; j++) any |= masks[i * mb + j]!;
      if (any === 0) continue;
      for (let j = 0; j < mb; j++) {
        const m = masks[i * mb + j]!;
        chMasks[nCh * mb + j] = m;
        if (m !== chMasks[j]) sameMask = false;
      }
      ch[nCh++] = keep[i]!;
    }
  }

  const gChanged = globalsChanged(ctx, src.block, base.block);

  const top = Math.max(nRm ? rm[nRm - 1]! : 0, nAdd ? add[nAdd - 1]! : 0, nCh ? ch[nCh - 1]! : 0);
  const deltaBytes =
    (nRm ? idSetBytes(nRm, top) : 0) +
    (nAdd ? idSetBytes(nAdd, top) + nAdd * ctx.rowWireBytes : 0) +
    (nCh ? idSetBytes(nCh, top) + nCh * mb + valBytes : 0);
  const fullBytes = idSetBytes(nNow, topNow) + nNow * ctx.rowWireBytes;
  if (deltaBytes > fullBytes) return encodeFull(ctx, src, tick, visible);

  const msg: SnapshotMessage = { type: 'snapshot', tick, base: baseTick };
  if (top > 0) msg.top = top;
  const idW = idWidth(top);
  if (nRm) putIdSet(ctx, msg, 'rm', rm, nRm, top);
  if (nCh) {
    putIdSet(ctx, msg, 'ch', ch, nCh, top);
    msg.mask = sameMask ? chMasks.subarray(0, mb) : chMasks.subarray(0, nCh * mb);
    const vals: Column[] = [];
    for (let f = 0; f < F; f++) {
      const c = counts[f]!;
      let k = 0;
      if (c === nCh) sub.set(ch.subarray(0, nCh));
      else if (c > 0) {
        const byte = f >> 3;
        const bit = 1 << (f & 7);
        for (let j = 0; j < nCh; j++) if (chMasks[j * mb + byte]! & bit) sub[k++] = ch[j]!;
      }
      vals.push(encodeColumn(ctx, ctx.fields[f]!, viewsN[f]!, sub, c, idW));
    }
    msg.vals = vals;
  }
  if (nAdd) {
    putIdSet(ctx, msg, 'add', add, nAdd, top);
    msg.addCols = encodeColumns(ctx, viewsN, add, nAdd, idW);
  }
  if (gChanged) msg.g = globalsOf(ctx, src.block);
  return msg;
}

/** Set bit `bit` of byte `byte` of the masks of the kept entities whose wire value differs; count them. */
function diffField(
  f: CodecField,
  now: SourceView,
  was: SourceView,
  keep: Uint32Array,
  n: number,
  masks: Uint8Array,
  mb: number,
  byte: number,
  bit: number,
): number {
  switch (f.kind) {
    case K_Q16:
    case K_Q32:
      return diffQ(now as Float32Array, was as Float32Array, keep, n, masks, mb, byte, bit, f.min, f.inv, f.levels);
    case K_C8:
      return diff8(now as Uint8Array, was as Uint8Array, keep, n, masks, mb, byte, bit);
    case K_C16:
      return diff16(now as Uint16Array, was as Uint16Array, keep, n, masks, mb, byte, bit);
    case K_C32:
      return diff32(now as Uint32Array, was as Uint32Array, keep, n, masks, mb, byte, bit);
    default:
      return 0; // Entity.gen: a kept entity has the same gen by definition
  }
}

function diffQ(
  now: Float32Array,
  was: Float32Array,
  keep: Uint32Array,
  n: number,
  masks: Uint8Array,
  mb: number,
  byte: number,
  bit: number,
  min: number,
  inv: number,
  levels: number,
): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    const a = now[e]!;
    const b = was[e]!;
    // equal floats quantize equally: only differing ones are quantized (jitter below a step is free)
    if (a !== b && quantOne(a, min, inv, levels) !== quantOne(b, min, inv, levels)) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}
function diff8(now: Uint8Array, was: Uint8Array, keep: Uint32Array, n: number, masks: Uint8Array, mb: number, byte: number, bit: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    if (now[e] !== was[e]) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}
function diff16(now: Uint16Array, was: Uint16Array, keep: Uint32Array, n: number, masks: Uint8Array, mb: number, byte: number, bit: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    if (now[e] !== was[e]) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}
function diff32(now: Uint32Array, was: Uint32Array, keep: Uint32Array, n: number, masks: Uint8Array, mb: number, byte: number, bit: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = keep[i]!;
    if (now[e] !== was[e]) {
      masks[i * mb + byte] |= bit;
      c++;
    }
  }
  return c;
}

/**
 * Encode tick `tick` of a snapshot ring (a delta from `baseTick` when that slot is still
 * readable and baseTick >= 0, else full), reading the slots in place under their seqlocks.
 * Returns null when `tick` is not readable or was overwritten during the encode.
 */
export function encodeFromRing(
  ctx: SnapshotCodec,
  ring: SnapshotRing,
  tick: number,
  baseTick = -1,
  visible?: Visibility,
  baseVisible?: Visibility,
): SnapshotMessage | null {
  const token = ring.beginRead(tick);
  if (token < 0) return null;
  const src = { block: ring.blockOf(tick), maxEid: ring.info(tick).maxEid };
  let msg: SnapshotMessage | null = null;
  if (baseTick >= 0 && baseTick < tick && tick - baseTick < ring.slots) {
    const bt = ring.beginRead(baseTick);
    if (bt >= 0) {
      const base = { block: ring.blockOf(baseTick), maxEid: ring.info(baseTick).maxEid };
      msg = encodeDelta(ctx, src, tick, base, baseTick, visible, baseVisible ?? visible);
      if (!ring.endRead(baseTick, bt)) msg = null;
    }
  }
  msg ??= encodeFull(ctx, src, tick, visible);
  return ring.endRead(tick, token) ? msg : null;
}

// ---- JSON mode --------------------------------------------------------------------------

/**
 * A full snapshot for JSON-mode clients: the same content a msgpack client decodes (values
 * quantized then dequantized, Entity.gen & 0xff), as plain arrays keyed by field key.
 * Built once per tick and shared by every JSON client (JSON mode has no deltas).
 */
export function toJsonSnapshot(ctx: SnapshotCodec, src: SnapshotSource, tick: number, visible?: Visibility): JsonSnapshot {
  ctx.arena.reset();
  const vis = visBytes(visible, rowBound(ctx, src), ctx.visNow);
  const idsArr = ctx.ids[0]!;
  const n = collectLive(ctx, src, vis, idsArr);
  const views = viewsOf(ctx, src.block);
  const fields: Record<string, number[]> = {};
  const tmp = ctx.arena.f64(n);
  for (let i = 0; i < ctx.fields.length; i++) {
    const f = ctx.fields[i]!;
    const arr = ctx.arena.wire(f.width, n);
    if (n > 0) gather(f, views[i]!, idsArr, n, arr);
    decodeWire(f, arr, n, tmp);
    fields[f.key] = Array.from(tmp);
  }
  const globals: Record<string, number> = {};
  ctx.globalNames.forEach((g, i) => (globals[g] = src.block.globals[ctx.globalIndex[i]!]!));
  return { type: 'snapshot', tick, base: -1, ids: Array.from(idsArr.subarray(0, n)), fields, globals };
}

/** Unsigned wire values -> decoded numbers (sign, float bits, dequantization). */
function decodeWire(f: CodecField, arr: WireArray, n: number, out: Float64Array): void {
  switch (f.wire) {
    case 'i8':
      out.set(new Int8Array(arr.buffer, arr.byteOffset, n));
      return;
    case 'i16':
      out.set(new Int16Array(arr.buffer, arr.byteOffset, n));
      return;
    case 'i32':
      out.set(new Int32Array(arr.buffer, arr.byteOffset, n));
      return;
    case 'f32':
      out.set(new Float32Array(arr.buffer, arr.byteOffset, n));
      return;
    default:
      out.set(arr.subarray(0, n));
      if (f.levels > 0) dequantAll(out, n, f);
  }
}

function dequantAll(v: Float64Array, n: number, f: CodecField): void {
  const { min, step, round } = f;
  if (round > 0) for (let i = 0; i < n; i++) v[i] = Math.round((min + v[i]! * step) * round) / round;
  else for (let i = 0; i < n; i++) v[i] = min + v[i]! * step;
}

/** Decoded value of one quantized wire value (what decoders produce). */
export function dequantize(f: CodecField, q: number): number {
  const v = f.min + q * f.step;
  return f.round > 0 ? Math.round(v * f.round) / f.round : v;
}

// ---- client side ------------------------------------------------------------------------

export function newSnapshotState(ctx: SnapshotCodec): SnapshotState {
  const rows = ctx.capacity + 1;
  return {
    tick: -1,
    top: 0,
    count: 0,
    live: new Uint8Array(rows),
    values: ctx.fields.map(() => new Float64Array(rows)),
    globals: new Float64Array(ctx.globalNames.length),
  };
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

class Bad {
  constructor(
    readonly reason: string,
    readonly baseMissing = false,
  ) {}
}

const isBin = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * Decode a snapshot message (already unpacked) against the client's state of its base tick
 * (null / ignored for a full snapshot). Never throws: malformed input gives { ok: false }.
 * `out` (optional, never the base) is reused for the result; after an error its contents
 * are unspecified (but it stays reusable).
 */
export function decodeSnapshot(ctx: SnapshotCodec, msg: unknown, base: SnapshotState | null, out?: SnapshotState): DecodeResult {
  const fail = (reason: string, baseMissing = false): DecodeResult => ({ ok: false, code: ErrorCode.BAD_SNAPSHOT, reason, baseMissing });
  if (out !== undefined && out === base) return fail('the output state is the base state');
  if (out !== undefined && (out.live?.length !== ctx.capacity + 1 || out.values?.length !== ctx.fields.length)) {
    return fail('the output state belongs to another codec');
  }
  let state = out;
  try {
    state ??= newSnapshotState(ctx);
    ctx.decodeArena.reset();
    const full = decodeInto(ctx, msg, base, state);
    return { ok: true, state, full };
  } catch (e) {
    if (state !== undefined) {
      // unknown contents: make the next decode into it clear every row
      state.top = ctx.capacity;
      state.tick = -1;
    }
    const bad = e instanceof Bad ? e : new Bad(`internal decoder error: ${e instanceof Error ? e.message : String(e)}`);
    return fail(bad.reason, bad.baseMissing);
  }
}

/** unpack + decodeSnapshot; bytes that are not msgpack also give { ok: false }. */
export function decodeSnapshotBytes(ctx: SnapshotCodec, bytes: Uint8Array, base: SnapshotState | null, out?: SnapshotState): DecodeResult {
  let msg: unknown;
  try {
    msg = ctx.unpackr.unpack(bytes);
  } catch (e) {
    return { ok: false, code: ErrorCode.BAD_SNAPSHOT, reason: `not msgpack: ${e instanceof Error ? e.message : String(e)}`, baseMissing: false };
  }
  return decodeSnapshot(ctx, msg, base, out);
}

function clearState(s: SnapshotState): void {
  const n = Math.min(s.top + 1, s.live.length);
  s.live.fill(0, 0, n);
  for (const v of s.values) v.fill(0, 0, n);
  s.count = 0;
  s.top = 0;
}

function decodeInto(ctx: SnapshotCodec, msg: unknown, base: SnapshotState | null, s: SnapshotState): boolean {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || isBin(msg)) throw new Bad('a snapshot must be a map');
  const m = msg as Record<string, unknown>;
  if (m.type !== 'snapshot') throw new Bad('type is not "snapshot"');
  if (!isInt(m.tick, 0, Number.MAX_SAFE_INTEGER)) throw new Bad('tick must be a non-negative integer');
  if (!isInt(m.base, -1, Number.MAX_SAFE_INTEGER)) throw new Bad('base must be an integer >= -1');
  const F = ctx.fields.length;
  if (m.base === -1) {
    if (!isInt(m.top, 0, ctx.capacity)) throw new Bad(`top must be an integer in 0..${ctx.capacity}`);
    const top = m.top;
    const ids = ctx.ids[0]!;
    const n = readIdSet(ctx, m, 'ids', 'bits', top, ids, true);
    const cols = columnsOf(m.cols, 'cols', F);
    clearState(s);
    s.tick = m.tick;
    s.top = top;
    s.count = n;
    for (let i = 0; i < n; i++) s.live[ids[i]!] = 1;
    for (let f = 0; f < F; f++) decodeColumn(ctx, ctx.fields[f]!, cols[f], ids, n, idWidth(top), s.values[f]!);
    readGlobals(ctx, m.g, s, true);
    return true;
  }

  if (base === null || base.tick !== m.base) throw new Bad(`delta against tick ${m.base}, which is not the given base`, true);
  if (base.live.length !== ctx.capacity + 1 || base.values.length !== F) throw new Bad('the base state belongs to another codec');
  let top = 0;
  const anyIds = ['rm', 'rmBits', 'ch', 'chBits', 'add', 'addBits'].some((k) => m[k] !== undefined);
  if (anyIds || m.top !== undefined) {
    if (!isInt(m.top, anyIds ? 1 : 0, ctx.capacity)) throw new Bad(`top must be an integer in 1..${ctx.capacity}`);
    top = m.top;
  }
  const idW = idWidth(top);
  const [rm, add, ch, sub] = ctx.ids as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
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
      decodeColumn(ctx, ctx.fields[f]!, vals![f], sub, k, idW, s.values[f]!);
    }
  }
  for (let i = 0; i < nAdd; i++) {
    const e = add[i]!;
    if (s.live[e] === 1) throw new Bad(`added entity ${e} is already live`);
    s.live[e] = 1;
    s.count++;
  }
  if (nAdd > 0) for (let f = 0; f < F; f++) decodeColumn(ctx, ctx.fields[f]!, addCols![f], add, nAdd, idW, s.values[f]!);
  readGlobals(ctx, m.g, s, false);
  return false;
}

function columnsOf(v: unknown, key: string, F: number): unknown[] {
  if (!Array.isArray(v) || v.length !== F) throw new Bad(`${key} must be an array of ${F} columns`);
  return v;
}

function readGlobals(ctx: SnapshotCodec, g: unknown, s: SnapshotState, required: boolean): void {
  if (g === undefined && !required) return;
  const G = ctx.globalNames.length;
  if (!Array.isArray(g) || g.length !== G) throw new Bad(`g must be an array of ${G} numbers`);
  for (let i = 0; i < G; i++) if (typeof g[i] !== 'number') throw new Bad(`g[${i}] is not a number`);
  for (let i = 0; i < G; i++) s.globals[i] = g[i] as number;
}

/** Read the id set at `key` / `key`Bits into `out`; returns the count. */
function readIdSet(
  ctx: SnapshotCodec,
  m: Record<string, unknown>,
  key: string,
  bitsKey: string,
  top: number,
  out: Uint32Array,
  required: boolean,
): number {
  const list = m[key];
  const bits = m[bitsKey];
  if (list !== undefined && bits !== undefined) throw new Bad(`both ${key} and ${bitsKey}`);
  if (bits !== undefined) {
    if (!isBin(bits)) throw new Bad(`${bitsKey} must be a bin`);
    if (bits.length !== (top + 7) >> 3) throw new Bad(`${bitsKey} has ${bits.length} bytes, expected ${(top + 7) >> 3}`);
    if (top & 7 && bits.length > 0 && bits[bits.length - 1]! >> (top & 7) !== 0) throw new Bad(`${bitsKey} sets ids past top`);
    let n = 0;
    for (let i = 0; i < bits.length; i++) {
      let b = bits[i]!;
      while (b !== 0) {
        const low = b & -b;
        out[n++] = i * 8 + 31 - Math.clz32(low) + 1;
        b ^= low;
      }
    }
    return n;
  }
  if (list !== undefined) {
    if (!isBin(list)) throw new Bad(`${key} must be a bin`);
    const w = idWidth(top);
    if (list.length % w !== 0) throw new Bad(`${key} length is not a multiple of ${w}`);
    const n = list.length / w;
    if (n > top) throw new Bad(`${key} lists more ids than top allows`);
    const v = ctx.decodeArena.view(list, w === 2 ? 'u16' : 'u32', n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const e = v[i]!;
      if (e <= prev || e > top) throw new Bad(`${key}: ids must ascend within 1..top`);
      out[i] = e;
      prev = e;
    }
    return n;
  }
  if (required) throw new Bad(`${key} or ${bitsKey} is required`);
  return 0;
}

/** One decoded value from a constant column, validated. */
function constantValue(f: CodecField, v: unknown): number {
  if (typeof v !== 'number') throw new Bad(`column ${f.key}: not a number, bin or [bin, bin]`);
  if (f.wire === 'f32') return Math.fround(v);
  const [lo, hi] = f.levels > 0 ? [0, f.levels] : RANGE[f.wire];
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Bad(`column ${f.key}: constant ${v} out of range`);
  return f.levels > 0 ? dequantize(f, v) : v;
}

function decodeColumn(ctx: SnapshotCodec, f: CodecField, col: unknown, ids: Uint32Array, n: number, idW: number, target: Float64Array): void {
  const w = f.width;
  if (typeof col === 'number') {
    const v = constantValue(f, col);
    for (let i = 0; i < n; i++) target[ids[i]!] = v;
    return;
  }
  if (isBin(col)) {
    if (col.length !== n * w) throw new Bad(`column ${f.key}: ${col.length} bytes, expected ${n * w}`);
    const tmp = ctx.decodeArena.f64(n);
    tmp.set(ctx.decodeArena.view(col, f.wire, n));
    if (f.levels > 0) checkLevels(f, tmp, n);
    for (let i = 0; i < n; i++) target[ids[i]!] = tmp[i]!;
    return;
  }
  if (Array.isArray(col) && col.length === 2 && isBin(col[0]) && isBin(col[1])) {
    const [ib, vb] = col as [Uint8Array, Uint8Array];
    if (ib.length % idW !== 0) throw new Bad(`column ${f.key}: sparse positions length is not a multiple of ${idW}`);
    const k = ib.length / idW;
    if (k > n || vb.length !== k * w) throw new Bad(`column ${f.key}: sparse sizes do not match`);
    const idx = ctx.decodeArena.view(ib, idW === 2 ? 'u16' : 'u32', k);
    const tmp = ctx.decodeArena.f64(k);
    tmp.set(ctx.decodeArena.view(vb, f.wire, k));
    if (f.levels > 0) checkLevels(f, tmp, k);
    let prev = -1;
    for (let j = 0; j < k; j++) {
      const p = idx[j]!;
      if (p <= prev || p >= n) throw new Bad(`column ${f.key}: sparse positions must ascend within 0..n-1`);
      prev = p;
    }
    const zero = f.levels > 0 ? dequantize(f, 0) : 0;
    for (let i = 0; i < n; i++) target[ids[i]!] = zero;
    for (let j = 0; j < k; j++) target[ids[idx[j]!]!] = tmp[j]!;
    return;
  }
  throw new Bad(`column ${f.key}: not a number, bin or [bin, bin]`);
}

function checkLevels(f: CodecField, v: Float64Array, n: number): void {
  const L = f.levels;
  for (let i = 0; i < n; i++) if (v[i]! > L) throw new Bad(`column ${f.key}: quantized value ${v[i]} over ${L}`);
  dequantAll(v, n, f);
}
