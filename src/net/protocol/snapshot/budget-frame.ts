// A budgeted client's frame written in one pass: its own message (removals, its own entity,
// globals) and the shared parts of its refreshed cells. The same wire message that
// encodeRefresh (./encode-refresh.ts) + frameWithParts (./fragments.ts) give for at most one
// own entity, but written byte by byte into one scratch buffer instead of building a message
// object, packing it with msgpackr and copying it again: at 1,000 budgeted clients per tick
// that generic path was half of the budgeted encode.
//
//   u32 LE length | fixmap {                       keys in this order, each a fixstr:
//     "type": "snapshot", "tick": uint, "base": uint,
//     "top"?: uint                                 largest id of rm and the own entity
//     "rm" | "rmBits" ?: bin                       the smaller form (./columns.ts idSetBytes)
//     "ch" | "chBits", "mask", "vals": [F x number]  own entity held: every field, one mask
//   | "add" | "addBits", "addCols": [F x number]     own entity not held: its full row
//     "g"?: [G x number]                           when the globals changed
//     "parts"?: [part ...]                         pre-encoded parts, spliced as they are
//   }
//
// A column of one entity is a constant: its wire value as a msgpack number (an f32 as a
// float32 with its exact bits, or an integer when it is a whole number; -0 as a raw 4-byte
// bin, since msgpack has no integer -0, as columnForm does).

import type { SnapshotCodec } from './codec.js';
import { idWidth } from './columns.js';
import type { WireArray } from './fields.js';
import { viewsOf } from './source.js';
import type { SnapshotSource } from './types.js';

const KEY = (s: string): Uint8Array => Buffer.from([0xa0 | s.length, ...Buffer.from(s, 'latin1')]);
const K = {
  type: KEY('type'),
  snapshot: KEY('snapshot'),
  tick: KEY('tick'),
  base: KEY('base'),
  top: KEY('top'),
  rm: KEY('rm'),
  rmBits: KEY('rmBits'),
  ch: KEY('ch'),
  chBits: KEY('chBits'),
  mask: KEY('mask'),
  vals: KEY('vals'),
  add: KEY('add'),
  addBits: KEY('addBits'),
  addCols: KEY('addCols'),
  g: KEY('g'),
  parts: KEY('parts'),
};

const F32_BITS = new Uint32Array(1);
const F32 = new Float32Array(F32_BITS.buffer);

/** One codec's writer of budgeted frames (one frame at a time). */
export class BudgetFrameWriter {
  private buf = Buffer.allocUnsafe(4096);
  private at = 0;
  private readonly outs: WireArray[];
  private readonly one = new Uint32Array(1);
  private readonly mask: Uint8Array;

  constructor(private readonly ctx: SnapshotCodec) {
    this.outs = ctx.fields.map((f) => (f.width === 1 ? new Uint8Array(1) : f.width === 2 ? new Uint16Array(1) : new Uint32Array(1)));
    this.mask = new Uint8Array(ctx.maskBytes);
    for (let f = 0; f < ctx.fields.length; f++) this.mask[f >> 3]! |= 1 << (f & 7);
  }

  /**
   * The framed snapshot of `tick` against `baseTick`: rm[0..nRm) removed (ascending), the
   * own entity `self` (0: none) refreshed as a change (`selfHeld`) or an add, the globals of
   * `src` when `globals`, then parts[0..nParts).
   */
  frame(
    src: SnapshotSource,
    tick: number,
    baseTick: number,
    rm: Uint32Array,
    nRm: number,
    self: number,
    selfHeld: boolean,
    globals: boolean,
    parts: readonly Uint8Array[],
    nParts: number,
  ): Uint8Array {
    const ctx = this.ctx;
    const F = ctx.fields.length;
    const G = ctx.globalIndex.length;
    const top = Math.max(nRm > 0 ? rm[nRm - 1]! : 0, self);
    this.ensure(96 + nRm * 4 + (top >> 3) + ctx.maskBytes + 12 * (F + G));
    this.at = 5; // length and map header: written last
    let keys = 3;
    this.raw(K.type);
    this.raw(K.snapshot);
    this.raw(K.tick);
    this.uint(tick);
    this.raw(K.base);
    this.int(baseTick);
    if (top > 0) {
      keys++;
      this.raw(K.top);
      this.uint(top);
    }
    if (nRm > 0) {
      keys++;
      this.idSet(K.rm, K.rmBits, rm, nRm, top);
    }
    if (self > 0) {
      this.one[0] = self;
      if (selfHeld) {
        keys += 3;
        this.idSet(K.ch, K.chBits, this.one, 1, top);
        this.raw(K.mask);
        this.bin(this.mask);
        this.raw(K.vals);
      } else {
        keys += 2;
        this.idSet(K.add, K.addBits, this.one, 1, top);
        this.raw(K.addCols);
      }
      this.row(src, self);
    }
    if (globals) {
      keys++;
      this.raw(K.g);
      this.arrayHeader(G);
      for (const i of ctx.globalIndex) this.number(src.block.globals[i]!);
    }
    if (nParts > 0) {
      keys++;
      this.raw(K.parts);
      this.arrayHeader(nParts);
    }
    const head = this.at;
    let size = head - 4;
    for (let i = 0; i < nParts; i++) size += parts[i]!.length;
    const buf = this.buf;
    buf.writeUInt32LE(size, 0);
    buf[4] = 0x80 | keys;
    const frame = Buffer.allocUnsafe(4 + size);
    buf.copy(frame, 0, 0, head);
    let at = head;
    for (let i = 0; i < nParts; i++) {
      frame.set(parts[i]!, at);
      at += parts[i]!.length;
    }
    return frame;
  }

