// Snapshot wire format: what the host sends every tick so a client can rebuild the world.
// Column-oriented and driven only by the field table (every networked field, every networked
// global), never by a particular game. docs/snapshot-encoding.md is the reference for client
// writers; this comment is the short form. This file is the folder's public face.
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
//                  [bin d]              difference (vals and change parts only, to a client
//                                       whose join said `diffs`; u16 / i16 / u32 / i32
//                                       wires): n i8, each the new wire value minus the held
//                                       one, the result within the wire range (no wrap)
//                  [bin d, bin idx,     difference with exceptions: at the positions idx
//                   bin vals]           (W bytes each, ascending, < n) the new wire values
//                                       are vals, whole (d holds 0 there)
//                  [b, bin r]           predicted (a delta's vals only, to a client whose
//                  [b, bin r, bin idx,  join said `pred`; wires as for differences): r is n
//                   bin vals]           b-bit residuals (b 1..8, two's complement, one LSB-
//                                       first bit stream), each the new wire value minus the
//                                       extrapolation from the states base2 and base
//                                       (./predicted.ts); exceptions as for differences
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
//   { type: "snapshot", tick, base, base2?,      base2: an older ack (predicted columns)
//     top?,                                      top present when any id set is
//     rm | rmBits ?,                             removed: live in base, gone now or respawned
//     ch | chBits ?, mask?, vals?,               changed: live in both, same gen, some wire
//                                                value differs
//     add | addBits ?, addCols?,                 added: new (or respawned) entities, full rows
//     g? }                                       present when a networked global changed
//
//   mask  = ceil(F / 8) bytes per changed entity, bit f (byte f >> 3, bit f & 7) set when
//           the message carries field f (every changed field; the encoder also sets unchanged
//           ones when one mask for all, the union, is smaller); a single mask (ceil(F / 8)
//           bytes) when all are the same
//   vals  = F columns; column f lists, in `ch` order, the new wire values of the changed
//           entities whose mask has bit f
//   A decoder applies rm, then ch, then add. A quiet tick is {type, tick, base}: 31 bytes
//   while ticks fit a u16, 35 at most. When a delta would be larger than the full snapshot,
//   the full one is sent (base -1).
//
// Parts (format 2): either message may also carry `parts: [part, ...]`, small columnar
// blocks encoded once and shared by many clients' snapshots (layout: ./fragments.ts). A
// decoder applies the message's own sets first, then each part in order.
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
//
// Files (one concept each):
//   types.ts           message, state and descriptor types
//   fields.ts          the field table: wire types, quantization, the schema descriptor
//   arena.ts           scratch memory (bump allocator) and byte order
//   codec.ts           SnapshotCodec: the per (schema, capacity) context, its by-need scratch
//   source.ts          reading host states: field views, row bound, visibility, globals
//   wire-values.ts     per-kind loops: gathering wire values, comparing two states on them
//   compile-gather.ts  the per-schema compiled gather loops (full snapshots, added entities)
//   columns.ts         column forms (constant / sparse / raw / difference / predicted) and
//                      id sets (list / bitmap)
//   predicted.ts       predicted columns: the extrapolation and the residuals' bit packing
//   encode-full.ts     full snapshots
//   encode-delta.ts    deltas against an acked state
//   encode-ring.ts     encoding straight from the snapshot ring under its seqlocks
//   encode-lists.ts    deltas from explicit entity lists (what changed, the message pieces)
//   fragments.ts       shared parts: encoded once, spliced into many clients' snapshots
//   json.ts            JSON-mode full snapshots
//   state.ts           decoded client states (sized by need) and their accessors
//   decode-parts.ts    validated reading of id sets, columns and globals
//   decode-fragments.ts  validated application of a message's parts
//   decode.ts          the reference decoder

export {
  SNAPSHOT_FORMAT,
  type Column,
  type DecodeResult,
  type JsonSnapshot,
  type SchemaDescriptor,
  type SnapshotMessage,
  type SnapshotSource,
  type SnapshotState,
  type Visibility,
} from './types.js';
export { dequantize, schemaDescriptor, type CodecField } from './fields.js';
export { createSnapshotCodec, SnapshotCodec } from './codec.js';
export { encodeFull } from './encode-full.js';
export { encodeDelta } from './encode-delta.js';
export { encodeFromRing } from './encode-ring.js';
export { encodeListDelta, encodeListFull } from './encode-lists.js';
export { encodeChangePart, encodeRowsPart, frameWithParts, PartOp } from './fragments.js';
export { toJsonSnapshot } from './json.js';
export { liveIds, newSnapshotState, stateField } from './state.js';
export { decodeSnapshot, decodeSnapshotBytes } from './decode.js';