  private ensure(bytes: number): void {
    if (this.buf.length < bytes) this.buf = Buffer.allocUnsafe(Math.max(bytes, this.buf.length * 2));
  }

  /** Every field of entity e as one constant column each. */
  private row(src: SnapshotSource, e: number): void {
    const ctx = this.ctx;
    const F = ctx.fields.length;
    this.one[0] = e;
    ctx.gatherAll(viewsOf(ctx, src.block), this.one, 1, this.outs, ctx.scan);
    this.arrayHeader(F);
    for (let f = 0; f < F; f++) {
      const v = this.outs[f]![0]!;
      switch (ctx.fields[f]!.wire) {
        case 'i8':
          this.int((v << 24) >> 24);
          break;
        case 'i16':
          this.int((v << 16) >> 16);
          break;
        case 'i32':
          this.int(v | 0);
          break;
        case 'f32':
          if (v === 0x8000_0000) {
            // -0: a raw bin of the one value (little-endian)
            this.buf[this.at] = 0xc4;
            this.buf[this.at + 1] = 4;
            this.buf.writeUInt32LE(v, this.at + 2);
            this.at += 6;
          } else {
            F32_BITS[0] = v;
            const x = F32[0]!;
            if (Number.isInteger(x) && Math.abs(x) < 0x8000_0000) this.int(x); // as msgpackr packs a whole number
            else {
              this.buf[this.at] = 0xca;
              this.buf.writeUInt32BE(v >>> 0, this.at + 1);
              this.at += 5;
            }
          }
          break;
        default:
          this.uint(v);
      }
    }
  }

  /** ids[0..n) (ascending, ids[n-1] <= top) under `list` or `bits`, whichever is smaller. */
  private idSet(list: Uint8Array, bits: Uint8Array, ids: Uint32Array, n: number, top: number): void {
    const bitmapBytes = (top + 7) >> 3;
    const w = idWidth(top);
    const buf = this.buf;
    if (bitmapBytes < n * w) {
      this.raw(bits);
      this.binHeader(bitmapBytes);
      const at = this.at;
      buf.fill(0, at, at + bitmapBytes);
      for (let i = 0; i < n; i++) {
        const b = ids[i]! - 1;
        buf[at + (b >> 3)]! |= 1 << (b & 7);
      }
      this.at += bitmapBytes;
    } else {
      this.raw(list);
      this.binHeader(n * w);
      let at = this.at;
      if (w === 2) for (let i = 0; i < n; i++, at += 2) buf.writeUInt16LE(ids[i]!, at);
      else for (let i = 0; i < n; i++, at += 4) buf.writeUInt32LE(ids[i]!, at);
      this.at = at;
    }
  }

  private raw(b: Uint8Array): void {
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  private bin(b: Uint8Array): void {
    this.binHeader(b.length);
    this.raw(b);
  }

  private binHeader(n: number): void {
    const buf = this.buf;
    if (n < 0x100) {
      buf[this.at++] = 0xc4;
      buf[this.at++] = n;
    } else if (n < 0x10000) {
      buf[this.at] = 0xc5;
      buf.writeUInt16BE(n, this.at + 1);
      this.at += 3;
    } else {
      buf[this.at] = 0xc6;
      buf.writeUInt32BE(n, this.at + 1);
      this.at += 5;
    }
  }

  private arrayHeader(n: number): void {
    const buf = this.buf;
    if (n < 16) buf[this.at++] = 0x90 | n;
    else if (n < 0x10000) {
      buf[this.at] = 0xdc;
      buf.writeUInt16BE(n, this.at + 1);
      this.at += 3;
    } else {
      buf[this.at] = 0xdd;
      buf.writeUInt32BE(n, this.at + 1);
      this.at += 5;
    }
  }

  /** A non-negative integer below 2^32. */
  private uint(v: number): void {
    const buf = this.buf;
    if (v < 0x80) buf[this.at++] = v;
    else if (v < 0x100) {
      buf[this.at++] = 0xcc;
      buf[this.at++] = v;
    } else if (v < 0x10000) {
      buf[this.at] = 0xcd;
      buf.writeUInt16BE(v, this.at + 1);
      this.at += 3;
    } else {
      buf[this.at] = 0xce;
      buf.writeUInt32BE(v, this.at + 1);
      this.at += 5;
    }
  }

  /** An integer in the int32 range. */
  private int(v: number): void {
    if (v >= 0) return this.uint(v);
    const buf = this.buf;
    if (v >= -0x20) buf[this.at++] = v & 0xff;
    else if (v >= -0x80) {
      buf[this.at++] = 0xd0;
      buf[this.at++] = v & 0xff;
    } else if (v >= -0x8000) {
      buf[this.at] = 0xd1;
      buf.writeInt16BE(v, this.at + 1);
      this.at += 3;
    } else {
      buf[this.at] = 0xd2;
      buf.writeInt32BE(v, this.at + 1);
      this.at += 5;
    }
  }

  /** Any number: an integer form when it is one that fits 32 bits (-0 as 0, as msgpackr packs it), else a float64. */
  private number(v: number): void {
    if (Number.isInteger(v) && v >= -0x8000_0000 && v <= 0xffff_ffff) return v < 0 ? this.int(v) : this.uint(v === 0 ? 0 : v);
    this.buf[this.at] = 0xcb;
    this.buf.writeDoubleBE(v, this.at + 1);
    this.at += 9;
  }
}
